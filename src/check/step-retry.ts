import { readRetry } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/**
 * Each step's retry (a number of retries, or a map merged over `defaults.retry`) has a limit from
 * 0 to 100 and a backoff from 1 to 100 (FLOWC313), and durations for delay and maxDelay, maxDelay
 * not shorter than the delay (FLOWC305).
 */
export function stepRetry({ flow, diagnostics }: RuleContext): void {
  const defaults = flow.defaults?.retry;
  for (const step of flow.steps) {
    // Nothing written, nothing to judge (the reader would report nothing): no request per step.
    if (step.retry === undefined && defaults === undefined) continue;
    readRetry({ node: step.retry, defaults, where: `steps.${step.id}`, diagnostics });
  }
}
