import { sha256Hex } from '../../source/canonical-json.js';

/**
 * Names of the steps flowc writes into a Workflows definition. User steps keep their flow id
 * behind a fixed prefix so no flow id can collide with a name flowc adds (`flowc_*`, `par_*`):
 * step ids match `^[a-z][a-z0-9_]{0,39}$`, so every name here is a valid Workflows step name.
 * https://cloud.google.com/workflows/docs/reference/syntax/steps
 */
export const stepName = (id: string): string => `run_${id}`;
/** The call inside a foreach step's `for` body. */
export const itemName = (id: string): string => `each_${id}`;
/** A `parallel` step and its branches, numbered in document order. */
export const parallelName = (n: number): string => `par_${n}`;
export const branchName = (n: number, m: number): string => `par_${n}_${m}`;

/** The step that reads the outputs a step uses (outputs.ts) just before it runs. */
export const readName = (id: string): string => `read_${id}`;

/** The shared subworkflows. */
export const STEP_SUBWORKFLOW = 'flowc_step';
export const TEXT_SUBWORKFLOW = 'flowc_text';
export const RETRY_PREDICATE = 'flowc_retryable';
export const CANCEL_SUBWORKFLOW = 'flowc_cancel';
/** A step that calls `flowc_step` after joining long strings (`joinName`) for it. */
export const callName = (id: string): string => `call_${id}`;
export const joinName = (id: string, n: number): string => `join_${id}_${n}`;
/** The variable a joined string is kept in: one per flow step, so no parallel branch assigns another's. */
export const joinVar = (id: string, n: number): string => `flowc_text_${id}_${n}`;

/**
 * The workflow id a flow deploys under (and the Scheduler job's URI names): Workflows ids are
 * letters, digits, `-` and `_`, start with a letter and end with a letter or digit, at most 64
 * characters (https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows/create).
 * A flow name (`^[a-z][a-z0-9-]{0,51}$`) fits once trailing `-` are dropped, as Argo does.
 */
export const workflowId = (flowName: string): string => flowName.replace(/-+$/, '');

/** Longest job-id tag: leaves room for `-<execution uuid>-<item index>-<attempt>` in 63 characters. */
export const JOB_TAG_MAX = 14;

/**
 * The step's part of its Batch job ids. Batch job ids match `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`
 * (https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs/create); a job id
 * is `<tag>-<execution id>[-<item index>]-<attempt>`, so the tag keeps at most 14 characters:
 * `_` becomes `-`, and a longer id keeps its first 7 characters plus 6 hex digits of its SHA-256,
 * which keeps tags distinct and stable across compiles.
 */
export function jobTag(id: string): string {
  const base = id.replaceAll('_', '-');
  if (base.length <= JOB_TAG_MAX) return base;
  return `${base.slice(0, 7)}-${sha256Hex(id).slice(0, 6)}`;
}
