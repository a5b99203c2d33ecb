import { readResources } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/**
 * Each step's resources, merged key by key over `defaults.resources`, are a positive CPU
 * (FLOWC307), a positive memory quantity (FLOWC306) and a whole GPU count (FLOWC308).
 */
export function stepResources({ flow, diagnostics }: RuleContext): void {
  for (const step of flow.steps) readResources({ node: step.resources, defaults: flow.defaults?.resources, where: `steps.${step.id}`, diagnostics });
}
