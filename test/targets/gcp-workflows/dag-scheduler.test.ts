import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { estimateSteps } from '../../../src/targets/gcp-workflows/budget.js';
import { chainCover } from '../../../src/targets/gcp-workflows/dag-chains.js';
import { DAG_POLL_SECONDS, dagAsBlock, dagSteps, planDag } from '../../../src/targets/gcp-workflows/dag-scheduler.js';
import { readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { buildWorkflow } from '../../../src/targets/gcp-workflows/workflow.js';
import { VirtualClock } from './interpreter/clock.js';
import { Interpreter } from './interpreter/engine.js';
import type { JobRecord } from './interpreter/fake-batch.js';
import { checkExecution, compile, makeIR, step } from './helpers.js';
import { runLimited } from './run-limited.js';
import { schemaErrors, structureProblems } from './structure.js';
import { prng } from '../../helpers/prng.js';


/** A random DAG as in scripts/bench-lowering.mjs: each earlier step is a need with probability degree / n. */
function randomFlow(rand: () => number, n: number, degree: number): IR {
  const steps: IRStep[] = [];
  for (let j = 0; j < n; j++) {
    const needs: string[] = [];
    for (let i = 0; i < j; i++) if (rand() < degree / n) needs.push(`s${i}`);
    steps.push(step(`s${j}`, { needs }));
  }
  return makeIR(steps);
}

const run = runLimited;

/** Each step must start within one poll of its last need's end: nothing the flow does not ask for delays it. */
function lateStarts(ir: IR, jobs: JobRecord[]): string[] {
  const end = new Map<string, number>();
  for (const j of jobs) end.set(j.step, Math.max(end.get(j.step) ?? 0, j.end));
  const out: string[] = [];
  for (const j of jobs) {
    const ready = Math.max(0, ...ir.edges.filter(([, to]) => to === j.step).map(([from]) => end.get(from) as number));
    if (j.start < ready || j.start > ready + DAG_POLL_SECONDS) out.push(`${j.step} ready at ${ready}, started at ${j.start}`);
  }
  return out;
}

/** The step estimate of a flow on the DAG schedule, as the target computes it. */
function estimate(ir: IR): number {
  const plan = planDag(ir, lowerGraph(ir).block);
  if (!plan) throw new Error('no plan');
  const block = dagAsBlock(ir, plan);
  const built = buildWorkflow({ ir, options: readOptions(ir), block, dag: plan, diagnostics: new DiagnosticBag() });
  return estimateSteps(ir, block, built).least + dagSteps(plan);
}

/** The N: a -> c, a -> d, b -> d, the smallest graph that is not series-parallel. */
const nGraph = (): IR => makeIR([step('a'), step('b'), step('c', { needs: ['a'] }), step('d', { needs: ['a', 'b'] })]);

describe('exact DAG schedule (graphs that are not series-parallel)', () => {
  it('runs the N with no added ordering: no FLOWC605, d starts within a poll of b, c right after a', async () => {
    const ir = nGraph();
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual([]);
    expect(yaml).toContain('flowc_finished');
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(ir, yaml)).toEqual([]);
    const e = await run(yaml, prng(1), { duration: (s) => (s === 'a' ? 100 : s === 'b' ? 10 : 50) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(lateStarts(ir, e.jobs)).toEqual([]);
    const start = new Map(e.jobs.map((j) => [j.step, j.start]));
    // The blocks would run c and d after both a and b; here c never waits for b.
    expect(start.get('c')).toBe(100);
    expect(start.get('d')).toBeGreaterThanOrEqual(100);
    expect(e.steps).toBe(estimate(ir) + 2 * e.sleeps);
  });

  it('random non-series-parallel DAGs: every step after its needs, within a poll of them, steps as estimated, any start order', async () => {
    const rand = prng(19);
    let scheduled = 0;
    for (let g = 0; g < 40; g++) {
      const n = 6 + Math.floor(rand() * 35);
      const ir = randomFlow(rand, n, 1 + rand() * 3);
      const { yaml, diagnostics } = compile(ir);
      const codes = diagnostics.items.map((d) => d.code);
      if (codes.includes('FLOWC605') || codes.includes('FLOWC657')) {
        // Only a graph wider than the execution's 20 branches gets a worker pool (FLOWC657) or the blocks, and says so.
        expect(codes.includes('FLOWC656')).toBe(codes.includes('FLOWC605'));
        expect(chainCover({ nodes: ir.steps.map((s) => s.id), edges: ir.edges }, 20)).toBeNull();
        continue;
      }
      if (!yaml.includes('flowc_finished')) continue; // series-parallel: the blocks are exact
      scheduled++;
      expect(codes).toEqual([]);
      expect(schemaErrors(yaml)).toEqual([]);
      expect(structureProblems(ir, yaml)).toEqual([]);
      const durations = new Map(ir.steps.map((s) => [s.id, 20 + Math.floor(rand() * 600)]));
      const e = await run(yaml, rand, { duration: (s) => durations.get(s) as number });
      expect(checkExecution(ir, e)).toEqual([]);
      expect(lateStarts(ir, e.jobs)).toEqual([]);
      expect(e.steps).toBe(estimate(ir) + 2 * e.sleeps);
    }
    expect(scheduled).toBeGreaterThan(25);
  });

  it('no deadlock with 20 chains each waiting on others while the execution runs 20 branches at once', async () => {
    // 20 columns of 3 steps; each step of a row needs the one to its left on the row below: width 20.
    const steps: IRStep[] = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 20; c++) steps.push(step(`s${r}_${c}`, { needs: r === 0 ? [] : [`s${r - 1}_${c}`, ...(c > 0 ? [`s${r - 1}_${c - 1}`] : [])] }));
    const ir = makeIR(steps);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual([]);
    for (const seed of [1, 2, 3]) {
      const e = await run(yaml, prng(seed), { duration: (s) => 30 + (s.charCodeAt(s.length - 1) % 7) * 40 });
      expect(checkExecution(ir, e)).toEqual([]);
      expect(lateStarts(ir, e.jobs)).toEqual([]);
    }
  });

  it('a wider graph keeps the blocks, with FLOWC656 and FLOWC605 at the flow', () => {
    // 21 independent pairs plus one cross need: 21 steps can run at once, more than 20 branches.
    const steps: IRStep[] = [];
    for (let c = 0; c < 21; c++) steps.push(step(`a${c}`));
    for (let c = 0; c < 21; c++) steps.push(step(`b${c}`, { needs: [`a${c}`, ...(c === 1 ? ['a0'] : [])] }));
    steps.push(step('z', { needs: ['a0'] }));
    const ir = makeIR(steps);
    const { yaml, diagnostics } = compile(ir);
    const found = diagnostics.items.filter((d) => d.code === 'FLOWC656' || d.code === 'FLOWC605');
    expect(found.map((d) => [d.code, d.span?.file, d.span?.line, d.span?.col])).toEqual([
      ['FLOWC656', 'flow.yaml', 1, 1],
      ['FLOWC605', 'flow.yaml', 1, 1],
    ]);
    expect(found[0]?.message).toContain('more than 20 of its steps can run at the same time');
    expect(yaml).not.toContain('flowc_finished');
  });

  // A graph wider than 20 branches runs on a worker pool (FLOWC657): dag-pool.test.ts runs the same
  // random graphs with every check this test had and more.

  it('over 1,000 steps no schedule is tried: FLOWC656 says so, at the flow', () => {
    // An N, then a chain: 1,001 steps, two wide at most.
    const steps = [step('a'), step('b'), step('c', { needs: ['a'] }), step('d', { needs: ['a', 'b'] })];
    for (let i = 0; i < 997; i++) steps.push(step(`t${i}`, { needs: [i === 0 ? 'd' : `t${i - 1}`] }));
    const { diagnostics } = compile(makeIR(steps));
    const w = diagnostics.items.filter((d) => d.code === 'FLOWC656');
    expect(w.map((d) => [d.severity, d.span?.file, d.span?.line, d.span?.col])).toEqual([['warning', 'flow.yaml', 1, 1]]);
    expect(w[0]?.message).toContain('has 1001 steps, over the 1000 a DAG schedule is planned for');
    expect(diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(true);
  });

  it('a failed step fails the run; what needs it never starts, its chain stops, other chains finish', async () => {
    const ir = makeIR([step('a'), step('b'), step('c', { needs: ['a'] }), step('d', { needs: ['a', 'b'] }), step('e', { needs: ['b'] })]);
    const { yaml } = compile(ir);
    expect(yaml).toContain('flowc_finished');
    const e = await run(yaml, prng(4), { duration: (s) => (s === 'b' ? 100 : 10), failures: (s) => (s === 'a' ? 1 : 0) });
    expect(String((e.error as Error).message)).toMatch(/a/);
    const ran = new Set(e.jobs.filter((j) => !j.failed).map((j) => j.step));
    expect(ran.has('c')).toBe(false);
    expect(ran.has('d')).toBe(false);
    expect(ran.has('b')).toBe(true);
  });

  it('retries and foreach behave as on the blocks: a retried step, a foreach inside a chain', async () => {
    const ir = makeIR([
      step('a', { retry: { limit: 2, delaySeconds: 5, backoff: 1, maxDelaySeconds: null } }),
      step('b', { foreach: { items: ['x', 'y', 'z'], from: null, parallelism: 2 } }),
      step('c', { needs: ['a'] }),
      step('d', { needs: ['a', 'b'] }),
    ]);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(ir, yaml)).toEqual([]);
    const e = await run(yaml, prng(5), { failures: (s) => (s === 'a' ? 1 : 0) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.jobs.filter((j) => j.step === 'a').map((j) => j.failed)).toEqual([true, false]);
    expect(e.jobs.filter((j) => j.step === 'b' && !j.failed).map((j) => j.item).sort()).toEqual(['x', 'y', 'z']);
  });

  it('keeps series-parallel flows on the blocks', () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })]);
    expect(compile(ir).yaml).not.toContain('flowc_finished');
  });
});

describe('chain cover', () => {
  it('uses as many chains as steps can run at once (Dilworth), each chain ordered by the flow', () => {
    const rand = prng(7);
    for (let g = 0; g < 60; g++) {
      const ir = randomFlow(rand, 5 + Math.floor(rand() * 10), 1 + rand() * 3);
      const dag = { nodes: ir.steps.map((s) => s.id), edges: ir.edges };
      const reach = closure(ir);
      let k = 1;
      while (!chainCover(dag, k)) k++;
      const chains = chainCover(dag, k)?.chains ?? [];
      expect(chains.flat().map((s) => s.id).sort()).toEqual([...dag.nodes].sort());
      // Every chain link is an ordering the flow already has.
      for (const c of chains) for (let i = 1; i < c.length; i++) expect(reach.get((c[i] as { id: string }).id)?.has((c[i - 1] as { id: string }).id)).toBe(true);
      expect(chains.length).toBe(k);
      expect(k).toBe(widthByBruteForce(ir, reach));
    }
  });
});

/** The most steps no two of which are ordered, by trying every subset (small graphs only). */
function widthByBruteForce(ir: IR, reach: Map<string, Set<string>>): number {
  const ids = ir.steps.map((s) => s.id);
  let best = 0;
  for (let mask = 1; mask < 1 << ids.length; mask++) {
    const set = ids.filter((_, i) => mask & (1 << i));
    if (set.length <= best) continue;
    if (set.every((a) => set.every((b) => a === b || !reach.get(b)?.has(a)))) best = set.length;
  }
  return best;
}

function closure(ir: IR): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of ir.steps) {
    const set = new Set<string>();
    for (const n of s.needs) {
      set.add(n);
      for (const x of out.get(n) ?? []) set.add(x);
    }
    out.set(s.id, set);
  }
  return out;
}

describe('the simulator: branches beyond the execution limit wait in a queue', () => {
  // Design (b) of docs/decisions.md: one iteration per step, each polling for its needs. With more
  // iterations than slots, the ones started first can all wait for one still queued: a deadlock.
  const perStep = `
main:
  steps:
    - init:
        assign:
          - flags: {}
    - all:
        parallel:
          shared: [flags]
          for:
            value: i
            in: [0, 1, 2]
            steps:
              - work:
                  switch:
                    - condition: \${i == 2}
                      steps:
                        - mark:
                            assign:
                              - flags["two"]: true
                    - condition: \${i != 2}
                      steps:
                        - look:
                            switch:
                              - condition: \${map.get(flags, "two") == true}
                                next: over
                        - nap:
                            call: sys.sleep
                            args: { seconds: 30 }
                            next: look
                        - over:
                            assign:
                              - x: 1
`;
  const runIt = (cap: number) =>
    Interpreter.fromYaml(perStep, { clock: new VirtualClock(), connectors: {}, env: {}, maxSteps: 500, concurrentBranches: cap, pickQueued: () => 0 }).run(null);

  it('waiting iterations that hold every slot never let the one they wait for start', async () => {
    await expect(runIt(2)).rejects.toThrow('over the step limit');
  });

  it('with a slot for every iteration the same definition finishes', async () => {
    await expect(runIt(3)).resolves.toBeNull();
  });
});
