import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import type { IR } from '../../../src/ir/types.js';
import { arbIR } from '../../helpers/arbitrary-flow.js';
import { aslErrors, aslOrder, checkExecution, closure, compile, fullInput, runMachine, sampleInput, specProblems } from './helpers.js';
import { isBatchDag, runBatchDag, withoutDependsOn } from './batch-sim.js';

const RUN_ID = 'prop-run';
const withOptions = (ir: IR): IR => ({
  ...ir,
  targets: { stepfunctions: { jobQueue: 'q', jobDefinition: 'jd', region: 'eu-west-1', account: '123456789012', scheduleRoleArn: 'arn:aws:iam::123456789012:role/scheduler' } },
});

async function checkFlow(ir: IR, o: { exact: boolean }): Promise<void> {
  const c = compile(ir);
  expect(c.diagnostics.errors()).toEqual([]);
  const def = c.definition as Record<string, any>;
  expect(aslErrors(def)).toEqual([]);
  if (isBatchDag(def)) return checkBatchDag(ir, c, def);
  const order = aslOrder(def);
  const required = closure(ir);
  for (const [a, b] of ir.edges) expect(order.has(`${a}>${b}`), `${a} -> ${b}`).toBe(true);
  const extra = [...order].filter((p) => !required.has(p)).sort();
  expect(extra).toEqual(lowerGraph(ir).addedOrderings.map(([a, b]) => `${a}>${b}`).sort());
  if (o.exact) expect(extra).toEqual([]);
  expect(c.diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(extra.length > 0);
  expect(c.artifacts.some((a) => a.path.endsWith('.schedule.json'))).toBe(ir.schedule !== null);
  const includeConfig = !c.diagnostics.items.some((d) => d.code === 'FLOWC606');
  for (const input of ir.parameters.length > 0 ? [sampleInput(ir), fullInput(ir)] : [{}]) {
    expect(specProblems(ir, def, { input, runId: RUN_ID, includeConfig })).toEqual([]);
    const run = await runMachine(def, input, { runId: RUN_ID, delayMs: (s, n) => (s.length * 3 + n) % 3 });
    expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig })).toEqual([]);
  }
}

async function checkBatchDag(ir: IR, c: ReturnType<typeof compile>, def: Record<string, any>): Promise<void> {
  expect(lowerGraph(ir).exact).toBe(false);
  expect(c.diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(false);
  const includeConfig = !c.diagnostics.items.some((d) => d.code === 'FLOWC606');
  for (const input of ir.parameters.length > 0 ? [sampleInput(ir), fullInput(ir)] : [{}]) {
    expect(specProblems(ir, withoutDependsOn(def), { input, runId: RUN_ID, includeConfig })).toEqual([]);
    const run = await runBatchDag(def, input, { runId: RUN_ID });
    expect(run.refused).toEqual([]);
    expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig })).toEqual([]);
  }
}

describe('random flows of up to 30 steps', () => {
  it('series-parallel ones lower exactly, validate, and run every step once in order with their parameters', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 30, seriesParallelOnly: true }), (ir) => checkFlow(withOptions(ir), { exact: true })),
      { numRuns: 25 },
    );
  });

  it('any DAG validates and runs every step once, every edge respected, the added orderings named', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 30 }), (ir) => checkFlow(withOptions(ir), { exact: false })),
      { numRuns: 25 },
    );
  });
});
