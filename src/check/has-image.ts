import { placeOf } from '../source/span.js';
import type { RuleContext } from './rule.js';

/** Steps named in the note of the one FLOWC315 for several steps; the rest are counted. */
const STEPS_SHOWN = 5;

/**
 * Every step runs in a container image: its own `image` or the flow's `defaults.image` (FLOWC315).
 * Several steps without one are one problem (a missing `defaults.image`), so they are one
 * diagnostic at the first of them, naming the others, not one per step.
 */
export function hasImage({ flow, diagnostics }: RuleContext): void {
  if (flow.defaults?.image) return;
  const missing = flow.steps.filter((s) => !s.image);
  const [first] = missing;
  if (!first) return;
  if (missing.length === 1) {
    diagnostics.report('FLOWC315', `step '${first.id}' has no image; set image on the step or in defaults`, first.idSpan);
    return;
  }
  const notes = missing.slice(1, STEPS_SHOWN + 1).map((s) => `step '${s.id}' at ${placeOf(s.idSpan)} has none either`);
  if (missing.length > STEPS_SHOWN + 1) notes.push(`and ${missing.length - STEPS_SHOWN - 1} more steps`);
  diagnostics.report('FLOWC315', `${missing.length} steps have no image and defaults has none: set defaults.image (or image on each step)`, first.idSpan, notes);
}
