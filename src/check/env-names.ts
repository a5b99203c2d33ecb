import type { LNode } from '../source/tree.js';
import type { RuleContext } from './rule.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Env variable names are portable (POSIX: letters, digits, `_`, not starting with a digit) and do
 * not redefine the FLOWC_* variables flowc sets itself (FLOWC316).
 */
export function envNames({ flow, diagnostics }: RuleContext): void {
  const check = (env: LNode | undefined, where: string) => {
    if (!env || env.kind !== 'map') return;
    for (const e of env.entries) {
      if (!NAME.test(e.key)) diagnostics.report('FLOWC316', `${where}.env: '${e.key}' is not a valid variable name (letters, digits and _, not starting with a digit)`, e.keySpan);
      else if (e.key.startsWith('FLOWC_')) diagnostics.report('FLOWC316', `${where}.env: '${e.key}' is reserved; flowc sets the FLOWC_* variables itself`, e.keySpan);
    }
  };
  check(flow.defaults?.env, 'defaults');
  for (const step of flow.steps) check(step.env, `steps.${step.id}`);
}
