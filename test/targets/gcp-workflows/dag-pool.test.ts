import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { estimateSteps } from '../../../src/targets/gcp-workflows/budget.js';
import { dagAsBlock, dagSteps, planDag } from '../../../src/targets/gcp-workflows/dag-scheduler.js';
import { DISPATCH_POLL_SECONDS, planPool, WORKER_NAPS } from '../../../src/targets/gcp-workflows/dag-pool.js';
import { poolMakespan } from '../../../src/targets/gcp-workflows/dag-pool-model.js';
import { readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { buildWorkflow } from '../../../src/targets/gcp-workflows/workflow.js';
import type { JobRecord } from './interpreter/fake-batch.js';
import { checkExecution, compile, makeIR, step } from './helpers.js';
import { runLimited } from './run-limited.js';
import { poolTableProblems, schemaErrors } from './structure.js';
import { prng } from '../../helpers/prng.js';

/**
 * The worker pool (dag-pool.ts) for graphs wider than the 20 branches one execution runs at once,
 * run in the simulator with that limit and queued iterations started in a random order.
 */

/** A random DAG as in scripts/bench-lowering.mjs. */
function randomFlow(rand: () => number, n: number, degree: number, extra: (j: number) => Partial<IRStep> = () => ({})): IR {
  const steps: IRStep[] = [];
  for (let j = 0; j < n; j++) {
    const needs: string[] = [];
    for (let i = 0; i < j; i++) if (rand() < degree / n) needs.push(`s${i}`);
    steps.push(step(`s${j}`, { needs, ...extra(j) }));
  }
  return makeIR(steps);
}

const run = runLimited;

/**
 * Each step starts after its needs, and within a dispatcher poll and a worker poll of the last one
 * unless every worker was taken: a step that starts later must have found, a dispatcher and a worker
 * poll before it started, every worker running a step (or just done with one, not yet seen).
 */
function lateStarts(ir: IR, jobs: JobRecord[], workers: number): string[] {
  const end = new Map<string, number>();
  for (const j of jobs) end.set(j.step, Math.max(end.get(j.step) ?? 0, j.end));
  const slack = DISPATCH_POLL_SECONDS + (WORKER_NAPS.at(-1) as number);
  const out: string[] = [];
  for (const j of jobs) {
    const ready = Math.max(0, ...ir.edges.filter(([, to]) => to === j.step).map(([from]) => end.get(from) as number));
    if (j.start < ready) out.push(`${j.step} ready at ${ready}, started at ${j.start}`);
    if (j.start <= ready + slack) continue;
    const m = j.start - slack;
    const taken = new Set(jobs.filter((o) => o.step !== j.step && o.start - slack <= m && m <= o.end + DISPATCH_POLL_SECONDS).map((o) => o.step)).size;
    if (taken < workers) out.push(`${j.step} ready at ${ready}, started at ${j.start} with ${taken} workers taken at ${m}`);
  }
  return out;
}

const tableProblems = poolTableProblems;

/** The step estimate of a flow on the pool, as the target computes it: an upper bound without sleeps. */
function estimate(ir: IR): number {
  const plan = planDag(ir, lowerGraph(ir).block);
  if (!plan?.pool) throw new Error('no pool');
  const block = dagAsBlock(ir, plan);
  const built = buildWorkflow({ ir, options: readOptions(ir), block, dag: plan, diagnostics: new DiagnosticBag() });
  return estimateSteps(ir, block, built).least + dagSteps(plan);
}

/** 24 independent steps, then an N among steps that need some of them: 24 can run at once. */
function wideFlow(): IR {
  const steps: IRStep[] = [];
  for (let i = 0; i < 24; i++) steps.push(step(`a${i}`));
  steps.push(step('b', { needs: ['a0', 'a1'] }), step('c', { needs: ['a1'] }), step('d', { needs: ['b', 'c'] }), step('e', { needs: ['a2', 'd'] }));
  return makeIR(steps);
}

describe('worker pool (graphs wider than 20 branches)', () => {
  it('random 100-step DAGs: every step once, after its needs, promptly, dispatcher tables as the flow, any start order', async () => {
    const rand = prng(100);
    let pools = 0;
    for (let g = 0; g < 6; g++) {
      const ir = randomFlow(rand, 100, 3);
      const { yaml, diagnostics } = compile(ir);
      const w = diagnostics.items.filter((d) => d.code === 'FLOWC657');
      if (w.length === 0) continue;
      pools++;
      expect(w.map((d) => [d.severity, d.span?.file, d.span?.line, d.span?.col])).toEqual([['warning', 'flow.yaml', 1, 1]]);
      expect(w[0]?.message).toMatch(/runs on a pool of 19 workers .* no ordering is added/);
      expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC657']);
      expect(yaml).toContain('flowc_pool');
      expect(schemaErrors(yaml)).toEqual([]);
      expect(tableProblems(ir, yaml)).toEqual([]);
      const durations = new Map(ir.steps.map((s) => [s.id, 20 + Math.floor(rand() * 600)]));
      const e = await run(yaml, rand, { duration: (s) => durations.get(s) as number });
      expect(checkExecution(ir, e)).toEqual([]);
      expect(lateStarts(ir, e.jobs, 19)).toEqual([]);
      // Never more jobs at once than workers.
      for (const j of e.jobs) expect(e.jobs.filter((o) => o.start <= j.start && o.end > j.start).length).toBeLessThanOrEqual(19);
      // The estimate bounds the steps taken apart from sleeping (a sleep and its look: 2; a worker's next nap: 1 more).
      expect(e.steps).toBeLessThanOrEqual(estimate(ir) + 3 * e.sleeps);
      expect(e.steps).toBeGreaterThan(estimate(ir) / 3);
    }
    expect(pools).toBeGreaterThan(2);
  });

  it('a wide graph with an N: no FLOWC605, a step starts once its needs end, not when unrelated steps do', async () => {
    const ir = wideFlow();
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC657']);
    expect(tableProblems(ir, yaml)).toEqual([]);
    for (const seed of [1, 2, 3]) {
      const e = await run(yaml, prng(seed), { duration: (s) => (s === 'a2' ? 5000 : s.startsWith('a') ? 100 + Number(s.slice(1)) : 50) });
      expect(checkExecution(ir, e)).toEqual([]);
      expect(lateStarts(ir, e.jobs, 19)).toEqual([]);
      const start = new Map(e.jobs.map((j) => [j.step, j.start]));
      const end = new Map(e.jobs.map((j) => [j.step, j.end]));
      // d needs b and c only: it does not wait for the 5,000 s a2, which e needs.
      expect(start.get('d') as number).toBeLessThan(end.get('a2') as number);
      expect(start.get('e') as number).toBeGreaterThanOrEqual(end.get('a2') as number);
    }
  });

  it('a failed step fails the run with its error; what needs it never starts, the rest still runs', async () => {
    const ir = wideFlow();
    const { yaml } = compile(ir);
    const e = await run(yaml, prng(8), { duration: () => 100, failures: (s) => (s === 'a1' ? 1 : 0) });
    expect(e.error).not.toBeNull();
    expect(String((e.error as Error).message)).toMatch(/a1/);
    const ran = new Set(e.jobs.filter((j) => !j.failed).map((j) => j.step));
    for (const s of ['b', 'c', 'd', 'e']) expect(ran.has(s)).toBe(false);
    for (let i = 0; i < 24; i++) if (i !== 1) expect(ran.has(`a${i}`)).toBe(true);
  });

  it('a step with more dependants than one assign step holds (50), and a graph over one switch (50 conditions)', async () => {
    // hub -> 60 leaves; x -> leaf 0 and y -> leaves 0, 1: an N, so not series-parallel; 60 wide.
    const steps: IRStep[] = [step('hub'), step('x'), step('y')];
    for (let i = 0; i < 60; i++) steps.push(step(`l${i}`, { needs: ['hub', ...(i === 0 ? ['x', 'y'] : i === 1 ? ['y'] : [])] }));
    const ir = makeIR(steps);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC657']);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(tableProblems(ir, yaml)).toEqual([]);
    expect(yaml).toContain('flowc_d_down1_hub');
    const e = await run(yaml, prng(6), { duration: (s) => (s === 'hub' ? 300 : 60) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(lateStarts(ir, e.jobs, 19)).toEqual([]);
  });

  it('a dispatcher that fails stops every worker: the run fails with its error instead of polling forever', async () => {
    const ir = wideFlow();
    const doc = parse(compile(ir).yaml, { version: '1.1' }) as { main: { steps: Record<string, Record<string, unknown>>[] } };
    // Break the dispatcher after its first hand-out round: a raise where it would first sleep.
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        const i = node.findIndex((s) => s !== null && typeof s === 'object' && 'flowc_d_sleep' in s);
        if (i >= 0) node.splice(i, 0, { flowc_d_broken: { raise: 'dispatcher broken' } });
        return node.forEach(visit);
      }
      if (node !== null && typeof node === 'object') Object.values(node).forEach(visit);
    };
    visit(doc);
    const e = await run(stringify(doc, { version: '1.1' }), prng(2), { duration: () => 100 }, 20_000);
    expect(String((e.error as Error).message)).toContain('dispatcher broken');
    // At most the steps handed out before it failed ran (its stop replaces tasks not yet taken), and the workers stopped.
    expect(e.jobs.length).toBeLessThanOrEqual(19);
    expect(e.jobs.every((j) => !j.failed)).toBe(true);
    expect(e.steps).toBeLessThan(2_000);
  });

  it('retries and foreach behave as on the blocks: a retried step, a foreach on a worker (18 workers, a slot kept for items)', async () => {
    const rand = prng(3);
    const ir = randomFlow(rand, 60, 1.5, (j) => (j === 5 ? { foreach: { items: ['x', 'y', 'z'], from: null, parallelism: 2 } } : j === 7 ? { retry: { limit: 2, delaySeconds: 5, backoff: 1, maxDelaySeconds: null } } : {}));
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC657']);
    expect(diagnostics.items[0]?.message).toContain('a pool of 18 workers');
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await run(yaml, rand, { duration: (s) => 30 + Number(s.slice(1)), failures: (s) => (s === 's7' ? 1 : 0) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.jobs.filter((j) => j.step === 's7').map((j) => j.failed)).toEqual([true, false]);
    expect(e.jobs.filter((j) => j.step === 's5' && !j.failed).map((j) => j.item).sort()).toEqual(['x', 'y', 'z']);
  });

  it('a graph too wide where the blocks are estimated faster keeps them (FLOWC656, FLOWC605)', () => {
    // 21 independent pairs: 42 steps on 19 workers against 21 branches at once.
    const steps: IRStep[] = [];
    for (let c = 0; c < 21; c++) steps.push(step(`a${c}`));
    for (let c = 0; c < 21; c++) steps.push(step(`b${c}`, { needs: [`a${c}`, ...(c === 1 ? ['a0'] : [])] }));
    const { yaml, diagnostics } = compile(makeIR(steps));
    expect(diagnostics.items.map((d) => d.code).slice(0, 2)).toEqual(['FLOWC656', 'FLOWC605']);
    expect(diagnostics.items[0]?.message).toContain('a pool of 19 workers is not estimated faster than parallel branches');
    expect(yaml).not.toContain('flowc_pool');
  });
});

/** Every assignment target under `node`, with the worker key of the innermost `flowc_w == "k"` condition around it. */
function assignments(node: unknown, key: string | null, out: { target: string; key: string | null }[]): void {
  if (Array.isArray(node)) return node.forEach((n) => assignments(n, key, out));
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.assign)) for (const a of o.assign as Record<string, unknown>[]) out.push({ target: Object.keys(a)[0] as string, key });
  const m = typeof o.condition === 'string' ? /^\$\{flowc_w == "(\d+)"\}$/.exec(o.condition) : null;
  for (const [k, v] of Object.entries(o)) if (k !== 'assign') assignments(v, m ? (m[1] as string) : key, out);
}

describe('worker pool: one writer per shared variable', () => {
  it('the dispatcher alone writes flowc_task, worker k alone flowc_ack_k, and nothing else is shared', () => {
    const ir = wideFlow();
    const doc = parse(compile(ir).yaml, { version: '1.1' }) as { main: { steps: Record<string, { parallel?: { shared: string[]; for: { steps: unknown[] } } }>[] } };
    const pool = doc.main.steps.map((s) => Object.values(s)[0]).find((b) => b?.parallel)?.parallel;
    if (!pool) throw new Error('no pool');
    expect(pool.shared).toEqual(['flowc_task', ...Array.from({ length: 19 }, (_, i) => `flowc_ack_${i + 1}`)]);
    const role = (pool.for.steps[0] as { flowc_role: { switch: { condition: unknown; steps: unknown }[] } }).flowc_role.switch;
    expect(role.map((c) => c.condition)).toEqual(['${flowc_w == "0"}', true]);
    const dispatcher: { target: string; key: string | null }[] = [];
    const workers: { target: string; key: string | null }[] = [];
    assignments(role[0]?.steps, null, dispatcher);
    assignments(role[1]?.steps, null, workers);
    const shared = (t: string): boolean => /^flowc_(task|ack_\d+)\b/.test(t);
    expect(dispatcher.filter((a) => shared(a.target) && !a.target.startsWith('flowc_task[')).map((a) => a.target)).toEqual([]);
    expect(dispatcher.some((a) => a.target.startsWith('flowc_task['))).toBe(true);
    const wrong = workers.filter((a) => shared(a.target) && a.target !== `flowc_ack_${a.key}`);
    expect(wrong.map((a) => `${a.target} under worker ${a.key}`)).toEqual([]);
    // Both the success and the failure acknowledgement, for each of the 19 workers.
    expect(workers.filter((a) => shared(a.target)).length).toBe(38);
  });
});

describe('worker pool model (the benchmark and the compile-time estimate)', () => {
  it('with instant polls it is a list schedule: never under the longest path, never over work / workers + longest step', () => {
    const rand = prng(11);
    for (let g = 0; g < 30; g++) {
      const ir = randomFlow(rand, 40, 2);
      const dag = { nodes: ir.steps.map((s) => s.id), edges: ir.edges };
      const d = new Map(ir.steps.map((s) => [s.id, 1 + rand() * 9]));
      const plan = planPool(dag, 5);
      const span = poolMakespan(plan, (id) => d.get(id) as number, { dispatchPoll: 0, workerNaps: [] });
      const finish = new Map<string, number>();
      for (const s of ir.steps) finish.set(s.id, Math.max(0, ...s.needs.map((n) => finish.get(n) as number)) + (d.get(s.id) as number));
      const longest = Math.max(...finish.values());
      const work = [...d.values()].reduce((a, b) => a + b, 0);
      expect(span).toBeGreaterThanOrEqual(longest - 1e-9);
      // Graham's bound for list schedules: work / m + longest path.
      expect(span).toBeLessThanOrEqual(work / 5 + longest + 1e-9);
      expect(poolMakespan(plan, (id) => d.get(id) as number, { dispatchPoll: 10, workerNaps: [10, 20, 40] })).toBeGreaterThanOrEqual(span - 1e-9);
    }
  });
});
