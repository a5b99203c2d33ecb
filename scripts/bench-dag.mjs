// Step Functions' exact DAGs (docs/targets/stepfunctions.md, "Exact DAGs"): over the random
// weighted DAGs of scripts/bench-lowering.mjs (same generator, seeds and graphs), the makespan of
// what the stepfunctions target runs (a Batch DAG when it chooses one, else nested blocks) against
// the ideal DAG's (its longest weighted path). The choice is the target's own code
// (chooseBatchDag), so the figure follows it. Imports the built code: run `npm run build` first
// (`npm run bench` does). Seeded: every run prints the same ratios.
//
// The Batch DAG's run is modelled from the state machine it writes: jobs submitted one after the
// other, `submitSeconds` apart; a job starts when it is submitted and its needs are done; the
// final jobs are then looked at in flow order, a look every `pollSeconds` while one runs, and the
// run ends at the look that finds the last one done. Durations are bench-lowering's log-normal
// ones (median 1) in units of `medianStepSeconds`. Not modelled (the same for both, or unknown):
// queueing for compute, Batch's dispatch latency, a Task's own latency.
import { pathToFileURL } from 'node:url';
import { lowerDag } from '../dist/ir/lower-blocks.js';
import { blockMakespan, dagMakespan } from '../dist/ir/makespan.js';
import { DiagnosticBag } from '../dist/diagnostics/diagnostic.js';
import { chooseBatchDag } from '../dist/targets/stepfunctions/batch-dag-plan.js';
import { graphRows } from './bench-lowering.mjs';
import { mergeResults } from './bench-results.mjs';

export const GOAL = 1.1;
/** The assumption the goal is judged under, and a harsher one beside it. */
export const MODELS = [
  { name: 'default', pollSeconds: 60, medianStepSeconds: 600, submitSeconds: 0.25 },
  { name: 'short steps', pollSeconds: 60, medianStepSeconds: 120, submitSeconds: 0.25 },
];

const origin = { file: 'flow.yaml', line: 1, col: 1 };

/** The bits of an IR that chooseBatchDag reads, for a bare DAG. */
function irOf(dag) {
  const needs = new Map(dag.nodes.map((id) => [id, []]));
  for (const [a, b] of dag.edges) needs.get(b).push(a);
  const steps = dag.nodes.map((id) => ({ id, needs: needs.get(id), foreach: null, outputs: [], retry: null, origin }));
  return { steps, edges: dag.edges };
}

/** The Batch DAG's makespan under `model`, in duration units. */
export function batchDagMakespan(plan, duration, model) {
  const unit = model.medianStepSeconds;
  const submit = model.submitSeconds / unit;
  const poll = model.pollSeconds / unit;
  const finish = new Map();
  plan.order.forEach((s, i) => {
    const ready = Math.max((i + 1) * submit, ...(plan.dependsOn.get(s.id) ?? []).map((d) => finish.get(d)));
    finish.set(s.id, ready + duration(s.id));
  });
  let t = plan.order.length * submit;
  for (const sink of plan.sinks) {
    const f = finish.get(sink);
    if (f > t) t += Math.ceil((f - t) / poll) * poll;
  }
  return t;
}

function stats(xs) {
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, worst: Math.max(...xs) };
}

export function benchDag({ sizes = [10, 30, 100], degrees = [1.5, 3], graphs = 200, seed = 42, model = MODELS[0] } = {}) {
  const rows = [];
  for (const { n, degree, count, cases } of graphRows({ sizes, degrees, graphs, seed })) {
    const chosen = [];
    const blocks = [];
    let sp = 0;
    let dags = 0;
    for (const { dag, dur } of cases) {
      const ideal = dagMakespan(dag, dur);
      const lowered = lowerDag(dag);
      const b = blockMakespan(lowered.block, dur) / ideal;
      const options = { compute: 'batch', dag: 'auto' };
      const choice = chooseBatchDag({ ir: irOf(dag), options, exact: () => lowered.exact, flowSpan: origin, diagnostics: new DiagnosticBag() });
      if (lowered.exact) sp++;
      if (choice.plan) dags++;
      chosen.push(choice.plan ? batchDagMakespan(choice.plan, dur, model) / ideal : b);
      blocks.push(b);
    }
    rows.push({ steps: n, degree, graphs: count, seriesParallel: sp, batchDags: dags, sfn: stats(chosen), blocks: stats(blocks) });
  }
  return rows;
}

export function printDag(runs) {
  const f = (x) => x.toFixed(3);
  console.log('Step Functions exact DAGs: makespan of what the target runs / ideal DAG makespan (1.000 = no concurrency lost)');
  console.log('the graphs of bench-lowering.mjs; a Batch DAG where the target chooses one (not series-parallel), else nested blocks');
  for (const { model, rows } of runs) {
    console.log(`model '${model.name}': look every ${model.pollSeconds} s, median step ${model.medianStepSeconds} s, ${model.submitSeconds} s per submission`);
    console.log('steps    density  graphs  sp-graphs  batch-dags  sfn mean  sfn worst  blocks mean  blocks worst');
    for (const r of rows) {
      console.log(
        [
          String(r.steps).padStart(5),
          String(r.degree).padStart(10),
          String(r.graphs).padStart(7),
          String(r.seriesParallel).padStart(10),
          String(r.batchDags).padStart(11),
          f(r.sfn.mean).padStart(9),
          f(r.sfn.worst).padStart(10),
          f(r.blocks.mean).padStart(12),
          f(r.blocks.worst).padStart(13),
        ].join(' '),
      );
    }
    const worstMean = Math.max(...rows.map((r) => r.sfn.mean));
    const blocksWorstMean = Math.max(...rows.map((r) => r.blocks.mean));
    const met = worstMean <= GOAL;
    console.log(`exact DAGs on Step Functions, worst row mean ${worstMean.toFixed(2)}x the ideal (nested blocks: ${blocksWorstMean.toFixed(2)}x)  goal <= ${GOAL.toFixed(2)}x: ${met ? 'met' : 'NOT met'}${model === MODELS[0] ? '' : '  (not the goal\'s model)'}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = MODELS.map((model) => ({ model, rows: benchDag({ model }) }));
  printDag(runs);
  const main = runs[0];
  const worstMean = Math.max(...main.rows.map((r) => r.sfn.mean));
  mergeResults({
    dagStepFunctions: {
      goal: { max: GOAL, text: `worst row mean <= ${GOAL}x the ideal makespan` },
      ratio: Number(worstMean.toFixed(3)),
      met: worstMean <= GOAL,
      blocksRatio: Number(Math.max(...main.rows.map((r) => r.blocks.mean)).toFixed(3)),
      runs: runs.map(({ model, rows }) => ({ model, rows })),
    },
  });
}
