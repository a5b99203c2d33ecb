import type { RuleContext } from './rule.js';

/** Every step runs in a container image: its own `image` or the flow's `defaults.image` (FLOWC315). */
export function hasImage({ flow, diagnostics }: RuleContext): void {
  if (flow.defaults?.image) return;
  for (const step of flow.steps) {
    if (!step.image) diagnostics.report('FLOWC315', `step '${step.id}' has no image; set image on the step or in defaults`, step.idSpan);
  }
}
