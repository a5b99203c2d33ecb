import { suggestionNotes } from '../diagnostics/suggest.js';
import type { RuleContext } from './rule.js';
import { needsOf } from './needs-of.js';

/**
 * Every `needs` entry names a step of the flow (FLOWC301), no step needs itself, and no step
 * lists the same need twice (FLOWC312).
 */
export function needsExist({ flow, diagnostics }: RuleContext): void {
  const ids = flow.steps.map((s) => s.id);
  const known = new Set(ids);
  for (const step of flow.steps) {
    const seen = new Set<string>();
    for (const need of needsOf(step)) {
      if (need.id === step.id) {
        diagnostics.report('FLOWC312', `step '${step.id}' needs itself`, need.span);
      } else if (seen.has(need.id)) {
        diagnostics.report('FLOWC312', `step '${step.id}' lists '${need.id}' in needs twice`, need.span);
      } else if (!known.has(need.id)) {
        diagnostics.report('FLOWC301', `step '${step.id}' needs '${need.id}', which is not a step of this flow`, need.span, suggestionNotes(need.id, ids));
      }
      seen.add(need.id);
    }
  }
}
