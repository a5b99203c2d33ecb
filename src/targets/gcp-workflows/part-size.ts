import type { IR, IRStep, IRString } from '../../ir/types.js';
import { DEFAULTABLE } from './batch-job.js';
import { CALL_STEPS } from './budget.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import type { GcpOptions } from './options.js';

/**
 * Cheap per-step size estimates that decide whether a flow is partitioned and how large each part
 * may be (partition.ts), without building the definition. Two limits of one workflow matter
 * (https://cloud.google.com/workflows/quotas): its source (128 KB) and the steps one execution
 * runs (100,000). The real checks run on every compiled part afterwards (index.ts); these only
 * choose the cut.
 */

/** Bytes a run-time value (`${params.x}`, the item, an output) takes at least once rendered. */
const RUNTIME_PART_BYTES = 20;

function textBytes(s: IRString): number {
  let n = 0;
  for (const p of s) n += p.kind === 'lit' ? Buffer.byteLength(p.value, 'utf8') : RUNTIME_PART_BYTES;
  return n;
}

/** By the step's `exec`, which a part's copy of the step shares: asked for the whole flow, its weights and every part. */
const execCache = new WeakMap<IRStep['exec'], number>();

function execBytes(step: IRStep): number {
  let n = execCache.get(step.exec);
  if (n !== undefined) return n;
  if (step.exec.kind === 'run') n = textBytes(step.exec.script);
  else {
    n = 0;
    for (const a of step.exec.argv) n += textBytes(a) + 2;
  }
  execCache.set(step.exec, n);
  return n;
}

/** Jobs one run of the step starts: one per foreach item (a dynamic list at its bound). */
function jobs(step: IRStep, options: GcpOptions): number {
  if (!step.foreach) return 1;
  return step.foreach.from ? options.maxDynamicItems : step.foreach.items.length;
}

/**
 * The least bytes a step adds to the compact layout: `- run_<id>: {call: flowc_step, args: {step:
 * <id>, entrypoint: ..., commands: [...]}}` plus its literal text and static foreach items. A lower
 * bound, so a flow this says is over the limit is over it for certain.
 */
export function leastStepBytes(step: IRStep): number {
  return 50 + 2 * step.id.length + execBytes(step) + (step.foreach && !step.foreach.from ? JSON.stringify(step.foreach.items).length : 0);
}

/**
 * Bytes every call adds in the full layout beyond `leastStepBytes`: it names each of
 * `flowc_step`'s defaultable values (workflow.ts, `keep`), each at least its key and a colon.
 */
const FULL_CALL_KEY_BYTES = DEFAULTABLE.reduce((n, k) => n + k.length + 1, 0);

/** The least bytes a step adds to the full layout (index.ts leaves that layout out when the steps alone are over its size). */
export function leastFullStepBytes(step: IRStep): number {
  return leastStepBytes(step) + FULL_CALL_KEY_BYTES;
}

/** The least execution steps a step takes: `flowc_step` once per job with its first attempt succeeding (budget.ts). */
export function leastStepCount(step: IRStep, options: GcpOptions): number {
  return jobs(step, options) * CALL_STEPS;
}

/**
 * A generous estimate of the bytes a step adds: indentation and keys, a job tag, env, secrets,
 * output wrappers and reads, written out, plus a fifth for what the lower bound leaves out.
 */
export function stepBytes(step: IRStep): number {
  let n = 120 + 3 * step.id.length + Buffer.byteLength(step.image, 'utf8') + execBytes(step);
  for (const e of step.env) n += e.name.length + textBytes(e.value) + 8;
  n += step.secretEnv.length * 160;
  if (step.exec.kind === 'run') n += step.exec.script.filter((p) => p.kind !== 'lit').length * 60;
  if (step.foreach && !step.foreach.from) n += JSON.stringify(step.foreach.items).length + 80;
  if (step.foreach?.from) n += 600;
  n += step.outputs.length * 250;
  if (step.resources.gpu > 0 || Object.keys(step.targets).length > 0) n += 300;
  if (step.retry) n += 80;
  return Math.ceil(n * 1.2);
}

/** A generous estimate of the execution steps a step takes: every job, output reads, no retries. */
export function stepCount(step: IRStep, options: GcpOptions): number {
  return jobs(step, options) * (CALL_STEPS + 4) + (step.foreach ? 2 : 0) + 12;
}

/** What a part may hold: the limits less `main`, the shared subworkflows and FLOWC_CONFIG. */
export function partBudget(ir: IR): { bytes: number; steps: number } {
  const config = Buffer.byteLength(JSON.stringify(ir.config.values) ?? '', 'utf8');
  const params = Buffer.byteLength(JSON.stringify(ir.parameters.map((p) => [p.name, p.default ?? null])), 'utf8');
  return {
    bytes: Math.max(4096, GCP_LIMIT_TABLE.sourceBytes.value - 16 * 1024 - 2 * config - 4 * params),
    steps: GCP_LIMIT_TABLE.executionSteps.value - 1000 - ir.parameters.length,
  };
}

/** The least bytes and execution steps of the flow as one workflow (lower bounds). */
export function leastWhole(ir: IR, options: GcpOptions): { bytes: number; count: number } {
  let bytes = 0;
  let count = 0;
  for (const s of ir.steps) {
    bytes += leastStepBytes(s);
    count += leastStepCount(s, options);
  }
  return { bytes, count };
}

/** True when the flow as one workflow is over a limit for certain (`leastWhole`). */
export function certainlyOver(least: { bytes: number; count: number }): boolean {
  return least.bytes > GCP_LIMIT_TABLE.sourceBytes.value || least.count > GCP_LIMIT_TABLE.executionSteps.value;
}

/**
 * A step's weight for `partitionFlow` with a part limit of `scale`: the larger of its share of
 * the byte budget and of the step budget, so a part whose weights add up to at most `scale`
 * is within `scale` of both.
 */
export function stepWeight(ir: IR, options: GcpOptions): (step: IRStep) => number {
  const budget = partBudget(ir);
  return (s) => Math.max(stepBytes(s) / budget.bytes, stepCount(s, options) / budget.steps);
}
