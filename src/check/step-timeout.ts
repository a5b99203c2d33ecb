import { readTimeout } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';

/** Each step's timeout (its own, else `defaults.timeout`) is a duration longer than 0 seconds (FLOWC305). */
export function stepTimeout({ flow, diagnostics }: RuleContext): void {
  for (const step of flow.steps) {
    const node = step.timeout ?? flow.defaults?.timeout;
    // Nothing written, nothing to judge (the reader would report nothing).
    if (node !== undefined) readTimeout(node, `steps.${step.id}`, diagnostics);
  }
}
