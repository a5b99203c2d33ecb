import { readResources } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/**
 * Each step's resources, merged key by key over `defaults.resources`, are a positive CPU
 * (FLOWC307), a positive memory quantity (FLOWC306) and a whole GPU count (FLOWC308).
 */
export function stepResources({ flow, diagnostics }: RuleContext): void {
  const defaults = flow.defaults?.resources;
  for (const step of flow.steps) {
    // Nothing written, nothing to judge (the reader would report nothing): no request per step.
    if (step.resources === undefined && defaults === undefined) continue;
    readResources({ node: step.resources, defaults, where: `steps.${step.id}`, diagnostics });
  }
}
