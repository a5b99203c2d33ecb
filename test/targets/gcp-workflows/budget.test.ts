import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import type { IR, IRString } from '../../../src/ir/types.js';
import { estimateMemory, estimateSteps } from '../../../src/targets/gcp-workflows/budget.js';
import { fitLimits } from '../../../src/targets/gcp-workflows/fit-limits.js';
import { dagAsBlock, dagSteps, planDag } from '../../../src/targets/gcp-workflows/dag-scheduler.js';
import { readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { buildWorkflow, type Layout } from '../../../src/targets/gcp-workflows/workflow.js';
import { fixtureIR } from '../../helpers/fixtures.js';
import { compiledFixtures } from '../refused.js';
import { boundToSample, checkExecution, compile, execute, lit, makeIR, sampleArgs, sampleWrites, step } from './helpers.js';

/** The step and memory estimates for a flow, as the target computes them. */
function estimates(ir: IR, layout: Layout = 'full', includeConfig = true) {
  const lowered = lowerGraph(ir);
  // A graph that is not series-parallel runs as the exact DAG schedule when it fits (index.ts).
  const dag = lowered.exact ? null : planDag(ir, lowered.block);
  const block = dag ? dagAsBlock(ir, dag) : fitLimits(lowered.block, (id) => ir.steps.some((s) => s.id === id && s.foreach !== null)).block;
  const built = buildWorkflow({ ir, options: readOptions(ir), block, dag, diagnostics: new DiagnosticBag(), layout, includeConfig });
  const steps = estimateSteps(ir, block, built);
  const extra = dag ? dagSteps(dag) : 0;
  return { steps: { ...steps, least: steps.least + extra, most: steps.most + extra }, memory: estimateMemory(ir, block, built) };
}

const items = (n: number): string[] => Array.from({ length: n }, (_, i) => `i${i}`);
/** A run script past the expression limit with `${`: `flowc_text` joins it before every call. */
const longScript: IRString = [{ kind: 'lit', value: `echo "\${FLOWC_ITEM}" ${'x'.repeat(40_000)}` }];

/**
 * Workflows stops an execution at 100,000 steps (https://cloud.google.com/workflows/quotas); the
 * interpreter counts every step as the engine does and stops there too.
 */
describe('steps of one execution', () => {
  it.each(compiledFixtures('gcp-workflows'))('fixture %s: the estimate is the interpreter\'s count when every job succeeds', async (name) => {
    const ir = boundToSample(fixtureIR(name));
    // No argument at all is the longest start (an empty map is made); with a required parameter a run needs one.
    const e = await execute(compile(ir).yaml, ir.parameters.some((p) => p.required) ? sampleArgs(ir) : null, { writes: sampleWrites(ir) });
    expect(checkExecution(ir, e)).toEqual([]);
    // Each poll of a DAG schedule's wait (a look and a sleep) depends on job durations; the
    // estimate counts the rest (docs/targets/gcp-workflows.md, "Exact DAGs").
    expect(estimates(ir).steps.least).toBe(e.steps - 2 * (e.sleeps ?? 0));
  });

  it('the most is the count when every retry is used (a timed-out job each time, then success)', async () => {
    const ir = makeIR([
      step('a', { retry: { limit: 3, delaySeconds: 1, backoff: 1, maxDelaySeconds: null }, timeoutSeconds: 10 }),
      step('b', { needs: ['a'], foreach: { items: ['p', 'q'], from: null, parallelism: 1 }, exec: { kind: 'run', script: longScript }, retry: { limit: 1, delaySeconds: 1, backoff: 1, maxDelaySeconds: null }, timeoutSeconds: 10 }),
    ]);
    const e = await execute(compile(ir).yaml, null, { hangs: (s, _i, n) => n <= (s === 'a' ? 3 : 1) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(estimates(ir).steps.most).toBe(e.steps);
    const calm = await execute(compile(ir).yaml, null);
    expect(estimates(ir).steps.least).toBe(calm.steps);
  });

  it('a 2,000-item foreach of a 10-argument command fits: it runs to the end inside the 100,000 steps', async () => {
    const argv = [lit('python'), lit('fan.py'), ...Array.from({ length: 4 }, (_, i) => [lit(`--opt${i}`), [{ kind: 'item' as const, path: [] }]]).flat()];
    const ir = makeIR([step('fan', { foreach: { items: items(2000), from: null, parallelism: null }, exec: { kind: 'command', argv } })]);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    const e = await execute(yaml, null, { duration: () => 1 });
    expect(e.error).toBeNull();
    expect(e.jobs).toHaveLength(2000);
    expect(e.steps).toBe(estimates(ir, 'compact').steps.least);
    expect(e.steps).toBeLessThan(100_000);
  });

  it('FLOWC603: a flow whose every job succeeding still takes over 100,000 steps is refused, with the numbers', () => {
    const ir = makeIR([step('fan', { foreach: { items: items(1000), from: null, parallelism: 5 }, exec: { kind: 'run', script: longScript } })]);
    const { diagnostics, artifacts } = compile(ir);
    const d = diagnostics.items.find((x) => x.code === 'FLOWC603');
    const least = estimates(ir, 'compact').steps.least;
    expect(least).toBeGreaterThan(100_000);
    expect(d?.message).toBe(`one execution, with every job succeeding at its first attempt, is ${least} steps, ${least - 100_000} over the limit of 100000 steps on steps one execution runs (https://cloud.google.com/workflows/quotas)`);
    expect(d?.notes?.[0]).toMatch(/^the steps that take the most: step 'fan': 1000 items x \d+ steps = \d+$/);
    expect(d?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(artifacts).toEqual([]);
  });

  it('FLOWC648: warns when only a run that uses every retry would go over', () => {
    const ir = makeIR([step('fan', { foreach: { items: items(2000), from: null, parallelism: null }, retry: { limit: 5, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })]);
    const { diagnostics, artifacts } = compile(ir);
    const { least, most } = estimates(ir, 'compact').steps;
    expect(diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC648', 'warning']]);
    expect(diagnostics.items[0]?.message).toBe(
      `one execution takes ${least} steps when every job succeeds at its first attempt, but ${most} if every retry is used: over the limit of 100000 steps on steps one execution runs (https://cloud.google.com/workflows/quotas), where Workflows stops the run`,
    );
    expect(diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(artifacts).toHaveLength(1);
  });
});

/** Workflows holds at most 512 KB of variables in one execution (https://cloud.google.com/workflows/quotas). */
describe('memory of one execution', () => {
  it('FLOWC606: leaves FLOWC_CONFIG out when its copies in the jobs running at once would pass 512 KB', () => {
    const values = { app: { blob: 'x'.repeat(20_000) } };
    const ir = makeIR([step('fan', { foreach: { items: items(20), from: null, parallelism: null } })], { config: { hash: 'c'.repeat(64), values } });
    expect(estimates(ir).memory.bytes).toBeGreaterThan(512 * 1024);
    const { diagnostics, yaml } = compile(ir);
    expect(diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC606', 'warning']]);
    expect(diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, the variables of one execution, with 20 jobs running at once \(the largest holding about \d+ bytes: its arguments, env and job body\), is \d+ bytes, \d+ over the limit of 524288 bytes on memory of the variables of one execution/);
    expect(yaml).not.toContain('FLOWC_CONFIG:');
    expect(Buffer.byteLength(yaml)).toBeLessThan(64 * 1024);
  });

  it('FLOWC603: refuses a flow whose jobs running at once hold more than 512 KB, with the numbers', () => {
    const big = lit('v'.repeat(10_000));
    const ir = makeIR([step('fan', { foreach: { items: items(30), from: null, parallelism: 25 }, env: [{ name: 'BIG', value: big }] })]);
    const { diagnostics, artifacts } = compile(ir);
    // Leaving FLOWC_CONFIG out was tried first; it is not enough.
    const m = estimates(ir, 'full', false).memory;
    expect(m.concurrent).toBe(20);
    const d = diagnostics.items.find((x) => x.code === 'FLOWC603');
    expect(d?.message).toBe(
      `the variables of one execution, with 20 jobs running at once (the largest holding about ${m.perCall} bytes: its arguments, env and job body), is ${m.bytes} bytes, ${m.bytes - 524288} over the limit of 524288 bytes on memory of the variables of one execution (https://cloud.google.com/workflows/quotas)`,
    );
    expect(artifacts).toEqual([]);
    // Two at a time fit.
    const two = makeIR([step('fan', { foreach: { items: items(30), from: null, parallelism: 2 }, env: [{ name: 'BIG', value: big }] })]);
    expect(compile(two).diagnostics.items).toEqual([]);
  });
});
