import { join } from 'node:path';
import type { IROutput } from '../ir/types.js';
import { readRegularFile } from '../source/regular-file.js';
import type { Json } from '../source/tree.js';

/**
 * The largest output file a local run reads. No engine carries more than a few MiB in one value
 * (docs/outputs.md); a bigger file is almost surely a mistake, and reading it would cost memory.
 */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** One published value: a `string` output's text, or a `json` output's parsed value. */
export type OutputValue = { type: 'string'; value: string } | { type: 'json'; value: Json };

export type ReadOutputs = { ok: true; values: Record<string, OutputValue> } | { ok: false; problem: string };

/**
 * Reads the files a task wrote into its `$FLOWC_OUTPUTS` after it exited 0 (docs/outputs.md): a
 * missing file, or a `json` output that is not one JSON value, fails the attempt, naming the
 * output; a `string` output loses its trailing newlines, as `$(cat file)` would.
 */
export function readOutputs(options: { dir: string; outputs: readonly IROutput[]; step: string }): ReadOutputs {
  const values: Record<string, OutputValue> = Object.create(null) as Record<string, OutputValue>;
  for (const o of options.outputs) {
    const where = `step '${options.step}' output '${o.name}'`;
    const read = readRegularFile(join(options.dir, o.name), { maxBytes: MAX_OUTPUT_BYTES, followLinks: false });
    if (!read.ok) {
      if (read.reason === 'missing') return { ok: false, problem: `${where}: the step exited 0 but did not write $FLOWC_OUTPUTS/${o.name}` };
      if (read.reason === 'too-large') return { ok: false, problem: `${where}: $FLOWC_OUTPUTS/${o.name} holds ${read.size} bytes, more than the ${MAX_OUTPUT_BYTES} a local run reads` };
      return { ok: false, problem: `${where}: $FLOWC_OUTPUTS/${o.name} is ${read.reason === 'not-regular' ? (read.kind ?? 'not a regular file') : `unreadable (${read.error ?? 'error'})`}` };
    }
    const text = read.bytes.toString('utf8');
    if (o.type === 'string') {
      values[o.name] = { type: 'string', value: text.replace(/\n+$/, '') };
      continue;
    }
    try {
      values[o.name] = { type: 'json', value: JSON.parse(text) as Json };
    } catch (e) {
      return { ok: false, problem: `${where}: $FLOWC_OUTPUTS/${o.name} is not one valid JSON value (${(e as Error).message})` };
    }
  }
  return { ok: true, values };
}

/**
 * The text of `${steps.<step>.outputs.<name>}` (src/ir/types.ts, the `output` part): a string as
 * is, a JSON value as JSON text; for a foreach step, a JSON list of every task's value in item
 * order (JSON values parsed, strings as JSON strings).
 */
export function outputText(values: OutputValue | OutputValue[]): string {
  if (Array.isArray(values)) return JSON.stringify(values.map((v) => v.value));
  return values.type === 'string' ? values.value : JSON.stringify(values.value);
}

/** The JSON value a dynamic foreach iterates over: a foreach producer's list, or the value itself (a string output parsed). */
export function outputJson(values: OutputValue | OutputValue[]): { ok: true; value: Json } | { ok: false } {
  if (Array.isArray(values)) return { ok: true, value: values.map((v) => v.value) };
  if (values.type === 'json') return { ok: true, value: values.value };
  try {
    return { ok: true, value: JSON.parse(values.value) as Json };
  } catch {
    return { ok: false };
  }
}
