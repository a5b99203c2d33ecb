import type { IR } from '../../ir/types.js';
import { type WStep, wstep } from './batch-job.js';
import type { Block } from '../../ir/blocks.js';
import type { Dag } from '../../ir/order.js';
import { chainCover, type DagChains, MAX_DAG_STEPS } from './dag-chains.js';
import { DISPATCH_POLL_SECONDS, planPool, poolSteps, renderPool, WORKER_NAPS } from './dag-pool.js';
import { blocksAsPool, poolMakespan } from './dag-pool-model.js';
import type { Fitted } from './fit-limits.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import { expr, quote } from './render-string.js';

/**
 * Exact DAGs on Cloud Workflows (docs/targets/gcp-workflows.md, "Exact DAGs"; the choice and its
 * sources: docs/decisions.md). A graph too wide for 20 chains runs on a worker pool (dag-pool.ts).
 * Any other graph that is not series-parallel runs as one `parallel` `for`
 * with one iteration per chain of a minimum chain cover (dag-chains.ts). A chain runs its steps in
 * order; before a step, it polls the shared map `flowc_finished` for its needs on other chains.
 * Each key of that map is written by the one iteration that owns the step, as in Google's own
 * samples of branches writing their own keys of a shared map; nothing is claimed, so no
 * read-modify-write race exists. Every chain runs at once (at most 20, Workflows' limit of
 * branches running in one execution), so a waiting chain always waits for a step that runs or will
 * run: no deadlock, whatever order Workflows starts iterations in.
 */

/** The shared map: step id to true once it succeeded; `#<chain>` to false once that chain failed. */
export const FINISHED_VAR = 'flowc_finished';
const CHAIN_VAR = 'flowc_chain';
const ERROR_VAR = 'flowc_error';
/**
 * Seconds between two looks at a need that has not finished. Batch jobs take a minute or more to
 * get a VM, so 30 s delays a step little; each look costs 2 steps of the 100,000 an execution may take.
 */
export const DAG_POLL_SECONDS = 30;

/** A schedule of chains or a worker pool; `added` lists the orderings it adds (always empty now: both are exact). */
export type DagPlan = DagChains & { added: [string, string][] };

/**
 * The schedule to run a flow that is not series-parallel on, or null to keep the blocks. Chains
 * when a minimum chain cover fits the chains that can run at once: 20 (quotas: branches and
 * iterations running in one execution), one fewer when a foreach step's items need a slot of
 * their own while every chain holds one. A wider graph gets a worker pool on the same slots less
 * one for its dispatcher (dag-pool.ts), kept only when its estimated makespan beats the blocks'.
 */
export function planDag(ir: IR, blocks: Block): DagPlan | null {
  return planGraph({ nodes: ir.steps.map((s) => s.id), edges: ir.edges }, chainSlots(ir), blocks);
}

/** `planDag` over a bare graph with `slots` branches (the benchmark uses it directly). */
export function planGraph(dag: Dag, slots: number, blocks: Block): DagPlan | null {
  const exact = chainCover(dag, slots);
  if (exact) return { ...exact, added: [] };
  if (dag.nodes.length === 0 || dag.nodes.length > MAX_DAG_STEPS) return null;
  const pool = planPool(dag, slots - 1);
  // Both under Workflows' branches at once: the pool on its workers, the blocks on every slot.
  const instant = { dispatchPoll: 0, workerNaps: [] };
  const capped = blocksAsPool(blocks, GCP_LIMIT_TABLE.concurrentBranches.value);
  const viaBlocks = sampledSpan((d) => poolMakespan(capped, (id) => (id.startsWith('#') ? 0 : d(id)), instant), dag.nodes);
  return sampledSpan((d) => poolMakespan(pool, d, instant), dag.nodes) < viaBlocks ? { chains: [], pool, added: [] } : null;
}

/**
 * Mean makespan over 16 fixed pseudo-random duration vectors, keyed by step index and sample:
 * log-normal (sigma 1, as scripts/bench-lowering.mjs draws them), since batch jobs' run times are
 * skewed: a few long steps decide the makespan, which is what a run-time dispatcher is for.
 */
function sampledSpan(span: (d: (id: string) => number) => number, nodes: readonly string[]): number {
  const index = new Map(nodes.map((id, i) => [id, i]));
  let total = 0;
  for (let k = 0; k < 16; k++) {
    total += span((id) => {
      const x = ((index.get(id) as number) + 1) * 2654435761 + k * 40503;
      return Math.exp(Math.sqrt(-2 * Math.log(unit(x))) * Math.cos(2 * Math.PI * unit(x ^ 0x5bd1e995)));
    });
  }
  return total / 16;
}

/** A hash of an integer to (0, 1]. */
function unit(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h ^= h >>> 16;
  return ((h >>> 0) + 1) / 4294967296;
}

const chainSlots = (ir: IR): number => GCP_LIMIT_TABLE.concurrentBranches.value - (ir.steps.some((s) => s.foreach !== null) ? 1 : 0);

/** FLOWC656: why a graph that is not series-parallel keeps the blocks. */
export function noDagReason(ir: IR): string {
  if (ir.steps.length > MAX_DAG_STEPS) {
    return `the step graph is not series-parallel and has ${ir.steps.length} steps, over the ${MAX_DAG_STEPS} a DAG schedule is planned for; it runs as parallel branches with added orderings (FLOWC605)`;
  }
  const slots = chainSlots(ir);
  return `the step graph is not series-parallel and more than ${slots} of its steps can run at the same time, while one Workflows execution runs at most ${GCP_LIMIT_TABLE.concurrentBranches.value} branches at once${slots < GCP_LIMIT_TABLE.concurrentBranches.value ? ' (one kept for foreach items)' : ''}, so no chain schedule fits, and a pool of ${slots - 1} workers is not estimated faster than parallel branches; it runs as parallel branches with added orderings (FLOWC605)`;
}

/** FLOWC657: the flow runs on a worker pool (`list` names added orderings, which no plan has any more). */
export function laneMessage(plan: DagPlan, list: (ps: [string, string][]) => string): string {
  const workers = plan.pool?.workers ?? plan.chains.length;
  const added = plan.added.length > 0 ? `; it adds orderings: ${list(plan.added)}` : '';
  return `the step graph is not series-parallel and more of its steps can run at the same time than the ${GCP_LIMIT_TABLE.concurrentBranches.value} branches one Workflows execution runs at once; it runs on a pool of ${workers} workers that a dispatcher hands each step to once its needs have succeeded (estimated faster than parallel branches): no ordering is added, at most ${workers} steps run at once, and waiting costs steps (2 per look every ${DISPATCH_POLL_SECONDS} s for the dispatcher, 3 per nap of ${WORKER_NAPS.join(', ')} s per idle worker)${added}`;
}

/** The chains as blocks, for the limit estimates (budget.ts): chains run at once, a chain in order. */
export function dagAsBlock(ir: IR, plan: DagChains): Fitted {
  const isForeach = (id: string): boolean => ir.steps.some((s) => s.id === id && s.foreach !== null);
  // A pool runs at most `workers` steps at once: as many sequences, steps dealt out in plan order.
  if (plan.pool) {
    const pool = plan.pool;
    const lanes = Array.from({ length: Math.min(pool.workers, pool.order.length) }, (_, k) => pool.order.filter((_, i) => i % pool.workers === k));
    return { kind: 'par', branches: lanes.map((l): Fitted => ({ kind: 'seq', items: l.map((id): Fitted => ({ kind: 'step', id, items: isForeach(id) ? 'parallel' : null })) })) };
  }
  const chain = (c: DagChains['chains'][number]): Fitted => {
    const items = c.map((s): Fitted => ({ kind: 'step', id: s.id, items: isForeach(s.id) ? 'parallel' : null }));
    return items.length === 1 ? (items[0] as Fitted) : { kind: 'seq', items };
  };
  return { kind: 'par', branches: plan.chains.map(chain) };
}

/**
 * Steps the schedule adds to what its steps take, when no need has to be waited for: the map's
 * init, per chain a switch and a try, and per step one look per need and the assignment that marks
 * it finished. Each further look at an unfinished need is 2 steps more (a look and a sleep), which
 * depends on how long the needs run and is not counted here.
 */
export function dagSteps(plan: DagChains): number {
  if (plan.pool) return poolSteps(plan.pool);
  // The parallel step itself is counted with the chains' block (dagAsBlock).
  let n = 1 + 2 * plan.chains.length;
  for (const c of plan.chains) for (const s of c) n += 1 + s.waits.length;
  return n;
}

/**
 * `main`'s steps that run the chains; `runStep` renders one flow step (its output reads and its
 * call or foreach) as the blocks path does.
 */
export function renderDag(plan: DagChains, runStep: (id: string) => WStep[]): WStep[] {
  if (plan.pool) return renderPool(plan.pool, runStep);
  const chainOf = new Map<string, number>();
  plan.chains.forEach((c, k) => c.forEach((s) => chainOf.set(s.id, k)));
  const chains = plan.chains.map((chain, k) => ({
    condition: expr(`${CHAIN_VAR} == ${k}`),
    steps: [
      // A failed step stops its chain: the except marks the chain failed (its own key, which no
      // step id can be), so a step of another chain waiting for one of it stops too, then raises on.
      wstep(`flowc_chain_${k}`, {
        try: { steps: chain.flatMap((s) => renderChainStep(s, chainOf, runStep)) },
        except: { as: ERROR_VAR, steps: [wstep(`flowc_stop_${k}`, { assign: [{ [finished(chainKey(k))]: false }] }), wstep(`flowc_reraise_${k}`, { raise: expr(ERROR_VAR) })] },
      }),
    ],
  }));
  return [
    wstep('flowc_dag_init', { assign: [{ [FINISHED_VAR]: {} }] }),
    wstep('flowc_dag', {
      parallel: {
        shared: [FINISHED_VAR],
        for: { value: CHAIN_VAR, in: plan.chains.map((_, k) => k), steps: [wstep('flowc_chains', { switch: chains })] },
      },
    }),
  ];
}

const finished = (key: string): string => `${FINISHED_VAR}[${quote(key)}]`;
/** The key a failed chain sets: `#` cannot start a step id (`^[a-z][a-z0-9_]{0,39}$`). */
const chainKey = (k: number): string => `#${k}`;

/** One step of a chain: a look (and a sleep, until it is done) per need on another chain, the step, its mark. */
function renderChainStep(s: DagChains['chains'][number][number], chainOf: Map<string, number>, runStep: (id: string) => WStep[]): WStep[] {
  const body = runStep(s.id);
  const first = Object.keys(body[0] as WStep)[0] as string;
  const waits = s.waits.flatMap((need, n): WStep[] => {
    const look = `flowc_wait_${s.id}_${n}`;
    const after = n + 1 < s.waits.length ? `flowc_wait_${s.id}_${n + 1}` : first;
    return [
      wstep(look, {
        switch: [
          { condition: expr(`map.get(${FINISHED_VAR}, ${quote(need)}) == true`), next: after },
          {
            condition: expr(`map.get(${FINISHED_VAR}, ${quote(chainKey(chainOf.get(need) as number))}) == false`),
            steps: [wstep(`flowc_skip_${s.id}_${n}`, { raise: `flowc: step '${s.id}' did not start: step '${need}' failed or did not run` })],
          },
        ],
      }),
      wstep(`flowc_poll_${s.id}_${n}`, { call: 'sys.sleep', args: { seconds: DAG_POLL_SECONDS }, next: look }),
    ];
  });
  return [...waits, ...body, wstep(`flowc_finish_${s.id}`, { assign: [{ [finished(s.id)]: true }] })];
}
