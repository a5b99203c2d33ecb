import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IR, IRStep } from '../../../src/ir/types.js';
import type { Json } from '../../../src/source/tree.js';
import { aslErrors, checkExecution, compile, makeIR, param, specProblems, step } from './helpers.js';
import { runBatchDag, withoutDependsOn } from './batch-sim.js';

const RUN_ID = 'dag-run';
const at = (line: number) => ({ file: 'flow.yaml', line, col: 3 });
const withDag = (ir: IR, o: Record<string, Json> = {}): IR => ({ ...ir, targets: { stepfunctions: { ...(ir.targets.stepfunctions as object), ...o } } });

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
    // The spec evaluator renders each submission's overrides exactly as the IR asks.
    expect(specProblems(flow, withoutDependsOn(def), { input: { date: '2026-12-07' }, runId: RUN_ID, includeConfig: true })).toEqual([]);
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
    const arbDag = fc.integer({ min: 4, max: 16 }).chain((n) =>
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
      { numRuns: 30 },
    );
    expect(dags).toBeGreaterThan(8);
  });
});

describe('Batch DAG: when it is not used', () => {
  const blocksOnly = (c: ReturnType<typeof compile>) => !isDag(c) && Object.values(states(c)).some((x) => x.Type === 'Parallel');
  const notes = (c: ReturnType<typeof compile>) => c.diagnostics.items.find((d) => d.code === 'FLOWC605')?.notes ?? [];

  it('keeps nested blocks for a series-parallel flow (already exact), unless dag is batch', () => {
    const diamond = [step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })];
    const auto = compile(makeIR(diamond));
    expect(codes(auto)).toEqual([]);
    expect(Object.keys(states(auto))).toEqual(['a', 'parallel-1-b-to-c', 'd']);
    const forced = compile(withDag(makeIR(diamond), { dag: 'batch' }));
    expect(codes(forced)).toEqual([]);
    expect(isDag(forced)).toBe(true);
    expect(states(forced).d.Parameters['DependsOn.$']).toBe('States.Array($.jobs.b, $.jobs.c)');
  });

  it('dag: blocks keeps nested blocks, and FLOWC605 says why', () => {
    const c = compile(withDag(makeIR(nFlow()), { dag: 'blocks' }));
    expect(codes(c)).toEqual(['FLOWC605']);
    expect(blocksOnly(c)).toBe(true);
    expect(notes(c)).toContain('targets.stepfunctions.dag is blocks');
  });

  const retryDelay = { retry: { limit: 2, delaySeconds: 30, backoff: 2, maxDelaySeconds: null } };
  const cases: [string, IR, string, number][] = [
    ['ECS compute', withDag(makeIR(nFlow()), { compute: 'ecs', ecs: { launchType: 'EC2' } }), 'steps run as ECS tasks (compute: ecs), which have no job dependencies', 1],
    ['a foreach step', makeIR(nFlow({ c: { foreach: { items: ['x', 'y'], from: null, parallelism: null } } })), "step 'c' is a foreach step, whose items a single Batch job cannot carry", 6],
    [
      'a step with outputs',
      withDag(makeIR(nFlow({ b: { outputs: [{ name: 'n', type: 'string', origin: at(5) }] } })), { datastore: 's3://bucket/prefix' }),
      "step 'b' publishes outputs, which travel through the state machine",
      4,
    ],
    ['a retry delay', makeIR(nFlow({ d: retryDelay })), "step 'd' retries after a delay of 30 s, and AWS Batch retries a job at once", 8],
    ['more than 10 attempts', makeIR(nFlow({ a: { retry: { limit: 10, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } } })), "step 'a' makes up to 11 attempts, and an AWS Batch job at most 10", 2],
  ];
  for (const [what, ir, reason, line] of cases) {
    it(`${what}: auto keeps nested blocks and FLOWC605 says why; dag: batch is FLOWC653 at the cause`, () => {
      const auto = compile(ir);
      expect(auto.diagnostics.errors()).toEqual([]);
      expect(codes(auto)).toContain('FLOWC605');
      expect(isDag(auto)).toBe(false);
      expect(notes(auto)).toContain(`not run as AWS Batch job dependencies (targets.stepfunctions.dag): ${reason}`);
      const batch = compile(withDag(ir, { dag: 'batch' }));
      expect(batch.artifacts).toEqual([]);
      expect(batch.diagnostics.errors().map((d) => [d.code, d.message, d.span])).toEqual([['FLOWC653', `targets.stepfunctions.dag is batch, but ${reason}`, { file: 'flow.yaml', line, col: line === 1 ? 1 : 3 }]]);
    });
  }

  it('FLOWC605 gives three reasons at most, and says how many more', () => {
    const each = { retry: { limit: 1, delaySeconds: 5, backoff: 1, maxDelaySeconds: null } };
    const c = compile(makeIR(nFlow({ a: each, b: each, c: each, d: each })));
    expect(notes(c).slice(1)).toEqual([
      "not run as AWS Batch job dependencies (targets.stepfunctions.dag): step 'a' retries after a delay of 5 s, and AWS Batch retries a job at once",
      "not run as AWS Batch job dependencies (targets.stepfunctions.dag): step 'b' retries after a delay of 5 s, and AWS Batch retries a job at once",
      "not run as AWS Batch job dependencies (targets.stepfunctions.dag): step 'c' retries after a delay of 5 s, and AWS Batch retries a job at once",
      'and 1 more reason (dag: batch lists each as FLOWC653/FLOWC654)',
    ]);
  });

  it('dagPollSeconds sets the Wait between two looks at a final job', () => {
    const c = compile(withDag(makeIR(nFlow()), { dagPollSeconds: 300 }));
    expect(codes(c)).toEqual([]);
    expect(states(c)['c-wait']).toEqual({ Type: 'Wait', Seconds: 300, Next: 'c-look' });
  });

  it('a retry without delay is a Batch RetryStrategy (10 attempts at most)', () => {
    const c = compile(makeIR(nFlow({ a: { retry: { limit: 9, delaySeconds: 0, backoff: 2, maxDelaySeconds: null } } })));
    expect(codes(c)).toEqual([]);
    expect(states(c).a.Parameters.RetryStrategy).toEqual({ Attempts: 10 });
  });

  /** `sink` needs `k` independent steps, and `other` needs the first of them (so the graph is not series-parallel). */
  const wide = (k: number, chained = 0): IRStep[] => {
    const roots = Array.from({ length: k }, (_, i) => step(`r${i}`, { needs: i < chained ? [`r${i + 1}`] : [] }));
    // r0 needs r1, ..., r(chained-1) needs r(chained): written needs of sink that the chain implies.
    const ordered = [...roots].reverse();
    return [...ordered, step('other', { needs: [`r${k - 1}`] }), step('x'), step('sink', { needs: [...roots.map((r) => r.id), 'x'], origin: at(30) })];
  };

  it('a step with more than 20 needs after transitive reduction: auto keeps blocks, dag: batch is FLOWC654 with the numbers', () => {
    const auto = compile(makeIR(wide(20)));
    expect(isDag(auto)).toBe(false);
    const reason = "step 'sink' needs 21 steps that none of its other needs already waits for (21 written), over the 20 jobs an AWS Batch job can depend on";
    expect(notes(auto)).toContain(`not run as AWS Batch job dependencies (targets.stepfunctions.dag): ${reason}`);
    const batch = compile(withDag(makeIR(wide(20)), { dag: 'batch' }));
    expect(batch.artifacts).toEqual([]);
    expect(batch.diagnostics.errors().map((d) => [d.code, d.message, d.span])).toEqual([['FLOWC654', reason, at(30)]]);
  });

  it('a step with 26 written needs of which 20 remain after transitive reduction runs as a Batch DAG', () => {
    const c = compile(makeIR(wide(25, 6)));
    expect(codes(c)).toEqual([]);
    const deps = (states(c).sink.Parameters['DependsOn.$'] as string).split(', ');
    expect(deps).toHaveLength(20);
  });

  it('a flow whose submissions alone would exceed the history or payload limits: FLOWC653 with dag: batch', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`] }));
    const c = compile(withDag(makeIR(steps), { dag: 'batch' }));
    // Nested blocks are over their limits too (FLOWC660, FLOWC603): that is partitioning's part.
    expect(c.diagnostics.errors().filter((d) => d.code === 'FLOWC653').map((d) => [d.code, d.message])).toEqual([
      ['FLOWC653', 'targets.stepfunctions.dag is batch, but submitting 5000 jobs and looking once at each of 1 final ones writes 25011 execution history events, over the limit of 25000'],
      ['FLOWC653', "targets.stepfunctions.dag is batch, but the 5000 job ids the state carries take about 283890 bytes, over the 262144 a state's input can hold"],
    ]);
  });
});
