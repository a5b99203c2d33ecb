import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { WrittenFlow } from '../flow/ast.js';

/** What every flow rule sees: the resolved, shape-checked flow. Rules report; they never throw. */
export interface RuleContext {
  flow: WrittenFlow;
  diagnostics: DiagnosticBag;
}

export type FlowRule = (ctx: RuleContext) => void;
