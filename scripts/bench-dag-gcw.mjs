// Exact DAGs on Google Cloud Workflows (docs/targets/gcp-workflows.md, "Exact DAGs"): over the random
// weighted DAGs of scripts/bench-lowering.mjs (same generator, same seeds), the makespan of what
// flowc runs on Workflows against the ideal DAG makespan (its longest weighted path). Imports the
// built code: run `npm run build` first (`npm run bench` does). Seeded: every run prints the same.
//
// Model: a step's duration is its log-normal weight times UNIT_SECONDS (median 10 minutes, a Batch
// job with its VM start); a graph that is not series-parallel runs as the chain schedule when it
// has at most 20 chains (Workflows runs at most 20 branches of one execution at once, and the
// schedule runs one chain per branch, one job at a time), each wait polling every DAG_POLL_SECONDS
// in the order the definition polls; a wider graph runs on the worker pool (dag-pool.ts: a
// dispatcher and 19 workers, the dispatcher looking every DISPATCH_POLL_SECONDS, an idle worker
// after each of WORKER_NAPS, the last repeated) when the compiler estimates it faster than the blocks; any other graph
// runs as the series-parallel blocks (the fallback, FLOWC605), modelled without the 20-branch cap,
// as scripts/bench-lowering.mjs does.
import { pathToFileURL } from 'node:url';
import { lowerDag } from '../dist/ir/lower-blocks.js';
import { blockMakespan, dagMakespan } from '../dist/ir/makespan.js';
import { buildOrder } from '../dist/ir/order.js';
import { chainMakespan } from '../dist/targets/gcp-workflows/dag-chains.js';
import { DAG_POLL_SECONDS, planGraph } from '../dist/targets/gcp-workflows/dag-scheduler.js';
import { DISPATCH_POLL_SECONDS, WORKER_NAPS } from '../dist/targets/gcp-workflows/dag-pool.js';
import { poolRun } from '../dist/targets/gcp-workflows/dag-pool-model.js';
import { graphRows } from './bench-lowering.mjs';
import { mergeResults } from './bench-results.mjs';

const UNIT_SECONDS = 600;
const MAX_CHAINS = 20;
const GOAL = 1.1;

/** Sleeps the waits of a chain schedule take (each a look and a sleep: 2 steps), in the same model as chainMakespan. */
function pollCount(dag, plan, seconds) {
  const prev = new Map();
  for (const chain of plan.chains) chain.forEach((s, i) => prev.set(s.id, i > 0 ? chain[i - 1].id : null));
  const waits = new Map(plan.chains.flat().map((s) => [s.id, s.waits]));
  const finish = new Map();
  let polls = 0;
  const done = (id) => {
    if (finish.has(id)) return finish.get(id);
    let t = prev.get(id) ? done(prev.get(id)) : 0;
    for (const w of waits.get(id)) {
      const f = done(w);
      if (f > t) {
        const k = Math.ceil((f - t) / DAG_POLL_SECONDS);
        polls += k;
        t += k * DAG_POLL_SECONDS;
      }
    }
    finish.set(id, t + seconds(id));
    return t + seconds(id);
  };
  dag.nodes.forEach(done);
  return polls;
}

/**
 * A greedy list schedule on `workers` that knows every duration (longest remaining path first):
 * what a scheduler that claims ready steps at run time could reach inside Workflows' 20 branches.
 */
function listMakespan(dag, seconds, workers) {
  const order = buildOrder(dag);
  const rest = new Map();
  for (let v = order.n - 1; v >= 0; v--) rest.set(v, seconds(order.names[v]) + Math.max(0, ...order.succ[v].map((w) => rest.get(w))));
  const left = order.pred.map((p) => p.length);
  let ready = order.names.map((_, v) => v).filter((v) => left[v] === 0);
  const running = [];
  let now = 0;
  let end = 0;
  while (ready.length > 0 || running.length > 0) {
    ready.sort((a, b) => rest.get(b) - rest.get(a) || a - b);
    while (running.length < workers && ready.length > 0) {
      const v = ready.shift();
      running.push({ v, at: now + seconds(order.names[v]) });
    }
    running.sort((a, b) => a.at - b.at);
    const { v, at } = running.shift();
    now = at;
    end = Math.max(end, at);
    for (const w of order.succ[v]) if (--left[w] === 0) ready.push(w);
  }
  return end;
}

export function benchDagGcw({ sizes = [10, 30, 100], degrees = [1.5, 3], graphs = 200, seed = 42 } = {}) {
  const rows = [];
  for (const { n, degree, count, cases } of graphRows({ sizes, degrees, graphs, seed })) {
    const ours = [];
    const blocks = [];
    const bound = [];
    const pollSteps = [];
    let exact = 0;
    let pool = 0;
    let fallback = 0;
    for (const { dag, dur } of cases) {
      const seconds = (id) => dur(id) * UNIT_SECONDS;
      const ideal = dagMakespan(dag, seconds);
      const lowered = lowerDag(dag);
      const viaBlocks = blockMakespan(lowered.block, seconds) / ideal;
      blocks.push(viaBlocks);
      if (lowered.exact) {
        ours.push(viaBlocks);
        bound.push(listMakespan(dag, seconds, MAX_CHAINS) / ideal);
        continue;
      }
      const plan = planGraph(dag, MAX_CHAINS, lowered.block);
      bound.push(listMakespan(dag, seconds, MAX_CHAINS) / ideal);
      if (!plan) {
        fallback++;
        ours.push(viaBlocks);
        continue;
      }
      if (plan.pool) {
        pool++;
        const r = poolRun(plan.pool, seconds, { dispatchPoll: DISPATCH_POLL_SECONDS, workerNaps: WORKER_NAPS });
        ours.push(r.span / ideal);
        // The dispatcher's sleep and look: 2 steps; an idle worker's look, nap and sleep: 3.
        pollSteps.push(2 * r.dispatcherSleeps + 3 * r.workerSleeps);
        continue;
      }
      exact++;
      ours.push(chainMakespan(dag.nodes, plan, seconds, DAG_POLL_SECONDS) / ideal);
      pollSteps.push(2 * pollCount(dag, plan, seconds));
    }
    const stat = (xs) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, worst: Math.max(...xs) });
    rows.push({ steps: n, degree, graphs: count, exact, pool, fallback, ours: stat(ours), blocks: stat(blocks), listOn20: stat(bound), pollSteps: pollSteps.length > 0 ? stat(pollSteps) : null });
  }
  return rows;
}

export function printDagGcw(rows) {
  const f = (x) => x.toFixed(3);
  console.log(`gcp-workflows DAGs: makespan / ideal DAG makespan (goal: mean <= ${GOAL.toFixed(2)}); step = log-normal weight x ${UNIT_SECONDS} s, chains poll every ${DAG_POLL_SECONDS} s, the pool's dispatcher every ${DISPATCH_POLL_SECONDS} s and idle workers after ${WORKER_NAPS.join(', ')} s, at most ${MAX_CHAINS} branches`);
  console.log('exact = chain schedule, pool = dispatcher + 19 workers (FLOWC657), blocks = parallel branches (FLOWC605); list@20 = a run-time list scheduler on 20 branches knowing every duration');
  console.log('poll steps = steps of one execution spent polling (2 per look), mean and most, over the scheduled graphs');
  console.log('steps  density  graphs  exact   pool  blocks  flowc mean  flowc worst  blocks mean  list@20 mean  poll steps  goal   mean/goal');
  for (const r of rows) {
    console.log(
      [
        String(r.steps).padStart(5),
        String(r.degree).padStart(8),
        String(r.graphs).padStart(7),
        String(r.exact).padStart(6),
        String(r.pool).padStart(6),
        String(r.fallback).padStart(7),
        f(r.ours.mean).padStart(11),
        f(r.ours.worst).padStart(12),
        f(r.blocks.mean).padStart(12),
        f(r.listOn20.mean).padStart(13),
        (r.pollSteps ? `${Math.round(r.pollSteps.mean)}/${r.pollSteps.worst}` : '-').padStart(11),
        f(GOAL).padStart(5),
        `${f(r.ours.mean / GOAL)} ${r.ours.mean <= GOAL ? 'ok' : 'OVER'}`.padStart(11),
      ].join(' '),
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = benchDagGcw();
  printDagGcw(rows);
  mergeResults({ dagGcw: { goal: { meanRatioMax: GOAL }, unitSeconds: UNIT_SECONDS, pollSeconds: DAG_POLL_SECONDS, dispatchPollSeconds: DISPATCH_POLL_SECONDS, workerNapSeconds: WORKER_NAPS, maxChains: MAX_CHAINS, rows } });
}
