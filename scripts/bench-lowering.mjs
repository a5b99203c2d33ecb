// Quality of the series-parallel lowering (docs/lowering.md): over random weighted DAGs, the
// makespan of the lowered block against the DAG's ideal makespan (its longest weighted path), for
// flowc's lowering and for level-by-level flattening. Imports the built code: run `npm run build`
// first (`npm run bench` does). Seeded, so every run prints the same ratios (only timings vary).
import { pathToFileURL } from 'node:url';
import { levelByLevelDag } from '../dist/ir/level-by-level.js';
import { lowerDag } from '../dist/ir/lower-blocks.js';
import { blockMakespan, dagMakespan } from '../dist/ir/makespan.js';

/** mulberry32: a small seeded PRNG, so the benchmark is reproducible. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG: each node gets each earlier node as a need with probability `degree / n`. */
export function randomDag(rand, n, degree) {
  const nodes = Array.from({ length: n }, (_, i) => `s${i}`);
  const edges = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) if (rand() < degree / n) edges.push([nodes[i], nodes[j]]);
  return { nodes, edges };
}

/** Step durations: log-normal, so a few steps are much slower than the rest (the hard case). */
export function durations(rand, dag) {
  const d = new Map();
  for (const id of dag.nodes) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    d.set(id, Math.exp(z));
  }
  return (id) => d.get(id);
}

function stats(xs) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, worst: Math.max(...xs) };
}

/**
 * The benchmarks' graphs, one row per (size, density): the same seeded graphs and durations for
 * bench-lowering, bench-dag and bench-dag-gcw, so their tables compare the same cases.
 */
export function* graphRows({ sizes = [10, 30, 100], degrees = [1.5, 3], graphs = 200, seed = 42 } = {}) {
  for (const n of sizes) {
    for (const degree of degrees) {
      const rand = prng(seed + n * 1000 + degree * 10);
      const count = n >= 100 ? Math.ceil(graphs / 4) : graphs;
      const cases = [];
      for (let g = 0; g < count; g++) {
        const dag = randomDag(rand, n, degree);
        cases.push({ dag, dur: durations(rand, dag) });
      }
      yield { n, degree, count, cases };
    }
  }
}

/** Runs the benchmark and returns one row per (size, density). */
export function benchLowering({ sizes = [10, 30, 100], degrees = [1.5, 3], graphs = 200, seed = 42 } = {}) {
  const rows = [];
  for (const { n, degree, count, cases } of graphRows({ sizes, degrees, graphs, seed })) {
    const ours = [];
    const base = [];
    let exact = 0;
    let notWorse = 0;
    let ms = 0;
    for (const { dag, dur } of cases) {
      const t0 = performance.now();
      const lowered = lowerDag(dag);
      ms += performance.now() - t0;
      const ideal = dagMakespan(dag, dur);
      const a = blockMakespan(lowered.block, dur) / ideal;
      const b = blockMakespan(levelByLevelDag(dag).block, dur) / ideal;
      ours.push(a);
      base.push(b);
      if (lowered.exact) exact++;
      if (a <= b + 1e-9) notWorse++;
    }
    rows.push({
      steps: n,
      degree,
      graphs: count,
      seriesParallel: exact,
      ours: stats(ours),
      levelByLevel: stats(base),
      notWorse,
      msPerLowering: ms / count,
    });
  }
  return rows;
}

export function printLowering(rows) {
  const f = (x) => x.toFixed(3);
  console.log('lowering: makespan of the lowered structure / ideal DAG makespan (1.000 = no concurrency lost)');
  console.log('random DAGs: each earlier step is a need with probability density/steps; log-normal step durations');
  console.log('steps    density  graphs  sp-graphs  flowc mean  flowc worst  level-by-level mean  level-by-level worst  ms/lowering');
  for (const r of rows) {
    console.log(
      [
        String(r.steps).padStart(5),
        String(r.degree).padStart(10),
        String(r.graphs).padStart(7),
        String(r.seriesParallel).padStart(10),
        f(r.ours.mean).padStart(11),
        f(r.ours.worst).padStart(12),
        f(r.levelByLevel.mean).padStart(20),
        f(r.levelByLevel.worst).padStart(21),
        r.msPerLowering.toFixed(2).padStart(12),
      ].join(' '),
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printLowering(benchLowering());
