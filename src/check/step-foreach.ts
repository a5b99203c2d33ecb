import { readForeach } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/**
 * A step's foreach is a non-empty list, and parallelism, which only a foreach step may have, is a
 * whole number of at least 1 (FLOWC314).
 */
export function stepForeach({ flow, diagnostics }: RuleContext): void {
  // A step with neither field has nothing to judge (the reader would report nothing).
  for (const step of flow.steps) if (step.foreach !== undefined || step.parallelism !== undefined) readForeach(step, diagnostics);
}
