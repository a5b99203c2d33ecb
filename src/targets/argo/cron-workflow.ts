import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IRSchedule } from '../../ir/types.js';
import { originSpan } from './checks.js';
import { toArgoCron } from './cron.js';
import { metadata, type ObjectMeta } from './metadata.js';
import type { ArgoOptions } from './options.js';

/**
 * The CronWorkflow that starts the WorkflowTemplate on the flow's schedule
 * (https://argo-workflows.readthedocs.io/en/latest/cron-workflows/). It uses the Argo 3.6+
 * `schedules` list. `timezone` is always written: without it Argo uses the controller's local time,
 * while a flow without a timezone means UTC. `concurrencyPolicy` defaults to Forbid (options.ts).
 * The cron is written in robfig/cron v3's dialect (cron.ts); `startingDeadlineSeconds` is always
 * written (options.ts says why), since without it a run missed while the controller is down is
 * skipped without a trace (workflow/cron/operator.go `shouldOutstandingWorkflowsBeRun`).
 */
export function cronWorkflow(o: {
  name: string;
  schedule: IRSchedule;
  meta: ObjectMeta;
  options: ArgoOptions;
  /** The schedule in Argo's dialect (`argoSchedule`). */
  cron: string;
}): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: metadata({ name: o.name, meta: o.meta, options: o.options }),
    spec: {
      schedules: [o.cron],
      timezone: o.schedule.timezone ?? 'UTC',
      concurrencyPolicy: o.options.concurrencyPolicy,
      startingDeadlineSeconds: o.options.startingDeadlineSeconds,
      workflowMetadata: { labels: o.meta.labels, annotations: o.meta.runAnnotations },
      workflowSpec: { workflowTemplateRef: { name: o.name } },
    },
  };
}

/** The flow's cron in Argo's dialect, or null after reporting FLOWC614 when Argo cannot say it. */
export function argoSchedule(schedule: IRSchedule, diagnostics: DiagnosticBag): string | null {
  const cron = toArgoCron(schedule.cron);
  if (cron.ok) return cron.cron;
  diagnostics.report('FLOWC614', cron.error, originSpan(schedule.origin));
  return null;
}
