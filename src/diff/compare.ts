import type { IR } from '../ir/types.js';
import { canonicalJson } from '../source/canonical-json.js';
import { type Fields, flattenIR } from './flatten.js';
import type { FieldChange, StepDiff } from './types.js';

/**
 * The engine-visible differences between two IRs: flow-level fields, then steps in the after
 * side's order with removed steps last (in the before side's order), each keyed by step id.
 */
export function compareIR(before: IR, after: IR): { flow: FieldChange[]; steps: StepDiff[] } {
  const a = flattenIR(before);
  const b = flattenIR(after);
  const flow = compareFields(a.flow, b.flow);
  const steps: StepDiff[] = [];
  for (const [id, fields] of b.steps) {
    const old = a.steps.get(id);
    // An added step shows what it runs and after what; the rest is the flow's defaults.
    if (!old) steps.push({ step: id, status: 'added', changes: compareFields(new Map(), pick(fields, ADDED_STEP_FIELDS)) });
    else {
      const changes = compareFields(old, fields);
      if (changes.length > 0) steps.push({ step: id, status: 'changed', changes });
    }
  }
  for (const id of a.steps.keys()) if (!b.steps.has(id)) steps.push({ step: id, status: 'removed', changes: [] });
  return { flow, steps };
}

/** Fields that differ, in the after side's order, then those only the before side has. */
export function compareFields(before: Fields, after: Fields): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [field, value] of after) {
    if (!before.has(field)) out.push({ field, after: value });
    // Canonical: map keys reordered in a config (inside a foreach item) are no change.
    else if (canonicalJson(before.get(field) ?? null) !== canonicalJson(value)) out.push({ field, before: before.get(field) ?? null, after: value });
  }
  for (const [field, value] of before) if (!after.has(field)) out.push({ field, before: value });
  return out;
}

const ADDED_STEP_FIELDS = ['needs', 'image', 'run', 'command', 'foreach.items', 'foreach.from'];

function pick(fields: Fields, names: string[]): Fields {
  return new Map(names.filter((n) => fields.has(n)).map((n) => [n, fields.get(n) ?? null]));
}
