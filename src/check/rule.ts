import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { ResolvedFlow } from '../flow/resolved.js';

/** What every flow rule sees: the resolved, shape-checked flow. Rules report; they never throw. */
export interface RuleContext {
  flow: ResolvedFlow;
  diagnostics: DiagnosticBag;
}

export type FlowRule = (ctx: RuleContext) => void;
