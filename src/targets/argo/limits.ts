import { limitsTable, limitValues } from '../limits.js';

const FIELDS = 'https://argo-workflows.readthedocs.io/en/latest/fields/';

/**
 * Limits of Argo Workflows (and Kubernetes, and the Linux process a step starts) that flowc plans
 * around, one line each; docs/targets/argo.md renders this table. The template and task caps are
 * `maxItems` in the current CRD schema (`WorkflowSpec.templates`, `DAGTemplate.tasks`), which the
 * API server enforces.
 */
export const ARGO_LIMIT_TABLE = limitsTable({
  templates: { title: 'templates in one WorkflowTemplate (spec.templates, CRD maxItems)', value: 200, unit: 'templates', doc: FIELDS },
  dagTasks: { title: 'tasks in one DAG template (dag.tasks, CRD maxItems)', value: 200, unit: 'tasks', doc: FIELDS },
  inputParameters: { title: 'input parameters of one template (inputs.parameters, CRD maxItems)', value: 500, unit: 'items', doc: FIELDS },
  // A CronWorkflow names each run `<name>-<10-digit timestamp>` and Argo copies names into label
  // values (at most 63 characters), so 45 leaves room for both with a margin.
  workflowName: { title: 'workflow names (63-character label values less a run suffix)', value: 45, unit: 'characters', doc: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set' },
  dnsLabel: { title: 'template and task names (DNS-1123 labels)', value: 63, unit: 'characters', doc: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names' },
  // The controller's default when MAX_WORKFLOW_SIZE is unset (workflow/packer/packer.go): a run
  // whose JSON is larger even after its node statuses are compressed is not stored.
  maxWorkflowBytes: { title: "a run as the controller stores it (MAX_WORKFLOW_SIZE, default)", value: 1_048_576, unit: 'bytes', doc: 'https://argo-workflows.readthedocs.io/en/latest/environment-variables/' },
  // Linux's MAX_ARG_STRLEN, 32 pages of 4 KiB, counting the terminating NUL (include/uapi/linux/binfmts.h).
  argStringBytes: { title: "one argument or NAME=value environment string (Linux's MAX_ARG_STRLEN)", value: 131_072, unit: 'bytes', doc: 'https://man7.org/linux/man-pages/man2/execve.2.html' },
  // workflow/common/common.go `MaxEnvVarLen`, workflow/controller/workflowpod.go.
  argsJsonBytes: { title: 'JSON of container args above which Argo 4.1+ moves them into a ConfigMap', value: 131_072, unit: 'bytes', doc: 'https://github.com/argoproj/argo-workflows/blob/main/workflow/common/common.go' },
  // k8s.io/apimachinery ValidateAnnotationsSize: the keys and values of one object's annotations.
  annotationBytes: { title: "a pod's annotations, keys and values together (TotalAnnotationSizeLimitB)", value: 262_144, unit: 'bytes', doc: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set' },
  // A step output reaches each consumer as one NAME=value env string (outputs.ts), so MAX_ARG_STRLEN
  // bounds it; 1 KiB of it is left for the variable's name. The producer's wrapper checks it.
  outputValueBytes: { title: "one step output value (a consumer's NAME=value env string, MAX_ARG_STRLEN less 1 KiB for the name)", value: 130_048, unit: 'bytes', doc: 'https://man7.org/linux/man-pages/man2/execve.2.html' },
  // Output values live in the run's node statuses; the API server refuses a Workflow object over
  // etcd's request limit (MAX_WORKFLOW_SIZE above is the controller's stricter default). With
  // node status offloading the statuses move to the persistence database instead.
  workflowObjectBytes: { title: 'a Workflow object in etcd (request size limit), unless node status offloading is on', value: 1_572_864, unit: 'bytes', doc: 'https://argo-workflows.readthedocs.io/en/latest/offloading-large-workflows/' },
  // Argo multiplies backoff durations as Go time.Duration (int64 nanoseconds): a longer wait overflows.
  retryDelay: { title: 'one retry wait (backoff.cap; Go time.Duration)', value: 9_223_372_036, unit: 'seconds', doc: 'https://pkg.go.dev/time#Duration' },
});

/** The values alone, for code that plans around them. */
export const ARGO_LIMITS = limitValues(ARGO_LIMIT_TABLE);

/** Limits on what a step container's process starts with (process-limits.ts). */
export const ARGO_PROCESS_LIMITS = {
  argStringBytes: ARGO_LIMITS.argStringBytes,
  argsJsonBytes: ARGO_LIMITS.argsJsonBytes,
} as const;

/** The size of a run (a Workflow object) as the controller stores it (run-size.ts). */
export const ARGO_RUN_LIMITS = {
  maxWorkflowBytes: ARGO_LIMITS.maxWorkflowBytes,
  /** A run's metadata, `spec` (template ref, arguments) and status fields other than the nodes. */
  runOverheadBytes: 16_384,
  /**
   * One node status once compressed (gzip, then base64, workflow/packer/packer.go). Measured at
   * 64-106 bytes for realistic pod nodes (10 to 5,000 nodes; docs/targets/argo.md, Limits); 96 is
   * one and a half times the figure for large runs, where the count matters.
   */
  nodeStatusBytes: 96,
} as const;
