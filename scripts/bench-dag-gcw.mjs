// Exact DAGs on Google Cloud Workflows (docs/targets/gcp-workflows.md, "Exact DAGs"): over the random
// weighted DAGs of scripts/bench-lowering.mjs (same generator, same seeds), the makespan of what
// flowc runs on Workflows against the ideal DAG makespan (its longest weighted path). Imports the
// built code: run `npm run build` first (`npm run bench` does). Seeded: every run prints the same.
//
// Model: a step's duration is its log-normal weight times UNIT_SECONDS (median 10 minutes, a Batch
// job with its VM start); a graph that is not series-parallel runs as the chain schedule when it
// has at most 20 chains (Workflows runs at most 20 branches of one execution at once, and the
// schedule runs one chain per branch, one job at a time), each wait polling every DAG_POLL_SECONDS
// in the order the definition polls; any other graph runs as the series-parallel blocks (the
// fallback, FLOWC605), modelled without the 20-branch cap, as scripts/bench-lowering.mjs does.
import { pathToFileURL } from 'node:url';
import { lowerDag } from '../dist/ir/lower-blocks.js';
import { blockMakespan, dagMakespan } from '../dist/ir/makespan.js';
import { chainCover } from '../dist/targets/gcp-workflows/dag-chains.js';
import { DAG_POLL_SECONDS } from '../dist/targets/gcp-workflows/dag-scheduler.js';
import { durations, prng, randomDag } from './bench-lowering.mjs';
import { mergeResults } from './bench-results.mjs';

const UNIT_SECONDS = 600;
const MAX_CHAINS = 20;
const GOAL = 1.1;

/** Makespan of the chain schedule, in seconds: each step starts once its chain predecessor ended and each wait saw its need done. */
export function chainMakespan(dag, cover, seconds, poll = DAG_POLL_SECONDS) {
  const prev = new Map();
  const waits = new Map();
  for (const chain of cover.chains) {
    chain.forEach((s, i) => {
      prev.set(s.id, i > 0 ? chain[i - 1].id : null);
      waits.set(s.id, s.waits);
    });
  }
  const finish = new Map();
  // A step's chain predecessor and its waits come earlier in one topological order, so this recursion ends.
  const done = (id) => {
    if (finish.has(id)) return finish.get(id);
    const p = prev.get(id);
    let t = p ? done(p) : 0;
    for (const w of waits.get(id)) {
      const f = done(w);
      if (f > t) t += Math.ceil((f - t) / poll) * poll;
    }
    finish.set(id, t + seconds(id));
    return t + seconds(id);
  };
  return Math.max(...dag.nodes.map(done));
}

export function benchDagGcw({ sizes = [10, 30, 100], degrees = [1.5, 3], graphs = 200, seed = 42 } = {}) {
  const rows = [];
  for (const n of sizes) {
    for (const degree of degrees) {
      const rand = prng(seed + n * 1000 + degree * 10);
      const count = n >= 100 ? Math.ceil(graphs / 4) : graphs;
      const ours = [];
      const blocks = [];
      let scheduled = 0;
      let fallback = 0;
      for (let g = 0; g < count; g++) {
        const dag = randomDag(rand, n, degree);
        const dur = durations(rand, dag);
        const seconds = (id) => dur(id) * UNIT_SECONDS;
        const ideal = dagMakespan(dag, seconds);
        const lowered = lowerDag(dag);
        const viaBlocks = blockMakespan(lowered.block, seconds) / ideal;
        blocks.push(viaBlocks);
        if (lowered.exact) {
          ours.push(viaBlocks);
          continue;
        }
        const cover = chainCover(dag, MAX_CHAINS);
        if (!cover) {
          fallback++;
          ours.push(viaBlocks);
          continue;
        }
        scheduled++;
        ours.push(chainMakespan(dag, cover, seconds) / ideal);
      }
      const stat = (xs) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, worst: Math.max(...xs) });
      rows.push({ steps: n, degree, graphs: count, scheduled, fallback, ours: stat(ours), blocks: stat(blocks) });
    }
  }
  return rows;
}

export function printDagGcw(rows) {
  const f = (x) => x.toFixed(3);
  console.log(`gcp-workflows exact DAGs: makespan / ideal DAG makespan (goal: mean <= ${GOAL.toFixed(2)}); step = log-normal x ${UNIT_SECONDS} s, polls every ${DAG_POLL_SECONDS} s, at most ${MAX_CHAINS} chains`);
  console.log('steps  density  graphs  scheduled  fallback  flowc mean  flowc worst  blocks mean  blocks worst  goal   ratio/goal');
  for (const r of rows) {
    console.log(
      [
        String(r.steps).padStart(5),
        String(r.degree).padStart(8),
        String(r.graphs).padStart(7),
        String(r.scheduled).padStart(10),
        String(r.fallback).padStart(9),
        f(r.ours.mean).padStart(11),
        f(r.ours.worst).padStart(12),
        f(r.blocks.mean).padStart(12),
        f(r.blocks.worst).padStart(13),
        f(GOAL).padStart(5),
        `${f(r.ours.mean / GOAL)} ${r.ours.mean <= GOAL ? 'ok' : 'OVER'}`.padStart(12),
      ].join(' '),
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = benchDagGcw();
  printDagGcw(rows);
  mergeResults({ dagGcw: { goal: { meanRatioMax: GOAL }, unitSeconds: UNIT_SECONDS, pollSeconds: DAG_POLL_SECONDS, maxChains: MAX_CHAINS, rows } });
}
