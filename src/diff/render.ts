import type { Colors } from '../diagnostics/colour.js';
import { jsonWithVisibleText, visibleText } from '../source/visible-text.js';
import type { Json } from '../source/tree.js';
import type { ConfigKeyChange, FieldChange, SemanticDiff, StepDiff, UnitDiff } from './types.js';

/** The JSON form's version: bumped when a field changes meaning. */
export const DIFF_JSON_VERSION = 1;

/** Longest value shown in text; the JSON form always has the whole value. */
const MAX_VALUE_CHARS = 100;

/**
 * The text form: one block per changed unit (binding or flow), the config keys that changed
 * with where they were set, the flow-level fields, then each changed step keyed by its id, each
 * field with the config keys it reads (`<- app.train.cpu`), then the artifacts whose text changed.
 * An empty diff prints nothing, as `git diff` does.
 */
export function renderText(diff: SemanticDiff, c: Colors): string {
  if (diff.units.length === 0) return '';
  const lines = [c.bold(`--- ${visibleText(diff.before)}`), c.bold(`+++ ${visibleText(diff.after)}`)];
  for (const u of diff.units) lines.push(...unitLines(u, diff.noun ?? 'flow', c));
  return `${lines.join('\n')}\n`;
}

export function unitLines(u: UnitDiff, noun: string, c: Colors, indent = ''): string[] {
  const head = `${indent}${noun} ${visibleText(u.unit)}`;
  if (u.status === 'added') return [c.green(`${head}: added`)];
  if (u.status === 'removed') return [c.red(`${head}: removed`)];
  const out = [c.bold(head)];
  const i1 = `${indent}  `;
  for (const k of u.config) out.push(`${i1}config ${keyLine(k, c)}`);
  out.push(...changeLines({ flow: u.flow, steps: u.steps, indent: i1, c }));
  for (const a of u.artifacts) out.push(`${i1}${a.target ? `${a.target} ` : ''}artifact ${visibleText(a.file)} ${a.status === 'changed' ? 'changes' : `is ${a.status}`}`);
  if (u.note) out.push(`${i1}(${u.note})`);
  return out;
}

/** The flow-level fields, then each changed step keyed by its id (also `build --check`'s summary). */
export function changeLines(options: { flow: FieldChange[]; steps: StepDiff[]; indent: string; c: Colors }): string[] {
  const { indent, c } = options;
  const out: string[] = [];
  for (const f of options.flow) out.push(`${indent}flow ${fieldLine(f, c)}`);
  for (const s of options.steps) {
    if (s.status === 'added') {
      out.push(c.green(`${indent}step ${visibleText(s.step)}: added`));
      for (const f of s.changes) out.push(c.green(`${indent}  ${visibleText(f.field)}: ${value(f.after)}`));
    }
    else if (s.status === 'removed') out.push(c.red(`${indent}step ${visibleText(s.step)}: removed`));
    else {
      out.push(`${indent}step ${visibleText(s.step)}:`);
      for (const f of s.changes) out.push(`${indent}  ${fieldLine(f, c)}`);
    }
  }
  return out;
}

function keyLine(k: ConfigKeyChange, c: Colors): string {
  return `${visibleText(k.key)}: ${change(k.before, k.after, c)}${k.at ? `  (${visibleText(k.at)})` : ''}`;
}

function fieldLine(f: FieldChange, c: Colors): string {
  const causes = f.causes ? `  <- ${f.causes.map((k) => visibleText(k.at ? `${k.key} (${k.at})` : k.key)).join(', ')}` : '';
  return `${visibleText(f.field)}: ${change(f.before, f.after, c)}${causes}`;
}

function change(before: Json | undefined, after: Json | undefined, c: Colors): string {
  if (before === undefined) return `${c.green(value(after))} (added)`;
  if (after === undefined) return `${c.red(value(before))} (removed)`;
  return `${c.red(value(before))} -> ${c.green(value(after))}`;
}

/** A value as the flow would write it: plain words bare, anything else as JSON. */
function value(v: Json | undefined): string {
  // A string that reads as a number, boolean or null is quoted, so `"8"` and `8` differ on screen too.
  const bare = typeof v === 'string' && /^[\w./:@+${}-]+$/.test(v) && !/^(true|false|null|[-+.\d][\d.eE+-]*)$/.test(v);
  const text = bare ? v : JSON.stringify(v ?? null);
  const shown = text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
  return visibleText(shown);
}

/** The JSON form: the whole diff, values whole; `changed` says whether it is empty. */
export function renderJson(diff: SemanticDiff): string {
  const doc = { diffVersion: DIFF_JSON_VERSION, before: diff.before, after: diff.after, changed: diff.units.length > 0, units: diff.units };
  return `${jsonWithVisibleText(JSON.stringify(doc, null, 2))}\n`;
}
