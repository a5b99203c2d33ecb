import { readRetry } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/**
 * Each step's retry (a number of retries, or a map merged over `defaults.retry`) has a limit from
 * 0 to 100 and a backoff from 1 to 100 (FLOWC313), and durations for delay and maxDelay, maxDelay
 * not shorter than the delay (FLOWC305).
 */
export function stepRetry({ flow, diagnostics }: RuleContext): void {
  for (const step of flow.steps) readRetry({ node: step.retry, defaults: flow.defaults?.retry, where: `steps.${step.id}`, diagnostics });
}
