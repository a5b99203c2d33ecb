import { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { LoweredGraph } from '../../ir/blocks.js';
import { lowerGraph } from '../../ir/lower-blocks.js';
import { newBits, hasBit, setBit } from '../../ir/order.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { SFN_LIMITS } from './limits.js';
import { readOptions, type SfnOptions } from './options.js';

/**
 * Whether a flow runs as a Batch DAG (batch-dag.ts): every job submitted up front with
 * `dependsOn` on the jobs it needs, then the sinks polled. AWS Batch runs a job only after every
 * job it depends on succeeded, and fails it without running it when one of them failed
 * (https://docs.aws.amazon.com/batch/latest/userguide/job_dependencies.html), so the engine
 * keeps the exact needs graph and no concurrency is lost, unlike nested Parallel states.
 */

/** "A job can depend upon a maximum of 20 jobs" (https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html, dependsOn). */
export const BATCH_MAX_DEPENDENCIES = 20;
/** RetryStrategy.attempts is 1 to 10 (https://docs.aws.amazon.com/batch/latest/APIReference/API_RetryStrategy.html). */
export const BATCH_MAX_ATTEMPTS = 10;
/** A Batch job id is a UUID (36 characters), held in the state as `"<step>":{"JobId":"<id>"},`. */
const JOB_ENTRY_BYTES = 36 + 16;
/**
 * History events (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 * execution started and succeeded, the first Pass (2), a request-response Task (entered,
 * scheduled, started, succeeded, exited: 5) per submission, and per look at a sink its Task (5),
 * Choice (2) and, while it runs, Wait (2).
 */
export const DAG_EVENTS = { fixed: 2 + 2, submit: 5, look: 7, wait: 2 } as const;

/** How many reasons FLOWC605's notes give for not using a Batch DAG. */
const WHY_NOT_CAP = 3;

export interface BatchDagPlan {
  /** Steps in submission order: the IR's topological order, so a job's dependencies exist when it is submitted. */
  order: IRStep[];
  /** Each step's needs after transitive reduction, in IR order: the jobs it depends on. */
  dependsOn: ReadonlyMap<string, string[]>;
  /** Steps no step needs, in IR order: the run waits for these and fails when one failed. */
  sinks: string[];
}

export interface DagChoice {
  plan: BatchDagPlan | null;
  /** Why a flow that is not series-parallel does not run as a Batch DAG (for FLOWC605's notes). */
  whyNot: string[];
}

interface Obstacle {
  message: string;
  span: Span;
}

const spanOf = (s: IRStep): Span => ({ file: s.origin.file, line: s.origin.line, col: s.origin.col });

/**
 * Decides between a Batch DAG and nested blocks (option `dag`, docs/targets/stepfunctions.md
 * "Exact DAGs"). `auto` keeps blocks for a series-parallel flow (already exact, and its
 * artifacts stay as they were) and for a flow a Batch DAG would run differently from the flow's
 * words; `batch` reports each such difference (FLOWC653) and each step with too many
 * dependencies (FLOWC654).
 */
export function chooseBatchDag(o: { ir: IR; options: SfnOptions; exact: () => boolean; flowSpan: Span; diagnostics: DiagnosticBag }): DagChoice {
  const mode = o.options.dag;
  if (mode === 'blocks') return { plan: null, whyNot: ['targets.stepfunctions.dag is blocks'] };
  // Asked only here: with dag: blocks the caller lowers the flow whole anyway (index.ts).
  if (mode === 'auto' && o.exact()) return { plan: null, whyNot: [] };
  const obstacles = obstaclesOf(o.ir, o.options, o.flowSpan);
  const plan = obstacles.length === 0 ? planOf(o.ir) : null;
  const tooMany = plan ? o.ir.steps.filter((s) => (plan.dependsOn.get(s.id) as string[]).length > BATCH_MAX_DEPENDENCIES) : [];
  const tooManyMessage = (s: IRStep) => {
    const n = (plan?.dependsOn.get(s.id) as string[]).length;
    return `step '${s.id}' needs ${n} steps that none of its other needs already waits for (${s.needs.length} written), over the ${BATCH_MAX_DEPENDENCIES} jobs an AWS Batch job can depend on`;
  };
  if (mode === 'batch') {
    for (const x of obstacles) o.diagnostics.report('FLOWC653', `targets.stepfunctions.dag is batch, but ${x.message}`, x.span, ['set dag: auto or blocks to run it as nested Parallel states']);
    for (const s of tooMany) o.diagnostics.report('FLOWC654', tooManyMessage(s), spanOf(s), ['set dag: auto or blocks to run it as nested Parallel states, or make it need fewer steps']);
  }
  if (obstacles.length > 0 || tooMany.length > 0 || plan === null) {
    const why = [...obstacles.map((x) => x.message), ...tooMany.map(tooManyMessage)];
    // A flow of many foreach steps would otherwise fill the warning with one note each.
    const shown = why.slice(0, WHY_NOT_CAP).map((w) => `not run as AWS Batch job dependencies (targets.stepfunctions.dag): ${w}`);
    const more = why.length - WHY_NOT_CAP;
    if (more > 0) shown.push(`and ${more} more reason${more === 1 ? '' : 's'} (dag: batch lists each as FLOWC653/FLOWC654)`);
    return { plan: null, whyNot: shown };
  }
  return { plan, whyNot: [] };
}

/**
 * The target's `lowering` hook (`flowc graph`, `flowc explain`): the blocks, and for a flow that
 * runs as a Batch DAG no added ordering, since Batch runs its graph as written.
 */
export function stepFunctionsLowering(ir: IR): LoweredGraph {
  const lowered = lowerGraph(ir);
  if (lowered.exact) return lowered;
  const flowSpan = { file: ir.flow.source, line: 1, col: 1 };
  const choice = chooseBatchDag({ ir, options: readOptions(ir), exact: () => false, flowSpan, diagnostics: new DiagnosticBag() });
  return choice.plan ? { ...lowered, addedOrderings: [] } : lowered;
}

/** What a Batch DAG cannot do as the flow says, each with where the flow says it. */
function obstaclesOf(ir: IR, options: SfnOptions, flowSpan: Span): Obstacle[] {
  const out: Obstacle[] = [];
  if (options.compute !== 'batch') out.push({ message: 'steps run as ECS tasks (compute: ecs), which have no job dependencies', span: flowSpan });
  for (const s of ir.steps) {
    const at = spanOf(s);
    // An array job would run the items, but each child finds its item by AWS_BATCH_JOB_ARRAY_INDEX,
    // not in its overrides; and a foreach's parallelism has no Batch equivalent.
    if (s.foreach) out.push({ message: `step '${s.id}' is a foreach step, whose items a single Batch job cannot carry`, span: at });
    // Outputs travel through the state machine between a step and its readers (outputs.ts).
    if (s.outputs.length > 0) out.push({ message: `step '${s.id}' publishes outputs, which travel through the state machine`, span: at });
    const r = s.retry;
    if (r && r.limit > 0 && r.delaySeconds > 0) out.push({ message: `step '${s.id}' retries after a delay of ${r.delaySeconds} s, and AWS Batch retries a job at once`, span: at });
    if (r && r.limit + 1 > BATCH_MAX_ATTEMPTS) out.push({ message: `step '${s.id}' makes up to ${r.limit + 1} attempts, and an AWS Batch job at most ${BATCH_MAX_ATTEMPTS}`, span: at });
  }
  const sinks = sinksOf(ir).length;
  const events = DAG_EVENTS.fixed + DAG_EVENTS.submit * ir.steps.length + DAG_EVENTS.look * sinks;
  const historyMax = SFN_LIMITS.historyEvents.value;
  if (events > historyMax) out.push({ message: `submitting ${ir.steps.length} jobs and looking once at each of ${sinks} final ones writes ${events} execution history events, over the limit of ${historyMax}`, span: flowSpan });
  const bytes = ir.steps.reduce((n, s) => n + s.id.length + JOB_ENTRY_BYTES, 0);
  const payloadMax = SFN_LIMITS.payloadBytes.value;
  if (bytes > payloadMax) out.push({ message: `the ${ir.steps.length} job ids the state carries take about ${bytes} bytes, over the ${payloadMax} a state's input can hold`, span: flowSpan });
  return out;
}

function sinksOf(ir: IR): string[] {
  const needed = new Set(ir.edges.map(([a]) => a));
  return ir.steps.filter((s) => !needed.has(s.id)).map((s) => s.id);
}

/**
 * The transitive reduction: a need that another need already waits for (directly or not) adds
 * nothing in Batch either, and every dependency counts against the limit of 20. Ancestor sets as
 * bitsets over the IR's topological order: O(n * (n / 32) + m * n / 32).
 */
function planOf(ir: IR): BatchDagPlan {
  const index = new Map(ir.steps.map((s, i) => [s.id, i]));
  const n = ir.steps.length;
  const words = Math.ceil(n / 32);
  const ancestors: Uint32Array[] = [];
  const dependsOn = new Map<string, string[]>();
  for (const [i, s] of ir.steps.entries()) {
    const mine = newBits(n);
    const needs = [...new Set(s.needs)].map((id) => index.get(id) as number).sort((a, b) => a - b);
    for (const u of needs) {
      const theirs = ancestors[u] as Uint32Array;
      for (let w = 0; w < words; w++) mine[w] = (mine[w] as number) | (theirs[w] as number);
    }
    // A need already among another need's ancestors is implied by that one.
    dependsOn.set(
      s.id,
      needs.filter((u) => !hasBit(mine, u)).map((u) => (ir.steps[u] as IRStep).id),
    );
    for (const u of needs) setBit(mine, u);
    ancestors[i] = mine;
  }
  return { order: ir.steps, dependsOn, sinks: sinksOf(ir) };
}
