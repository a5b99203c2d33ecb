import type { IR } from '../../ir/types.js';
import { type WStep, wstep } from './batch-job.js';
import { chainCover, type DagChains, MAX_DAG_STEPS } from './dag-chains.js';
import type { Fitted } from './fit-limits.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import { expr, quote } from './render-string.js';

/**
 * Exact DAGs on Cloud Workflows (docs/targets/gcp-workflows.md, "Exact DAGs"; the choice and its
 * sources: docs/decisions.md). A graph that is not series-parallel runs as one `parallel` `for`
 * with one iteration per chain of a minimum chain cover (dag-chains.ts). A chain runs its steps in
 * order; before a step, it polls the shared map `flowc_finished` for its needs on other chains.
 * Each key of that map is written by the one iteration that owns the step, as in Google's own
 * samples of branches writing their own keys of a shared map; nothing is claimed, so no
 * read-modify-write race exists. Every chain runs at once (at most 20, Workflows' limit of
 * branches running in one execution), so a waiting chain always waits for a step that runs or will
 * run: no deadlock, whatever order Workflows starts iterations in.
 */

/** The shared map: step id to true (succeeded) or false (failed, or a need of it failed). */
export const FINISHED_VAR = 'flowc_finished';
const CHAIN_VAR = 'flowc_chain';
const ERROR_VAR = 'flowc_error';
/**
 * Seconds between two looks at a need that has not finished. Batch jobs take a minute or more to
 * get a VM, so 30 s delays a step little; each look costs 2 steps of the 100,000 an execution may take.
 */
export const DAG_POLL_SECONDS = 30;
/** Workflows allows at most 50 assignments in one assign step. */
const MAX_ASSIGNMENTS = 50;

/**
 * The chain cover to run a flow on, or null when the flow has more chains than can run at once: 20
 * (quotas: branches and iterations running in one execution), one fewer when a foreach step's
 * items need a slot of their own while every chain holds one.
 */
export function planDag(ir: IR): DagChains | null {
  return chainCover({ nodes: ir.steps.map((s) => s.id), edges: ir.edges }, chainSlots(ir));
}

const chainSlots = (ir: IR): number => GCP_LIMIT_TABLE.concurrentBranches.value - (ir.steps.some((s) => s.foreach !== null) ? 1 : 0);

/** FLOWC656: why a graph that is not series-parallel gets no exact schedule. */
export function noDagReason(ir: IR): string {
  if (ir.steps.length > MAX_DAG_STEPS) {
    return `the step graph is not series-parallel and has ${ir.steps.length} steps, over the ${MAX_DAG_STEPS} an exact schedule is planned for; it runs as parallel branches with added orderings (FLOWC605)`;
  }
  const slots = chainSlots(ir);
  return `the step graph is not series-parallel and more than ${slots} of its steps can run at the same time, while one Workflows execution runs at most ${GCP_LIMIT_TABLE.concurrentBranches.value} branches at once${slots < GCP_LIMIT_TABLE.concurrentBranches.value ? ' (one kept for foreach items)' : ''}, so it gets no exact schedule; it runs as parallel branches with added orderings (FLOWC605)`;
}

/** The chains as blocks, for the limit estimates (budget.ts): chains run at once, a chain in order. */
export function dagAsBlock(ir: IR, plan: DagChains): Fitted {
  const isForeach = (id: string): boolean => ir.steps.some((s) => s.id === id && s.foreach !== null);
  const chain = (c: DagChains['chains'][number]): Fitted => {
    const items = c.map((s): Fitted => ({ kind: 'step', id: s.id, items: isForeach(s.id) ? 'parallel' : null }));
    return items.length === 1 ? (items[0] as Fitted) : { kind: 'seq', items };
  };
  return { kind: 'par', branches: plan.chains.map(chain) };
}

/**
 * Steps the schedule adds to what its steps take, when no need has to be waited for: the map's
 * init, a switch per chain, and per step its try, one look per need and the
 * assignment that marks it finished. Each further look at an unfinished need is 2 steps more
 * (a look and a sleep), which depends on how long the needs run and is not counted here.
 */
export function dagSteps(plan: DagChains): number {
  // The parallel step itself is counted with the chains' block (dagAsBlock).
  let n = 1 + plan.chains.length;
  for (const c of plan.chains) for (const s of c) n += 2 + s.waits.length;
  return n;
}

/**
 * `main`'s steps that run the chains; `runStep` renders one flow step (its output reads and its
 * call or foreach) as the blocks path does.
 */
export function renderDag(plan: DagChains, runStep: (id: string) => WStep[]): WStep[] {
  const chains = plan.chains.map((chain, k) => ({ condition: expr(`${CHAIN_VAR} == ${k}`), steps: chain.flatMap((s, i) => renderChainStep(s, chain.slice(i).map((x) => x.id), runStep)) }));
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

const finished = (id: string): string => `${FINISHED_VAR}[${quote(id)}]`;

/**
 * One step of a chain: its waits, then the step, inside a try whose except marks it and the rest
 * of its chain failed (so no other chain waits for them forever) and raises the error on; then
 * the mark that it succeeded.
 */
function renderChainStep(s: DagChains['chains'][number][number], rest: string[], runStep: (id: string) => WStep[]): WStep[] {
  const body = runStep(s.id);
  const first = Object.keys(body[0] as WStep)[0] as string;
  const waits = s.waits.flatMap((need, n): WStep[] => {
    const look = `flowc_wait_${s.id}_${n}`;
    const after = n + 1 < s.waits.length ? `flowc_wait_${s.id}_${n + 1}` : first;
    return [
      wstep(look, {
        switch: [
          { condition: expr(`map.get(${FINISHED_VAR}, ${quote(need)}) == true`), next: after },
          { condition: expr(`map.get(${FINISHED_VAR}, ${quote(need)}) == false`), steps: [wstep(`flowc_skip_${s.id}_${n}`, { raise: `flowc: step '${s.id}' did not start: step '${need}' failed` })] },
        ],
      }),
      wstep(`flowc_poll_${s.id}_${n}`, { call: 'sys.sleep', args: { seconds: DAG_POLL_SECONDS }, next: look }),
    ];
  });
  const stops: WStep[] = [];
  for (let i = 0; i < rest.length; i += MAX_ASSIGNMENTS) {
    stops.push(wstep(`flowc_stop_${s.id}_${i / MAX_ASSIGNMENTS}`, { assign: rest.slice(i, i + MAX_ASSIGNMENTS).map((id) => ({ [finished(id)]: false })) }));
  }
  return [
    wstep(`flowc_dag_${s.id}`, {
      try: { steps: [...waits, ...body] },
      except: { as: ERROR_VAR, steps: [...stops, wstep(`flowc_reraise_${s.id}`, { raise: expr(ERROR_VAR) })] },
    }),
    wstep(`flowc_finish_${s.id}`, { assign: [{ [finished(s.id)]: true }] }),
  ];
}
