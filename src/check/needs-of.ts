import type { WrittenStep } from '../flow/ast.js';
import type { Span } from '../source/span.js';

/** A step's `needs` as ids with spans (the shape check already ensured a list of strings). */
export function needsOf(step: WrittenStep): { id: string; span: Span }[] {
  const node = step.needs;
  if (!node || node.kind !== 'seq') return [];
  const out: { id: string; span: Span }[] = [];
  for (const item of node.items) if (item.kind === 'scalar' && typeof item.value === 'string') out.push({ id: item.value, span: item.span });
  return out;
}
