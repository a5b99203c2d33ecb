import type { IR, IRStep } from '../../ir/types.js';
import type { Fitted } from './fit-limits.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import type { Built, CallInfo } from './workflow.js';

/**
 * Compile-time estimates of two per-execution limits (https://cloud.google.com/workflows/quotas):
 * the steps an execution takes, and the memory its variables hold at once.
 *
 * Steps are counted as Workflows counts them: every step that runs, in `main` and in
 * subworkflows, a `try` and the call it wraps each one, a `for` or `parallel` step once (its
 * iterations are not steps), and no step for the polls a connector makes while it waits. The
 * counts below follow the shape of `flowc_step`, `flowc_cancel` and `flowc_retryable`
 * (batch-job.ts); test/targets/gcp-workflows/budget.test.ts runs the interpreter, which counts
 * the same way, to keep them equal.
 */

/** One attempt: the attempt counter, the inner `try` and the connector call it wraps. */
const ATTEMPT_STEPS = 3;
/** `flowc_step` when the first attempt succeeds: the call, setup, the item and env switches, the try, one attempt, return. */
export const CALL_STEPS = 1 + 1 + 1 + 1 + 1 + ATTEMPT_STEPS + 1;
/**
 * A failed attempt that is retried, at most: the attempt, the cleanup call, `flowc_cancel` on its
 * longest path (3 switches, the delete `try` and its call, the return), the re-raise, then
 * `flowc_retryable` on its longest path (2 switches, the assign, the check switch, the return).
 */
export const RETRIED_ATTEMPT_STEPS = ATTEMPT_STEPS + 1 + 6 + 1 + 5;

/** Steps one call of a step takes: the least (first attempt succeeds) and the most (every retry used). */
export function callSteps(call: CallInfo, built: Pick<Built, 'sharedJoinSteps'>, foreach: boolean, joinWrapper: boolean): { least: number; most: number } {
  const least = CALL_STEPS + (foreach ? 1 : 0) + (call.hasEnv ? 1 : 0) + call.joinSteps + (joinWrapper ? 1 : 0) + built.sharedJoinSteps;
  return { least, most: least + call.maxRetries * RETRIED_ATTEMPT_STEPS };
}

export interface StepEstimate {
  least: number;
  most: number;
  /** The steps with the most steps, for the message: id, count of jobs, steps per job (least). */
  heaviest: { id: string; jobs: number; perJob: number; total: number }[];
}

/**
 * Steps of one execution: `main`'s own steps, plus every call (each foreach item is a call), plus
 * the reads of step outputs. A dynamic foreach is counted at `maxDynamicItems` tasks, which the run
 * enforces before the loop starts, so the estimate bounds every run that gets that far.
 */
export function estimateSteps(ir: IR, block: Fitted, built: Built): StepEstimate {
  const required = ir.parameters.filter((p) => p.required && p.default === undefined).length;
  // flowc_args (and its assign when the argument is null, which a run with a required parameter
  // cannot have), one switch per 50 required parameters, flowc_init.
  let least = (required > 0 ? 1 : 2) + Math.ceil(required / 50) + 1;
  let most = least;
  const per: StepEstimate['heaviest'] = [];
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  const walk = (b: Fitted): void => {
    if (b.kind === 'seq') return b.items.forEach(walk);
    if (b.kind === 'par') {
      least += 1;
      most += 1;
      return b.branches.forEach(walk);
    }
    const step = byId.get(b.id) as IRStep;
    const call = built.calls.get(b.id) as CallInfo;
    const jobs = call.dynamicItems ?? (step.foreach ? step.foreach.items.length : 1);
    const loop = step.foreach !== null && b.items !== null;
    const wrapper = !loop && call.joinSteps > 0;
    const one = callSteps(call, built, step.foreach !== null, wrapper);
    least += jobs * one.least + (loop ? 1 : 0) + call.readSteps;
    most += jobs * one.most + (loop ? 1 : 0) + call.readSteps;
    per.push({ id: b.id, jobs, perJob: one.least, total: jobs * one.least });
  };
  walk(block);
  per.sort((a, b) => b.total - a.total || a.id.localeCompare(b.id));
  return { least, most, heaviest: per.slice(0, 3) };
}

/**
 * Bytes of variables live at the busiest moment. `main` keeps the parameters and each foreach
 * list; each running call of `flowc_step` holds its arguments, the shared FLOWC_* env (with
 * FLOWC_CONFIG when it is included) and the job body built from them, and then the job the
 * connector returns, which repeats the body: about three copies. Calls that can run at once are
 * those of parallel branches and of `concurrency_limit` foreach items, at most
 * `concurrentBranches` (20) of them in one execution. Step output values cannot be sized at
 * compile time and count as empty (docs/targets/gcp-workflows.md, "Step outputs").
 */
export function estimateMemory(ir: IR, block: Fitted, built: Built): { bytes: number; concurrent: number; perCall: number } {
  const frame = (id: string): number => 3 * ((built.calls.get(id) as CallInfo).argBytes + built.sharedEnvBytes);
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  // The frames live together at the busiest moment of a block, largest first.
  const live = (b: Fitted): number[] => {
    if (b.kind === 'step') {
      const step = byId.get(b.id) as IRStep;
      const items = (built.calls.get(b.id) as CallInfo).dynamicItems ?? step.foreach?.items.length ?? 1;
      const n = step.foreach && b.items === 'parallel' ? Math.min(step.foreach.parallelism ?? Infinity, items) : 1;
      return Array.from({ length: Math.max(1, n) }, () => frame(b.id));
    }
    if (b.kind === 'par') return b.branches.flatMap(live).sort((x, y) => y - x);
    let best: number[] = [];
    let most = 0;
    for (const x of b.items.map(live)) {
      const n = sum(x);
      if (n > most) [best, most] = [x, n];
    }
    return best;
  };
  const frames = live(block).sort((x, y) => y - x).slice(0, GCP_LIMIT_TABLE.concurrentBranches.value);
  return { bytes: built.mainBytes + sum(frames), concurrent: frames.length, perCall: frames[0] ?? 0 };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
