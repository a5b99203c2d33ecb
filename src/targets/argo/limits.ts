/**
 * Limits of Argo Workflows that flowc plans around. The template and task caps are `maxItems` in the
 * current CRD schema (`WorkflowSpec.templates`, `DAGTemplate.tasks`), which the API server enforces;
 * see https://argo-workflows.readthedocs.io/en/latest/fields/.
 */
export const ARGO_LIMITS = {
  /** Templates in one WorkflowTemplate (`spec.templates`, CRD `maxItems`). */
  templates: 200,
  /** Tasks in one DAG template (`dag.tasks`, CRD `maxItems`). */
  dagTasks: 200,
  /** Input parameters of one template (`inputs.parameters`, CRD `maxItems`). */
  inputParameters: 500,
  /**
   * Workflow (template) names. A CronWorkflow names each run `<name>-<10-digit timestamp>` and Argo
   * copies names into label values (at most 63 characters), so 45 leaves room for both with a margin.
   */
  workflowName: 45,
  /** DNS-1123 labels, used for template and task names. */
  dnsLabel: 63,
  /**
   * Kubernetes objects are stored in etcd, whose default request limit is 1.5 MiB; a larger
   * WorkflowTemplate is rejected by the API server.
   */
  objectBytes: 1_572_864,
} as const;

/**
 * Limits on what a step container's process starts with (process-limits.ts).
 */
export const ARGO_PROCESS_LIMITS = {
  /**
   * One argument or one `NAME=value` environment string, counting its terminating NUL: Linux's
   * MAX_ARG_STRLEN, 32 pages of 4 KiB (include/uapi/linux/binfmts.h; execve(2)).
   */
  argStringBytes: 131_072,
  /**
   * The JSON of a container's `args` above which Argo 4.1+ moves them into a ConfigMap
   * (workflow/common/common.go `MaxEnvVarLen`, workflow/controller/workflowpod.go).
   */
  argsJsonBytes: 131_072,
} as const;

/**
 * The size of a run (a Workflow object) as the controller stores it (run-size.ts).
 */
export const ARGO_RUN_LIMITS = {
  /**
   * MAX_WORKFLOW_SIZE, the controller's default when the variable is unset (workflow/packer/packer.go):
   * a Workflow whose JSON is larger even after its node statuses are compressed is not stored,
   * and without node status offloading (a database, not in a default install) the run fails.
   */
  maxWorkflowBytes: 1_048_576,
  /** A run's metadata, `spec` (template ref, arguments) and status fields other than the nodes. */
  runOverheadBytes: 16_384,
  /**
   * One node status once compressed (gzip, then base64, workflow/packer/packer.go). Measured at
   * 64-106 bytes for realistic pod nodes (10 to 5,000 nodes; docs/targets/argo.md, Limits); 96 is
   * one and a half times the figure for large runs, where the count matters.
   */
  nodeStatusBytes: 96,
} as const;
