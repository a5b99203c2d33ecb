import { limitsTable, limitValues } from '../limits.js';

const LIMITS_DOC = 'https://docs.github.com/en/actions/reference/limits';
const REUSE_DOC = 'https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#limitations-of-reusable-workflows';
const OUTPUTS_DOC = 'https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/pass-job-outputs';

/**
 * GitHub Actions limits flowc checks before writing anything, one line each;
 * docs/targets/github-actions.md renders this table.
 */
export const GHA_LIMIT_TABLE = limitsTable({
  // "Workflow file size": GitHub does not start runs of a larger file (read as 500 KiB).
  workflowBytes: { title: 'workflow file size', value: 500 * 1024, unit: 'bytes', doc: LIMITS_DOC },
  matrixJobs: { title: 'jobs one matrix expands to', value: 256, unit: 'jobs', doc: LIMITS_DOC },
  expressionChars: { title: 'one ${{ }} expression', value: 21_000, unit: 'characters', doc: 'https://docs.github.com/en/actions/reference/workflows-and-actions/expressions' },
  // Linux refuses a `NAME=value` environment string over 131,072 bytes (MAX_ARG_STRLEN); 1 KiB is
  // left for the name and GitHub's own expansion.
  envValueBytes: { title: 'one environment value (Linux MAX_ARG_STRLEN less 1 KiB)', value: 128 * 1024 - 1024, unit: 'bytes', doc: 'https://man7.org/linux/man-pages/man2/execve.2.html' },
  // 25 since 2025-12-04 (it was 10); actionlint 1.7.12 enforces it. https://github.blog/changelog/2025-12-04-actions-workflow-dispatch-workflows-now-support-25-inputs/
  dispatchInputs: { title: 'workflow_dispatch inputs', value: 25, unit: 'inputs', doc: 'https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_dispatchinputs' },
  // "Outputs can be a maximum of 1 MB per job. The total of all outputs in a workflow run can be a
  // maximum of 50 MB. Size is approximated based on UTF-16 encoding." MB read as 10^6 (the
  // stricter reading); checked at run time by the step that publishes outputs (outputs-shell.ts).
  jobOutputsBytes: { title: 'outputs of one job (UTF-16)', value: 1_000_000, unit: 'bytes', doc: OUTPUTS_DOC },
  // Not checked by flowc: no one job sees every output of a run.
  runOutputsBytes: { title: 'outputs of one workflow run (UTF-16; not checked)', value: 50_000_000, unit: 'bytes', doc: OUTPUTS_DOC },
  // "You can call a maximum of 50 unique reusable workflows from a single workflow file. This limit
  // includes any trees of nested reusable workflows" (github.com; 20 on GitHub Enterprise Server).
  // A flow split into parts calls one reusable workflow per part, so nesting cannot raise it.
  reusableWorkflows: { title: 'unique reusable workflows one workflow file calls, nested calls included', value: 50, unit: 'workflows', doc: REUSE_DOC },
  // A retry wait runs inside the job, which a GitHub-hosted runner stops after 6 hours.
  retryDelay: { title: 'one retry wait (a hosted job runs at most 6 hours)', value: 6 * 3600, unit: 'seconds', doc: LIMITS_DOC },
});

export const GHA_LIMITS = limitValues(GHA_LIMIT_TABLE);
