import type { Code } from '../diagnostics/codes.js';
import type { Span } from '../source/span.js';
import type { Json } from '../source/tree.js';
import { parseOverrideValue } from './override-value.js';
import { parsePath, type Segment } from './path.js';

/**
 * The four override forms of Hydra's grammar (https://hydra.cc/docs/advanced/override_grammar/basic/):
 * `key=value` changes an existing key, `+key=value` adds a new one, `++key=value` sets either way,
 * `~key` (or `~key=value`) deletes.
 */
export type OverrideOp = 'set' | 'add' | 'force' | 'delete';

export interface Override {
  op: OverrideOp;
  /** The argument as typed, for messages and provenance. */
  arg: string;
  /** Its position among the `--set` arguments (0-based). */
  index: number;
  /** The first path segment: the config's name. */
  config: string;
  /** The rest of the path, at least one segment. */
  path: Segment[];
  /** The value; for `~key` without `=value`, undefined. */
  value?: Json;
  /** Where the override was written, when it came from a file rather than the command line. */
  span?: Span;
}

/** How messages name an override: `--set k=v` from the command line, `set k=v` from a file. */
export function overrideLabel(ov: { arg: string; span?: Span | undefined }): string {
  return `${ov.span ? 'set' : '--set'} ${ov.arg}`;
}

/** A failure is FLOWC405 (malformed) unless `code` says otherwise; `notes` say how to fix it. */
export type OverrideParse = { ok: true; override: Override } | { ok: false; error: string; at?: number; code?: Code; notes?: string[] };

/**
 * Parses one `--set` argument (SPEC §4). The key path ends at the first `=` outside quotes; the
 * value is read as YAML (`8` a number, `"8"` a string, `[a, b]` a list, `{k: v}` a map, `null`),
 * and an empty value is the empty string, as in Hydra. What a value may hold is `parseOverrideValue`'s
 * rule (plain JSON data, bounded).
 */
export function parseOverride(arg: string, index: number): OverrideParse {
  let op: OverrideOp = 'set';
  let start = 0;
  if (arg.startsWith('++')) {
    op = 'force';
    start = 2;
  } else if (arg.startsWith('+')) {
    op = 'add';
    start = 1;
  } else if (arg.startsWith('~')) {
    op = 'delete';
    start = 1;
  }
  const eq = findEquals(arg, start);
  const keyText = arg.slice(start, eq < 0 ? undefined : eq);
  if (keyText === '') return { ok: false, error: 'the key is missing (expected CONFIG.KEY=VALUE)', at: start };
  const parsed = parsePath(keyText);
  if (!parsed.ok) return { ok: false, error: parsed.error, at: start + parsed.at };
  if (parsed.segments.some((seg) => typeof seg === 'string' && seg.includes('\0'))) {
    return { ok: false, code: 'FLOWC423', error: 'the key holds a NUL character, which no process argument or environment value can carry', at: start };
  }
  const [config, ...path] = parsed.segments;
  if (typeof config !== 'string') return { ok: false, error: 'the key must start with a config name', at: start };
  if (path.length === 0) {
    return { ok: false, error: `the key names only the config ${JSON.stringify(config)}; name a key inside it (${config}.KEY)`, at: start + keyText.length };
  }
  if (eq < 0) {
    if (op !== 'delete') return { ok: false, error: `expected '=' and a value after the key (${opExample(op)})`, at: arg.length };
    return { ok: true, override: { op, arg, index, config, path } };
  }
  const value = parseOverrideValue(arg.slice(eq + 1));
  if (!value.ok) return { ok: false, code: value.code, error: value.error, at: eq + 1, notes: value.quote ? quoteNotes(arg, eq) : [] };
  return { ok: true, override: { op, arg, index, config, path, value: value.value } };
}

function opExample(op: OverrideOp): string {
  return op === 'add' ? '+app.key=value' : op === 'force' ? '++app.key=value' : 'app.key=value';
}

/** The first `=` that is not inside a quoted key. */
function findEquals(arg: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < arg.length; i++) {
    const c = arg[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return i;
  }
  return -1;
}

/** How to write the same value as text: quoted YAML (JSON string syntax is valid YAML). */
function quoteNotes(arg: string, eq: number): string[] {
  const fixed = `${arg.slice(0, eq + 1)}${JSON.stringify(arg.slice(eq + 1))}`;
  const notes = [`to pass the text as written, quote the value: ${fixed}`];
  if (!fixed.includes("'")) notes.push(`in a shell: --set '${fixed}'`);
  return notes;
}
