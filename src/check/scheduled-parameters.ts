import type { RuleContext } from './rule.js';

/**
 * A scheduled flow has no required parameter without a default (FLOWC317). Every engine starts a
 * scheduled run without arguments (an Argo CronWorkflow, an EventBridge Scheduler or Cloud
 * Scheduler request, a GitHub `on.schedule` run), so such a parameter would fail every scheduled
 * run. Reported at the parameter, with a note pointing at the schedule.
 */
export function scheduledParameters({ flow, diagnostics }: RuleContext): void {
  const schedule = flow.schedule;
  if (!schedule || (schedule.kind === 'scalar' && schedule.value === null)) return;
  for (const p of flow.parameters) {
    if (p.default !== undefined) continue;
    diagnostics.report(
      'FLOWC317',
      `parameters.${p.name} has no default, but the flow has a schedule and a scheduled run starts with no parameters; give '${p.name}' a default`,
      p.nameSpan,
      [`the schedule is at line ${schedule.span.line}`],
    );
  }
}
