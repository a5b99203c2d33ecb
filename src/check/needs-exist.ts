import { suggestionNotes } from '../diagnostics/suggest.js';
import type { RuleContext } from './rule.js';
import type { LNode } from '../source/tree.js';

/**
 * Every `needs` entry names a step of the flow (FLOWC301), no step needs itself, and no step
 * lists the same need twice (FLOWC312).
 */
export function needsExist({ flow, diagnostics }: RuleContext): void {
  const ids = flow.steps.map((s) => s.id);
  const known = new Set(ids);
  for (const step of flow.steps) {
    const needs = step.needs;
    if (needs?.kind !== 'seq') continue;
    // Read in place (a flow may have 10,000 steps, each with a short list): an earlier entry of
    // the same list is a twice-listed need, searched for in the list itself unless it is long.
    const items = needs.items;
    const seen = items.length > 16 ? new Set<string>() : undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as LNode;
      if (item.kind !== 'scalar' || typeof item.value !== 'string') continue;
      const id = item.value;
      if (id === step.id) {
        diagnostics.report('FLOWC312', `step '${step.id}' needs itself`, item.span);
      } else if (seen ? seen.has(id) : listedBefore(items, i, id)) {
        diagnostics.report('FLOWC312', `step '${step.id}' lists '${id}' in needs twice`, item.span);
      } else if (!known.has(id)) {
        diagnostics.report('FLOWC301', `step '${step.id}' needs '${id}', which is not a step of this flow`, item.span, suggestionNotes(id, ids));
      }
      seen?.add(id);
    }
  }
}

function listedBefore(items: readonly LNode[], i: number, id: string): boolean {
  for (let j = 0; j < i; j++) {
    const item = items[j] as LNode;
    if (item.kind === 'scalar' && item.value === id) return true;
  }
  return false;
}
