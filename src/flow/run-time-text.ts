import type { LNode, LScalar } from '../source/tree.js';
import { escapeTemplateText, formatPath, type TemplatePart } from './template.js';

/**
 * Run-time text after config values were substituted (SPEC section 3): literal text and the
 * run-time references (`params`, `item`, `run`, `flow.name`, `step.name`) that stay symbolic.
 *
 * The parts travel with the resolved scalar instead of being written into template text and
 * parsed again: the template syntax has no way to write a literal `$` right before `${`, so a
 * config value ending in `$` followed by `${params.x}` would read back as the escape `$${`, and
 * one ending in `$` followed by literal `{params.x}` as a reference. The scalar's `value` still
 * holds the template form (escaped), for messages and shape checks only.
 */
export interface RunTimeScalar extends LScalar {
  runTimeParts: TemplatePart[];
}

/** A scalar standing for `parts`; adjacent literal texts are merged. */
export function runTimeScalar(node: LScalar, parts: TemplatePart[]): RunTimeScalar {
  const merged: TemplatePart[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (p.kind === 'text' && last?.kind === 'text') merged[merged.length - 1] = { kind: 'text', value: last.value + p.value };
    else if (p.kind !== 'text' || p.value !== '') merged.push(p);
  }
  let value = '';
  for (const p of merged) value += p.kind === 'text' ? escapeTemplateText(p.value) : `\${${formatPath(p.root, p.path)}}`;
  return withRunTimeParts(node, value, merged);
}

/** `node` standing for `parts`, whose template form is `value` (parts and value as runTimeScalar makes them). */
export function withRunTimeParts(node: LScalar, value: string, parts: TemplatePart[]): RunTimeScalar {
  return { ...node, value, runTimeParts: parts };
}

/** The parts of a resolved run-time scalar, or undefined for text that never held `${`. */
export function runTimePartsOf(node: LNode): TemplatePart[] | undefined {
  // A property read, not `in`: this runs for every run-time string of a flow, on nodes of many shapes.
  return node.kind === 'scalar' ? (node as Partial<RunTimeScalar>).runTimeParts : undefined;
}
