import { limitsTable } from '../limits.js';

const QUOTAS = 'https://cloud.google.com/workflows/quotas';

/**
 * Google Cloud Workflows limits flowc plans around, one line each; docs/targets/gcp-workflows.md
 * renders this table.
 */
export const GCP_LIMIT_TABLE = limitsTable({
  sourceBytes: { title: 'workflow source size', value: 128 * 1024, unit: 'bytes', doc: QUOTAS },
  parallelBranches: { title: 'branches in one parallel step', value: 10, unit: 'branches', doc: QUOTAS },
  parallelDepth: { title: 'nesting of parallel steps', value: 2, unit: 'levels', doc: QUOTAS },
  expressionChars: { title: 'one ${} expression', value: 400, unit: 'characters', doc: QUOTAS },
  // Counted by budget.ts: every step that runs, in main and in subworkflows, retries included.
  executionSteps: { title: 'steps one execution runs', value: 100_000, unit: 'steps', doc: QUOTAS },
  // Estimated by budget.ts: main's variables plus every call running at the same time.
  variableBytes: { title: 'memory of the variables of one execution', value: 512 * 1024, unit: 'bytes', doc: QUOTAS },
  // Checked by the output wrapper (output-wrapper.ts) before the job ends: a value the workflow reads
  // lives in a variable, and no variable can outgrow the memory all of them share.
  outputBytes: { title: 'one step output read into a variable (all variables share 512 KB)', value: 512 * 1024, unit: 'bytes', doc: 'https://cloud.google.com/workflows/docs/reference/syntax/variables#memory-usage' },
  // More branches or iterations wait until one of these ends: the most that hold memory at once.
  concurrentBranches: { title: 'branches and iterations running at once in one execution', value: 20, unit: 'branches', doc: QUOTAS },
  // Each attempt is its own Batch job, whose id (at most 63 characters) keeps 2 digits for the attempt.
  retryLimit: { title: 'retries of one step (2 digits of the Batch job id)', value: 98, unit: 'retries', doc: 'https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs/create' },
  // No wait can outlast an execution, which Workflows stops after one year.
  retryDelay: { title: 'one retry wait (an execution runs at most one year)', value: 365 * 24 * 3600, unit: 'seconds', doc: QUOTAS },
});
