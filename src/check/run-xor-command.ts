import type { RuleContext } from './rule.js';

/** Each step has exactly one of `run` (a shell script) and `command` (an exec-form list) (FLOWC303). */
export function runXorCommand({ flow, diagnostics }: RuleContext): void {
  for (const step of flow.steps) {
    if (step.run && step.command) {
      diagnostics.report('FLOWC303', `step '${step.id}' has both run and command; keep one (run is a shell script, command an exec-form list)`, step.command.span);
    } else if (!step.run && !step.command) {
      diagnostics.report('FLOWC303', `step '${step.id}' has neither run nor command; add one`, step.idSpan);
    } else if (step.command && step.command.kind === 'seq' && step.command.items.length === 0) {
      diagnostics.report('FLOWC303', `step '${step.id}' has an empty command list`, step.command.span);
    }
  }
}
