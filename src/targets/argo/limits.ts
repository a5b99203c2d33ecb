import { limitsTable, limitValues } from '../limits.js';

const FIELDS = 'https://argo-workflows.readthedocs.io/en/latest/fields/';

/**
 * Limits of Argo Workflows (and Kubernetes) that flowc plans around, one line each; docs/targets/argo.md
 * renders this table. The template and task caps are `maxItems` in the current CRD schema
 * (`WorkflowSpec.templates`, `DAGTemplate.tasks`), which the API server enforces.
 */
export const ARGO_LIMIT_TABLE = limitsTable({
  templates: { title: 'templates in one WorkflowTemplate (spec.templates, CRD maxItems)', value: 200, unit: 'templates', doc: FIELDS },
  dagTasks: { title: 'tasks in one DAG template (dag.tasks, CRD maxItems)', value: 200, unit: 'tasks', doc: FIELDS },
  inputParameters: { title: 'input parameters of one template (inputs.parameters, CRD maxItems)', value: 500, unit: 'items', doc: FIELDS },
  // A CronWorkflow names each run `<name>-<10-digit timestamp>` and Argo copies names into label
  // values (at most 63 characters), so 45 leaves room for both with a margin.
  workflowName: { title: 'workflow names (63-character label values less a run suffix)', value: 45, unit: 'characters', doc: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set' },
  dnsLabel: { title: 'template and task names (DNS-1123 labels)', value: 63, unit: 'characters', doc: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names' },
  objectBytes: { title: "Kubernetes object size (etcd's default request limit)", value: 1_572_864, unit: 'bytes', doc: 'https://etcd.io/docs/v3.5/dev-guide/limit/' },
  // Argo multiplies backoff durations as Go time.Duration (int64 nanoseconds): a longer wait overflows.
  retryDelay: { title: 'one retry wait (backoff.cap; Go time.Duration)', value: 9_223_372_036, unit: 'seconds', doc: 'https://pkg.go.dev/time#Duration' },
});

/** The values alone, for code that plans around them. */
export const ARGO_LIMITS = limitValues(ARGO_LIMIT_TABLE);
