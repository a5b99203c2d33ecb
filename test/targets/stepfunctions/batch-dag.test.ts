import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { aslErrors, checkExecution, compile, makeIR, param, step } from './helpers.js';
import { runBatchDag } from './batch-sim.js';

const RUN_ID = 'dag-run';
const at = (line: number) => ({ file: 'flow.yaml', line, col: 3 });
const withDag = (ir: IR, o: Record<string, unknown> = {}): IR => ({ ...ir, targets: { stepfunctions: { ...(ir.targets.stepfunctions as object), ...o } } });

/** The smallest graph that is not series-parallel (an N): d needs a and b, c needs a only. */
const nFlow = (over: Partial<Record<'a' | 'b' | 'c' | 'd', Partial<IRStep>>> = {}): IRStep[] => [
  step('a', { origin: at(2), ...over.a }),
  step('b', { origin: at(4), ...over.b }),
  step('c', { needs: ['a'], origin: at(6), ...over.c }),
  step('d', { needs: ['a', 'b'], origin: at(8), ...over.d }),
];

const codes = (c: ReturnType<typeof compile>) => c.diagnostics.items.map((d) => d.code);
const states = (c: ReturnType<typeof compile>) => (c.definition as Record<string, any>).States as Record<string, any>;
const isDag = (c: ReturnType<typeof compile>) => Object.values(states(c)).some((s) => String(s.Resource).endsWith(':batch:submitJob'));

describe('Batch DAG: a flow that is not series-parallel runs as AWS Batch job dependencies', () => {
  it('submits every job in topological order with DependsOn on the jobs it needs, then looks at each sink', () => {
    const c = compile(makeIR(nFlow()));
    expect(c.diagnostics.items).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    expect(Object.keys(def.States)).toEqual([
      'flowc-jobs', 'a', 'b', 'c', 'd',
      'c-look', 'c-status', 'c-wait', 'c-failed',
      'd-look', 'd-status', 'd-wait', 'd-failed',
      'flowc-succeeded',
    ]);
    const s = def.States;
    expect(s['flowc-jobs']).toEqual({ Type: 'Pass', Result: { jobs: {} }, Next: 'a' });
    expect(s.a.Resource).toBe('arn:aws:states:::batch:submitJob');
    expect(s.a.Parameters.DependsOn).toBeUndefined();
    expect(s.a.Parameters['DependsOn.$']).toBeUndefined();
    expect(s.c.Parameters['DependsOn.$']).toBe('States.Array($.jobs.a)');
    expect(s.d.Parameters['DependsOn.$']).toBe('States.Array($.jobs.a, $.jobs.b)');
    expect(s.d).toMatchObject({ ResultSelector: { 'JobId.$': '$.JobId' }, ResultPath: '$.jobs.d', Next: 'c-look' });
    // Only submission errors are retried by the Task: a job's own retry is Batch's.
    expect(s.d.Retry.map((r: any) => r.ErrorEquals[0])).toEqual(['Batch.AWSBatchException']);
    expect(s['c-look']).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:batch:describeJobs', Parameters: { 'Jobs.$': 'States.Array($.jobs.c.JobId)' }, Next: 'c-status' });
    expect(s['c-status'].Choices.map((x: any) => [x.StringEquals, x.Next])).toEqual([['SUCCEEDED', 'd-look'], ['FAILED', 'c-failed']]);
    expect(s['c-status'].Default).toBe('c-wait');
    expect(s['c-wait']).toEqual({ Type: 'Wait', Seconds: 60, Next: 'c-look' });
    expect(s['d-status'].Choices[0].Next).toBe('flowc-succeeded');
    expect(s['d-failed']).toMatchObject({ Type: 'Fail', Error: 'FLOWC.StepFailed' });
  });

  it('depends only on needs that no other need already waits for (transitive reduction)', () => {
    // e needs a, b and c; c needs a: a is implied. Not series-parallel (b -> f alone).
    const steps = [step('a'), step('b'), step('c', { needs: ['a'] }), step('e', { needs: ['a', 'b', 'c'] }), step('f', { needs: ['b'] })];
    const c = compile(makeIR(steps));
    expect(codes(c)).toEqual([]);
    expect(states(c).e.Parameters['DependsOn.$']).toBe('States.Array($.jobs.b, $.jobs.c)');
  });

  it('runs in aws-local-stepfunctions against a simulated Batch queue: every step once, after its needs, with its command and environment', async () => {
    const ir = makeIR(nFlow({ a: { retry: { limit: 2, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } } }), {
      parameters: [param({ name: 'date', default: '2026-01-01' })],
    });
    const steps = ir.steps.map((s) => (s.id === 'd' ? { ...s, exec: { kind: 'command' as const, argv: [[{ kind: 'lit' as const, value: 'run-' }, { kind: 'param' as const, name: 'date' }]] } } : s));
    const flow = { ...ir, steps };
    const c = compile(flow);
    expect(codes(c)).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    expect(def.States.a.Parameters.RetryStrategy).toEqual({ Attempts: 3 });
    const run = await runBatchDag(def, { date: '2026-12-07' }, { runId: RUN_ID, ticks: (s) => (s === 'b' ? 3 : 1) });
    expect(run.refused).toEqual([]);
    expect(run.error).toBeUndefined();
    expect(checkExecution(flow, def, run, { input: { date: '2026-12-07' }, runId: RUN_ID, includeConfig: true })).toEqual([]);
    // c starts while b still runs: nothing makes c wait for b (nested Parallel states would).
    const rec = new Map(run.records.map((r) => [r.state, r]));
    expect([rec.get('c')?.start, rec.get('b')?.end]).toEqual([1.5, 3]);
    expect(run.jobs.every((j) => j.status === 'SUCCEEDED')).toBe(true);
  });

  it('fails the execution when a job fails: Batch fails its dependents without running them, and the sink shows it', async () => {
    const c = compile(makeIR(nFlow()));
    const def = c.definition as Record<string, any>;
    const run = await runBatchDag(def, {}, { runId: RUN_ID, fails: new Set(['b']) });
    expect(run.refused).toEqual([]);
    expect(run.error?.name).toBe('FLOWC.StepFailed');
    expect(run.error?.message).toContain("step 'd'");
    const status = new Map(run.jobs.map((j) => [j.step, [j.status, j.ran]]));
    expect(status.get('b')).toEqual(['FAILED', 1]);
    expect(status.get('d')).toEqual(['FAILED', 0]);
    expect(status.get('c')).toEqual(['SUCCEEDED', 1]);
  });

  it('random DAGs that are not series-parallel: valid ASL, every step once and after its needs, and a failing step fails the run', async () => {
    const arbDag = fc.integer({ min: 4, max: 24 }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { minLength: n, maxLength: n * 3 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: n, maxLength: n }),
        fc.nat(n - 1),
      ),
    );
    let dags = 0;
    await fc.assert(
      fc.asyncProperty(arbDag, async ([n, pairs, durations, failing]) => {
        const needs = Array.from({ length: n }, () => new Set<number>());
        for (const [x, y] of pairs) if (x !== y) needs[Math.max(x, y)]?.add(Math.min(x, y));
        const steps = needs.map((ns, i) => step(`s${i}`, { needs: [...ns].sort((a, b) => a - b).map((j) => `s${j}`) }));
        const ir = makeIR(steps);
        const c = compile(ir);
        expect(c.diagnostics.errors()).toEqual([]);
        if (!isDag(c)) {
          // Series-parallel: the blocks are exact, so nothing is reported.
          expect(codes(c)).toEqual([]);
          return;
        }
        dags++;
        const def = c.definition as Record<string, any>;
        expect(aslErrors(def)).toEqual([]);
        const ticks = (s: string) => durations[Number(s.slice(1))] as number;
        const ok = await runBatchDag(def, {}, { runId: RUN_ID, ticks });
        expect(ok.refused).toEqual([]);
        expect(checkExecution(ir, def, ok, { input: {}, runId: RUN_ID, includeConfig: true })).toEqual([]);
        const bad = await runBatchDag(def, {}, { runId: RUN_ID, ticks, fails: new Set([`s${failing}`]) });
        expect(bad.error?.name).toBe('FLOWC.StepFailed');
        // Whatever needs the failed step (directly or not) never ran.
        const down = new Set([`s${failing}`]);
        for (const s of steps) if (s.needs.some((x) => down.has(x))) down.add(s.id);
        for (const j of bad.jobs) if (down.has(j.step) && j.step !== `s${failing}`) expect([j.step, j.ran]).toEqual([j.step, 0]);
      }),
      { numRuns: 40 },
    );
    expect(dags).toBeGreaterThan(10);
  });
});
