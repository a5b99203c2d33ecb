import { type WStep, wstep } from './batch-job.js';
import { expr, quote } from './render-string.js';
import { buildTopology, type Dag } from '../../ir/order.js';

/**
 * A worker pool for step graphs wider than the branches one Workflows execution runs at once
 * (docs/targets/gcp-workflows.md, "Exact DAGs"; the choice: docs/decisions.md). One dispatcher
 * and `workers` workers are the iterations of one `parallel` `for`. The dispatcher alone decides
 * which step runs where: it starts a ready step by writing it into the shared map `flowc_task`
 * under a free worker's key; a worker runs what its key holds and then writes the task's number
 * into its own shared variable `flowc_ack_<k>`. Every shared variable has one writer, so no step
 * is ever claimed twice and no assignment needs to be atomic with a read.
 */
export interface PoolPlan {
  /** Steps in the order the dispatcher prefers them when several are ready (longest path to a sink first). */
  order: string[];
  /** Direct needs of each step (duplicates removed), and its direct dependants. */
  needs: Record<string, string[]>;
  dependants: Record<string, string[]>;
  workers: number;
}

/** Seconds the dispatcher sleeps between two looks at the workers when none has finished. */
export const DISPATCH_POLL_SECONDS = 5;
/**
 * Seconds an idle worker sleeps between two looks at its key of `flowc_task`: the first sleep
 * after a step, each next one twice as long up to the last. The dispatcher hands work to the
 * worker that became free last (a stack), so a step mostly goes to a worker that still looks often.
 */
export const WORKER_NAPS = [5, 10, 20, 40, 80, 160] as const;

/** The pool for a graph: `workers` workers, steps preferred by the longest chain of steps after them. */
export function planPool(dag: Dag, workers: number): PoolPlan {
  const t = buildTopology(dag);
  const order = t.names.map((_, v) => v).sort((a, b) => (t.height[b] as number) - (t.height[a] as number) || (t.succ[b] as number[]).length - (t.succ[a] as number[]).length || a - b);
  const needs: Record<string, string[]> = {};
  const dependants: Record<string, string[]> = {};
  t.names.forEach((name, v) => {
    needs[name] = (t.pred[v] as number[]).map((u) => t.names[u] as string);
    dependants[name] = (t.succ[v] as number[]).map((w) => t.names[w] as string);
  });
  return { order: order.map((v) => t.names[v] as string), needs, dependants, workers };
}

/** The shared map the dispatcher writes: worker key to `{seq, step}` (its task number; step "" says stop). */
export const TASK_VAR = 'flowc_task';
/** Worker k's own shared variable: the number of its last task, negative when that step failed. */
const ackVar = (k: number): string => `flowc_ack_${k}`;
const ROLE_VAR = 'flowc_w';
const ERROR_VAR = 'flowc_error';
/** Workflows caps a switch at 50 conditions and an assign at 50 assignments (schemas/targets/gcp-workflows.schema.json). */
const MAX_ITEMS = 50;

/** Each nap to the next one (0, the worker's value after a step, to the first; the last to itself): a map, since expressions have no min(). */
const NAP_AFTER = Object.fromEntries([0, ...WORKER_NAPS].map((n, i) => [String(n), WORKER_NAPS[Math.min(i, WORKER_NAPS.length - 1)]]));

const workerKeys = (plan: PoolPlan): number[] => Array.from({ length: plan.workers }, (_, i) => i + 1);

/** A jump back in a loop: a switch whose one condition is `true` (the form the switch reference gives for a default). */
const jump = (name: string, to: string): WStep => wstep(name, { switch: [{ condition: true, next: to }] });

/** Splits `items` into runs of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `main`'s steps that run the pool; `runStep` renders one flow step as the blocks path does. */
export function renderPool(plan: PoolPlan, runStep: (id: string) => WStep[]): WStep[] {
  const keys = workerKeys(plan);
  const stopAll = keys.map((k) => ({ [`${TASK_VAR}[${quote(String(k))}]`]: { seq: expr('flowc_seq + 1'), step: '' } }));
  return [
    wstep('flowc_pool_init', {
      assign: [{ [TASK_VAR]: Object.fromEntries(keys.map((k) => [String(k), { seq: 0, step: '' }])) }, ...keys.map((k) => ({ [ackVar(k)]: 0 }))],
    }),
    wstep('flowc_pool', {
      parallel: {
        shared: [TASK_VAR, ...keys.map(ackVar)],
        for: {
          value: ROLE_VAR,
          in: ['0', ...keys.map(String)],
          steps: [
            wstep('flowc_role', {
              switch: [
                { condition: expr(`${ROLE_VAR} == "0"`), steps: [wstep('flowc_dispatch', { try: { steps: dispatcher(plan) }, except: { as: ERROR_VAR, steps: [wstep('flowc_d_abort', { assign: stopAll }), wstep('flowc_d_raise', { raise: expr(ERROR_VAR) })] } })] },
                { condition: true, steps: worker(plan, runStep) },
              ],
            }),
          ],
        },
      },
    }),
  ];

  function dispatcher(p: PoolPlan): WStep[] {
    const pickChunks = chunks(p.order, MAX_ITEMS - 2);
    const picks = pickChunks.map((chunk, i) =>
      wstep(`flowc_d_pick_${i}`, {
        switch: [
          ...(i > 0 ? [{ condition: expr('flowc_next != ""'), next: 'flowc_d_send' }] : []),
          ...chunk.map((s) => ({ condition: expr(`flowc_left[${quote(s)}] == 0`), steps: [wstep(`flowc_d_pick_${s}`, { assign: [{ flowc_next: s }] })] })),
          ...(i === pickChunks.length - 1 ? [{ condition: true, next: 'flowc_d_wait' }] : []),
        ],
      }),
    );
    const withDependants = p.order.filter((s) => (p.dependants[s] as string[]).length > 0);
    const afters = chunks(withDependants, MAX_ITEMS).map((chunk, i) =>
      wstep(`flowc_d_after_${i}`, {
        switch: chunk.map((s) => ({
          condition: expr(`flowc_done == ${quote(s)}`),
          steps: chunks(p.dependants[s] as string[], MAX_ITEMS).map((ds, j) => wstep(j > 0 ? `flowc_d_down${j}_${s}` : `flowc_d_after_${s}`, { assign: ds.map((d) => ({ [`flowc_left[${quote(d)}]`]: expr(`flowc_left[${quote(d)}] - 1`) })) })),
        })),
      }),
    );
    return [
      wstep('flowc_d_init', {
        assign: [
          { flowc_left: Object.fromEntries(p.order.map((s) => [s, (p.needs[s] as string[]).length])) },
          { flowc_on: Object.fromEntries(keys.map((k) => [String(k), ''])) },
          // Free workers as a stack (position to worker key), worker 1 on top.
          { flowc_free: Object.fromEntries(keys.map((k, i) => [String(i), String(keys.length - i)])) },
          { flowc_top: keys.length },
          { flowc_got: Object.fromEntries(keys.map((k) => [String(k), 0])) },
          { flowc_seq: 0 },
          { flowc_running: 0 },
          { flowc_dirty: false },
          { flowc_k: '' },
          { flowc_next: '' },
          { flowc_done: '' },
        ],
      }),
      // The worker freed last (it looks most often), or nothing to hand out until one ends.
      wstep('flowc_d_free', { switch: [{ condition: expr('flowc_top == 0'), next: 'flowc_d_wait' }] }),
      wstep('flowc_d_peek', { assign: [{ flowc_k: expr('flowc_free[string(flowc_top - 1)]') }, { flowc_next: '' }] }),
      // The first ready step in plan order: all its needs succeeded (count 0), not yet started (-1).
      ...picks,
      wstep('flowc_d_send', {
        assign: [
          { flowc_seq: expr('flowc_seq + 1') },
          { 'flowc_left[flowc_next]': -1 },
          { 'flowc_on[flowc_k]': expr('flowc_next') },
          { [`${TASK_VAR}[flowc_k]`]: { seq: expr('flowc_seq'), step: expr('flowc_next') } },
          { flowc_running: expr('flowc_running + 1') },
          { flowc_top: expr('flowc_top - 1') },
        ],
      }),
      jump('flowc_d_more', 'flowc_d_free'),
      wstep('flowc_d_wait', { switch: [{ condition: expr('flowc_running == 0'), next: 'flowc_d_stop' }] }),
      wstep('flowc_d_rest', { assign: [{ flowc_dirty: false }] }),
      wstep('flowc_d_sleep', { call: 'sys.sleep', args: { seconds: DISPATCH_POLL_SECONDS } }),
      // A worker whose variable changed ended its task; after taking in every such worker, hand out again.
      wstep('flowc_d_look', {
        switch: [
          ...keys.map((k) => ({
            condition: expr(`${ackVar(k)} != flowc_got[${quote(String(k))}]`),
            steps: [wstep(`flowc_d_look_${k}`, { assign: [{ flowc_k: String(k) }, { [`flowc_got[${quote(String(k))}]`]: expr(ackVar(k)) }] })],
          })),
          { condition: expr('flowc_dirty'), next: 'flowc_d_free' },
          { condition: true, next: 'flowc_d_sleep' },
        ],
      }),
      wstep('flowc_d_fin', {
        assign: [{ flowc_done: expr('flowc_on[flowc_k]') }, { 'flowc_on[flowc_k]': '' }, { flowc_running: expr('flowc_running - 1') }, { flowc_dirty: true }],
      }),
      // A failed step: its worker has stopped (it raised the error on) and is not free again, and
      // what needs the step never becomes ready.
      wstep('flowc_d_ok', { switch: [{ condition: expr('flowc_got[flowc_k] < 0'), next: 'flowc_d_again' }] }),
      wstep('flowc_d_push', { assign: [{ 'flowc_free[string(flowc_top)]': expr('flowc_k') }, { flowc_top: expr('flowc_top + 1') }] }),
      ...afters,
      jump('flowc_d_again', 'flowc_d_look'),
      wstep('flowc_d_stop', { assign: stopAll }),
    ];
  }
}

function worker(plan: PoolPlan, runStep: (id: string) => WStep[]): WStep[] {
  const keys = workerKeys(plan);
  const runs = chunks(plan.order, MAX_ITEMS).map((chunk, i) => wstep(`flowc_w_run_${i}`, { switch: chunk.map((s) => ({ condition: expr(`flowc_now == ${quote(s)}`), steps: runStep(s) })) }));
  const setAck = (name: string, value: string): WStep =>
    wstep(name, { switch: keys.map((k) => ({ condition: expr(`${ROLE_VAR} == ${quote(String(k))}`), steps: [wstep(`${name}_${k}`, { assign: [{ [ackVar(k)]: expr(value) }] })] })) });
  return [
    wstep('flowc_w_init', { assign: [{ flowc_seen: 0 }, { flowc_now: '' }, { flowc_nap: 0 }, { flowc_naps: NAP_AFTER }] }),
    wstep('flowc_w_look', { switch: [{ condition: expr(`${TASK_VAR}[${ROLE_VAR}].seq > flowc_seen`), next: 'flowc_w_take' }] }),
    wstep('flowc_w_longer', { assign: [{ flowc_nap: expr('flowc_naps[string(flowc_nap)]') }] }),
    wstep('flowc_w_sleep', { call: 'sys.sleep', args: { seconds: expr('flowc_nap') }, next: 'flowc_w_look' }),
    wstep('flowc_w_take', { assign: [{ flowc_seen: expr(`${TASK_VAR}[${ROLE_VAR}].seq`) }, { flowc_now: expr(`${TASK_VAR}[${ROLE_VAR}].step`) }, { flowc_nap: 0 }] }),
    wstep('flowc_w_stop', { switch: [{ condition: expr('flowc_now == ""'), next: 'flowc_w_end' }] }),
    wstep('flowc_w_try', {
      try: { steps: runs },
      except: { as: ERROR_VAR, steps: [setAck('flowc_w_failed', '-flowc_seen'), wstep('flowc_w_reraise', { raise: expr(ERROR_VAR) })] },
    }),
    setAck('flowc_w_ack', 'flowc_seen'),
    jump('flowc_w_again', 'flowc_w_look'),
    wstep('flowc_w_end', { assign: [{ flowc_now: '' }] }),
  ];
}

/**
 * Steps the pool takes besides its flow steps' own, with no sleep: an upper bound, counting a
 * hand-out round for every step that ends. Each sleep adds 2 for the dispatcher (a sleep and a
 * look) and 3 for a worker (a look, the next nap, a sleep), which depends on how long jobs run
 * and is not counted here.
 */
export function poolSteps(plan: PoolPlan): number {
  const n = plan.order.length;
  const pickChunks = Math.ceil(n / (MAX_ITEMS - 2));
  const runChunks = Math.ceil(n / MAX_ITEMS);
  const afterChunks = Math.ceil(plan.order.filter((s) => (plan.dependants[s] as string[]).length > 0).length / MAX_ITEMS);
  const afterAssigns = plan.order.reduce((t, s) => t + Math.ceil((plan.dependants[s] as string[]).length / MAX_ITEMS), 0);
  // init, the parallel's role switch per iteration, the dispatcher's try and init, its stop.
  let total = 2 + (plan.workers + 1) + 2 + 1;
  // Per step handed out: free, peek, every pick chunk, the pick's assign, send, the jump back.
  total += n * (2 + pickChunks + 1 + 1 + 1);
  // Per step ended: look + its assign, fin, ok, push, every after chunk, again; then one round that
  // hands out nothing: free, peek, every pick chunk, wait, rest.
  total += n * (2 + 1 + 1 + 1 + afterChunks + 1) + afterAssigns + (n + 1) * (2 + pickChunks + 2);
  // Workers: init and the last look, take, stop, end; per step: look, take, stop, try, every run chunk, ack + assign, again.
  total += plan.workers * 5 + n * (4 + runChunks + 2 + 1);
  return total;
}
