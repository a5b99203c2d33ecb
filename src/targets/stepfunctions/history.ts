import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { Block } from '../../ir/blocks.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { SFN_LIMITS } from './limits.js';
import { planOutputs } from './outputs.js';

/**
 * How each foreach step's Map state runs, and the execution history that costs.
 *
 * A Standard execution fails when its history reaches 25,000 events, and an inline Map runs at
 * most 40 iterations at once, its iterations' events counted in the parent's history
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html). A Distributed Map
 * runs each item as a child execution with its own history
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
 *
 * Events per state, from the HistoryEvent types
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 * - execution: ExecutionStarted, ExecutionSucceeded (2);
 * - Pass and Choice: Entered, Exited (2);
 * - a Task with a `.sync` integration: TaskStateEntered, TaskScheduled, TaskStarted,
 *   TaskSubmitted, TaskSucceeded, TaskStateExited (6); each retry adds TaskFailed (or
 *   TaskTimedOut), TaskScheduled, TaskStarted, TaskSubmitted (4);
 * - Parallel: Entered, Started, Succeeded, Exited (4), plus its branches' states;
 * - inline Map: Entered, Started, Succeeded, Exited (4), plus per item MapIterationStarted and
 *   MapIterationSucceeded (2) and the iteration's states (a Task: 6), so 8 per item;
 * - Distributed Map: Entered, Started, MapRunStarted, MapRunSucceeded, Succeeded, Exited (6);
 * - reading one step output (outputs.ts), a Task with a request-response integration:
 *   TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited (5), after
 *   the step's Task (in each inline Map item for a foreach step);
 * - a dynamic foreach's list check and rejoin: a Pass, a Choice and a Pass (6) besides its Map.
 * Retries of submission errors (task.ts) add 4 events each and are not counted: they are rare
 * and bounded.
 */
export const HISTORY_MAX_EVENTS = SFN_LIMITS.historyEvents.value;
export const INLINE_MAP_MAX_CONCURRENCY = SFN_LIMITS.inlineMapConcurrency.value;
export const DISTRIBUTED_MAP_MAX_CONCURRENCY = SFN_LIMITS.distributedMapConcurrency.value;
export const HISTORY_QUOTA_DOC = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
export const MAP_MODES_DOC = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-map-process-modes.html';

const EVENTS = { execution: 2, pass: 2, choice: 2, task: 6, retry: 4, parallel: 4, map: 4, iteration: 2, distributedMap: 6, read: 5 } as const;

export type MapMode = 'INLINE' | 'DISTRIBUTED';

export interface Estimate {
  /** Events of a run where every attempt succeeds. */
  happy: number;
  /** Events of a run where every step spends all its retries. */
  worst: number;
}

export interface MapPlan {
  modes: ReadonlyMap<string, MapMode>;
  estimate: Estimate;
}

/**
 * Chooses each foreach step's Map mode: Distributed when it must run more than 40 items at once
 * (`parallelism` over 40, or none with more than 40 items), or when the inline iterations would
 * take the history over 25,000 events in a run that spends its retries (largest first). Then a
 * run that exceeds the quota even when nothing fails is refused (FLOWC660), and one that could
 * with its retries spent gets a warning (FLOWC661).
 */
export function planMaps(o: { ir: IR; block: Block; flowSpan: Span; diagnostics: DiagnosticBag }): MapPlan {
  const steps = new Map(o.ir.steps.map((s) => [s.id, s]));
  const plan = planOutputs(o.ir);
  const foreach = o.ir.steps.filter((s) => s.foreach !== null);
  const modes = new Map<string, MapMode>(foreach.map((s) => [s.id, needsDistributed(s) ? 'DISTRIBUTED' : 'INLINE']));
  const estimateNow = () => estimate(o.ir, o.block, steps, modes);
  let current = estimateNow();
  const inline = foreach.filter((s) => modes.get(s.id) === 'INLINE').sort((a, b) => inlineCost(b, plan.readsOf(b.id).length).worst - inlineCost(a, plan.readsOf(a.id).length).worst);
  for (const step of inline) {
    if (current.worst <= HISTORY_MAX_EVENTS) break;
    modes.set(step.id, 'DISTRIBUTED');
    current = estimateNow();
  }
  for (const step of foreach) {
    const f = step.foreach;
    // A dynamic list's length is unknown: its parallelism alone can be out of reach.
    if (!f || Math.min(f.from ? Number.POSITIVE_INFINITY : f.items.length, f.parallelism ?? 0) <= DISTRIBUTED_MAP_MAX_CONCURRENCY) continue;
    o.diagnostics.report(
      'FLOWC664',
      `step '${step.id}': parallelism ${f.parallelism} is over the ${DISTRIBUTED_MAP_MAX_CONCURRENCY} child executions a Distributed Map runs at once, so at most ${DISTRIBUTED_MAP_MAX_CONCURRENCY} of its ${f.from ? '' : `${f.items.length} `}items run at once (${MAP_MODES_DOC})`,
      { file: step.origin.file, line: step.origin.line, col: step.origin.col },
    );
  }
  const detail = `(${EVENTS.task} per Task, ${EVENTS.retry} more per retry, ${EVENTS.iteration + EVENTS.task} per inline Map item, ${EVENTS.parallel} per Parallel; ${HISTORY_QUOTA_DOC})`;
  if (current.happy > HISTORY_MAX_EVENTS) {
    o.diagnostics.report(
      'FLOWC660',
      `a run of this flow writes about ${current.happy} execution history events even when every step succeeds at once, ${current.happy - HISTORY_MAX_EVENTS} over a Standard execution's limit of ${HISTORY_MAX_EVENTS} ${detail}`,
      o.flowSpan,
      ['split the flow into state machines that start one another, or move steps into foreach steps (each item of a Distributed Map has its own history)'],
    );
  } else if (current.worst > HISTORY_MAX_EVENTS) {
    o.diagnostics.report(
      'FLOWC661',
      `a run in which every step spends all its retries writes about ${current.worst} execution history events, ${current.worst - HISTORY_MAX_EVENTS} over a Standard execution's limit of ${HISTORY_MAX_EVENTS}, and would fail there ${detail}`,
      o.flowSpan,
    );
  }
  return { modes, estimate: current };
}

function needsDistributed(step: IRStep): boolean {
  const f = step.foreach;
  if (!f) return false;
  // A list known only at run time can be long enough for any history: each item gets its own.
  if (f.from) return true;
  return Math.min(f.items.length, f.parallelism ?? Number.POSITIVE_INFINITY) > INLINE_MAP_MAX_CONCURRENCY;
}

/** `reads`: how many of the step's outputs the run reads back after its Task. */
function taskCost(step: IRStep, reads: number): Estimate {
  const retries = step.retry && step.retry.limit > 0 ? step.retry.limit : 0;
  const readEvents = reads * EVENTS.read;
  return { happy: EVENTS.task + readEvents, worst: EVENTS.task + readEvents + retries * EVENTS.retry };
}

/** The inline Map of a foreach step: its own events and every item's. */
function inlineCost(step: IRStep, reads: number): Estimate {
  const n = step.foreach?.items.length ?? 0;
  const t = taskCost(step, reads);
  return { happy: EVENTS.map + n * (EVENTS.iteration + t.happy), worst: EVENTS.map + n * (EVENTS.iteration + t.worst) };
}

/** The events of one run of the state machine buildMachine writes for `block`. */
export function estimate(ir: IR, block: Block, steps: ReadonlyMap<string, IRStep>, modes: ReadonlyMap<string, MapMode>): Estimate {
  const plan = planOutputs(ir);
  const reads = (step: IRStep) => plan.readsOf(step.id).length;
  const sum = (xs: Estimate[], base = 0): Estimate => ({ happy: base + xs.reduce((a, x) => a + x.happy, 0), worst: base + xs.reduce((a, x) => a + x.worst, 0) });
  const of = (b: Block): Estimate => {
    if (b.kind === 'seq') return sum(b.items.map(of));
    if (b.kind === 'par') return sum(b.branches.map(of), EVENTS.parallel);
    const step = steps.get(b.id) as IRStep;
    if (!step.foreach) return taskCost(step, reads(step));
    // A dynamic list's check and rejoin, then the Map state.
    if (step.foreach.from) return sum([], EVENTS.pass + EVENTS.choice + EVENTS.pass + EVENTS.distributedMap);
    // The Pass state with the items, then the Map state.
    if (modes.get(step.id) === 'DISTRIBUTED') return sum([], EVENTS.pass + EVENTS.distributedMap);
    return sum([inlineCost(step, reads(step))], EVENTS.pass);
  };
  // The parameter states: three Pass states and a Choice.
  const parameters = ir.parameters.length > 0 ? 3 * EVENTS.pass + EVENTS.choice : 0;
  return sum([of(block)], EVENTS.execution + parameters);
}
