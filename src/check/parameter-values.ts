import { readParameter } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';
import { NO_ORIGIN } from './values-origin.js';

/**
 * Each parameter's `enum` values and `default` have its type, the enum lists no value twice, the
 * default is one of the enum values, and a parameter is not both required and defaulted (FLOWC311).
 */
export function parameterValues({ flow, diagnostics }: RuleContext): void {
  for (const p of flow.parameters) readParameter(p, NO_ORIGIN, diagnostics);
}
