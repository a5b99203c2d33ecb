import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { HISTORY_MAX_EVENTS, planMaps } from '../../../src/targets/stepfunctions/history.js';
import { aslErrors, checkExecution, compile, findState, makeIR, param, runMachine, specProblems, step } from './helpers.js';

const RUN_ID = 'map-run';
const items = (n: number) => Array.from({ length: n }, (_, i) => `i${i}`);
const foreachIR = (n: number, parallelism: number | null, over: Partial<IRStep> = {}) =>
  makeIR([step('fan', { foreach: { items: items(n), from: null, parallelism }, exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'item', path: [] }, { kind: 'lit', value: ' ' }, { kind: 'run', field: 'id' }] }, ...over })]);
const mode = (ir: IR) => findState(compile(ir).definition as Record<string, any>, 'fan-foreach')?.ItemProcessor.ProcessorConfig.Mode;

describe('foreach Map mode', () => {
  it('runs a static foreach of thousands of items with parallelism 100 as a Distributed Map; it validates and runs', async () => {
    const ir = makeIR(
      [step('fan', { foreach: { items: items(3000), from: null, parallelism: 100 }, exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'item', path: [] }, { kind: 'lit', value: ' ' }, { kind: 'run', field: 'id' }, { kind: 'lit', value: ' ' }, { kind: 'param', name: 'day' }] } })],
      { parameters: [param({ name: 'day', default: 'mon' })] },
    );
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    const def = c.definition as Record<string, any>;
    const map = findState(def, 'fan-foreach') as Record<string, any>;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.items',
      // The child execution has its own $$.Execution.Name: the parent's run id comes as `run`.
      ItemSelector: { 'params.$': '$.params', 'item.$': '$$.Map.Item.Value', 'run.$': '$$.Execution.Name' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      MaxConcurrency: 100,
      Label: 'fan',
      ResultPath: null,
    });
    expect(map.ItemProcessor.States.fan).toMatchObject({ ResultPath: null, OutputPath: null, End: true });
    expect(map.ItemProcessor.States.fan.Parameters.ContainerOverrides.Environment).toContainEqual({ Name: 'FLOWC_RUN_ID', 'Value.$': '$.run' });
    expect(aslErrors(def)).toEqual([]);
    expect(specProblems(ir, def, { input: {}, runId: RUN_ID, includeConfig: true })).toEqual([]);
    const run = await runMachine(def, {}, { runId: RUN_ID, delayMs: () => 0 });
    expect(checkExecution(ir, def, run, { input: {}, runId: RUN_ID, includeConfig: true })).toEqual([]);
  });

  it('stays inline up to 40 items at once, and goes Distributed above (an inline Map runs at most 40)', () => {
    expect(mode(foreachIR(100, 40))).toBe('INLINE');
    expect(mode(foreachIR(100, 41))).toBe('DISTRIBUTED');
    expect(mode(foreachIR(40, null))).toBe('INLINE');
    expect(mode(foreachIR(41, null))).toBe('DISTRIBUTED');
    // More parallelism than items: only the items run at once.
    expect(mode(foreachIR(40, 500))).toBe('INLINE');
  });

  it("warns (FLOWC664) when parallelism is over the 10,000 a Distributed Map runs at once, at the step", () => {
    const at = { file: 'flow.yaml', line: 7, col: 3 };
    const warned = compile(foreachIR(10_001, 20_000, { origin: at }));
    expect(warned.diagnostics.items.map((d) => [d.code, d.severity, d.span])).toEqual([['FLOWC664', 'warning', at]]);
    expect(warned.diagnostics.items[0]?.message).toMatch(/^step 'fan': parallelism 20000 is over the 10000 child executions a Distributed Map runs at once, so at most 10000 of its 10001 items run at once/);
    // Not when no more than 10,000 items could run at once anyway.
    expect(compile(foreachIR(10_000, 20_000)).diagnostics.items).toEqual([]);
  });

  it('goes Distributed when the inline items would take the history over 25,000 events (8 per item)', () => {
    // 2 (execution) + 2 (items Pass) + 4 (Map) + 8 per item: 3,124 items make exactly 25,000.
    expect(mode(foreachIR(3124, 1))).toBe('INLINE');
    expect(mode(foreachIR(3125, 1))).toBe('DISTRIBUTED');
    // Each retry adds 4 events per item (TaskFailed, TaskScheduled, TaskStarted, TaskSubmitted).
    const retry = { limit: 2, delaySeconds: 1, backoff: 1, maxDelaySeconds: null };
    expect(mode(foreachIR(1562, 1, { retry }))).toBe('INLINE');
    expect(mode(foreachIR(1563, 1, { retry }))).toBe('DISTRIBUTED');
    expect(compile(foreachIR(1563, 1, { retry })).diagnostics.items).toEqual([]);
  });

  it('refuses a flow whose run exceeds 25,000 events even when nothing fails (FLOWC660), with the numbers', () => {
    const steps = Array.from({ length: 4200 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`] }));
    const ir = makeIR(steps);
    const diagnostics = new DiagnosticBag();
    planMaps({ ir, block: lowerGraph(ir).block, flowSpan: { file: 'flow.yaml', line: 1, col: 1 }, diagnostics });
    expect(diagnostics.items.map((d) => [d.code, d.severity, d.span?.line])).toEqual([['FLOWC660', 'error', 1]]);
    // 2 + 4,200 Tasks x 6 = 25,202.
    expect(diagnostics.items[0]?.message).toBe(
      `a run of this flow writes about 25202 execution history events even when every step succeeds at once, 202 over a Standard execution's limit of ${HISTORY_MAX_EVENTS} (6 per Task, 4 more per retry, 8 per inline Map item, 4 per Parallel; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)`,
    );
  });

  it('warns (FLOWC661) when a run that spends every retry could exceed 25,000 events', () => {
    const retry = { limit: 5, delaySeconds: 1, backoff: 1, maxDelaySeconds: null };
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`], retry }));
    const c = compile(makeIR(steps));
    expect(c.diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC661', 'warning']]);
    // 2 + 1,000 x (6 + 5 x 4) = 26,002.
    expect(c.diagnostics.items[0]?.message).toMatch(/^a run in which every step spends all its retries writes about 26002 execution history events, 1002 over/);
    expect(c.artifacts.length).toBeGreaterThan(0);
  });
});
