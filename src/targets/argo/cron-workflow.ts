import type { IRSchedule } from '../../ir/types.js';
import { metadata, type ObjectMeta } from './metadata.js';
import type { ArgoOptions } from './options.js';

/**
 * The CronWorkflow that starts the WorkflowTemplate on the flow's schedule
 * (https://argo-workflows.readthedocs.io/en/latest/cron-workflows/). It uses the Argo 3.6+
 * `schedules` list. `timezone` is always written: without it Argo uses the controller's local time,
 * while a flow without a timezone means UTC. `concurrencyPolicy` defaults to Forbid (options.ts).
 */
export function cronWorkflow(o: {
  name: string;
  schedule: IRSchedule;
  meta: ObjectMeta;
  options: ArgoOptions;
}): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: metadata({ name: o.name, meta: o.meta, options: o.options }),
    spec: {
      schedules: [o.schedule.cron],
      timezone: o.schedule.timezone ?? 'UTC',
      concurrencyPolicy: o.options.concurrencyPolicy,
      workflowMetadata: { labels: o.meta.labels, annotations: o.meta.runAnnotations },
      workflowSpec: { workflowTemplateRef: { name: o.name } },
    },
  };
}
