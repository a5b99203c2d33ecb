import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { findTarget } from '../../../src/targets/index.js';
import { stepFunctionsTarget } from '../../../src/targets/stepfunctions/index.js';
import { SFN_OPTIONS_SCHEMA } from '../../../src/targets/stepfunctions/options.js';
import { submissionRetrier } from '../../../src/targets/stepfunctions/task.js';
import { fixtureIR } from '../../helpers/fixtures.js';
import { aslErrors, checkExecution, compile, findState, lit, makeIR, param, runMachine, specProblems, step } from './helpers.js';

const RUN_ID = 'unit-run';

async function runsCleanly(ir: IR, input: Record<string, unknown> = {}): Promise<void> {
  const c = compile(ir);
  expect(c.diagnostics.errors()).toEqual([]);
  const def = c.definition as Record<string, any>;
  expect(aslErrors(def)).toEqual([]);
  const includeConfig = !c.diagnostics.items.some((d) => d.code === 'FLOWC606');
  expect(specProblems(ir, def, { input, runId: RUN_ID, includeConfig })).toEqual([]);
  const run = await runMachine(def, input, { runId: RUN_ID });
  expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig })).toEqual([]);
}

describe('registration and options', () => {
  it('is registered as stepfunctions with the alias sfn', () => {
    expect(findTarget('sfn')).toBe(stepFunctionsTarget);
    expect(findTarget('stepfunctions')).toBe(stepFunctionsTarget);
    expect(stepFunctionsTarget.files).toEqual(['<name>.asl.json', '<name>.schedule.json', '<name>.batch.json']);
  });

  it('has an options schema that accepts the documented options and refuses bad ones', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(SFN_OPTIONS_SCHEMA);
    expect(validate({ jobQueue: 'q', jobDefinition: 'jd', jobDefinitions: { 'python:3.12': 'py' } })).toBe(true);
    expect(validate({ compute: 'ecs', ecs: { cluster: 'c', taskDefinition: 't', subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: true } })).toBe(true);
    expect(validate({ compute: 'ecs', ecs: { launchType: 'EC2' } })).toBe(true);
    // FARGATE (the default launch type) needs subnets; ECS needs its section.
    expect(validate({ compute: 'ecs', ecs: { taskDefinition: 't' } })).toBe(false);
    expect(validate({ compute: 'ecs' })).toBe(false);
    expect(validate({ compute: 'lambda' })).toBe(false);
    expect(validate({ jobQueu: 'typo' })).toBe(false);
    expect(validate({ account: '12' })).toBe(false);
    expect(validate({ scheduleRoleArn: 'role' })).toBe(false);
  });

  it('defaults the job queue and definition to the flow name', () => {
    const c = compile(makeIR([step('a')], { targets: {} }));
    const a = findState(c.definition as Record<string, any>, 'a') as Record<string, any>;
    expect(a.Parameters.JobQueue).toBe('demo');
    expect(a.Parameters.JobDefinition).toBe('demo');
    expect(a.Parameters.JobName).toBe('demo-a');
  });
});

describe('Batch tasks', () => {
  it('submits a Batch job per step with the step command, environment and resources, and waits for it', () => {
    const ir = makeIR([step('a', { resources: { cpuMillis: 500, memoryMiB: 1907.3486328125, gpu: 2 }, exec: { kind: 'run', script: lit('echo hi') } })]);
    const a = findState(compile(ir).definition as Record<string, any>, 'a') as Record<string, any>;
    expect(a.Type).toBe('Task');
    expect(a.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(a.ResultPath).toBeNull();
    expect(a.Parameters.JobQueue).toBe('queue-1');
    expect(a.Parameters.JobDefinition).toBe('jobdef-1');
    expect(a.Parameters.ContainerOverrides.Command).toEqual(['sh', '-c', 'echo hi']);
    // Whole vCPUs on EC2 (the default platform; 500m becomes 1); memory in whole MiB, rounded up (2G = 1907.35 MiB).
    expect(a.Parameters.ContainerOverrides.ResourceRequirements).toEqual([
      { Type: 'VCPU', Value: '1' },
      { Type: 'MEMORY', Value: '1908' },
      { Type: 'GPU', Value: '2' },
    ]);
    expect(a.Parameters.ContainerOverrides.Environment.map((e: { Name: string }) => e.Name)).toEqual([
      'FLOWC_FLOW',
      'FLOWC_STEP',
      'FLOWC_RUN_ID',
      'FLOWC_CONFIG_HASH',
      'FLOWC_CONFIG',
    ]);
    expect(a.Parameters.ContainerOverrides.Environment[2]).toEqual({ Name: 'FLOWC_RUN_ID', 'Value.$': '$$.Execution.Name' });
  });

  it('maps images to job definitions, and gives each unmapped image its own (a job cannot override its image)', () => {
    const steps = [step('a', { image: 'img:1' }), step('b', { image: 'img:2', needs: ['a'] }), step('c', { image: 'img:3', needs: ['b'] })];
    const mapped = compile(makeIR(steps, { targets: { stepfunctions: { jobDefinition: 'fallback', jobDefinitions: { 'img:1': 'one', 'img:2': 'two' } } } }));
    const def = mapped.definition as Record<string, any>;
    expect(['a', 'b', 'c'].map((id) => findState(def, id)?.Parameters.JobDefinition)).toEqual(['one', 'two', 'fallback']);
    expect(mapped.diagnostics.items).toEqual([]);
    // Before issue 13 the three images all ran 'jobdef-1' (whatever image it held), with a warning.
    const shared = compile(makeIR(steps));
    expect(shared.diagnostics.items).toEqual([]);
    expect(['a', 'b', 'c'].map((id) => findState(shared.definition as Record<string, any>, id)?.Parameters.JobDefinition)).toEqual(['jobdef-1-a', 'jobdef-1-b', 'jobdef-1-c']);
  });
});

describe('ECS tasks', () => {
  // A GPU step needs the EC2 launch type: Fargate has no GPUs (FLOWC625, batch.test.ts).
  const ecsIR = (over: Record<string, unknown> = {}) =>
    makeIR([step('a', { resources: { cpuMillis: 1500, memoryMiB: 3072, gpu: 1 } }), step('b', { needs: ['a'] })], {
      targets: { stepfunctions: { compute: 'ecs', ecs: { cluster: 'ml', taskDefinition: 'td', containerName: 'worker', launchType: 'EC2', subnets: ['subnet-1'], securityGroups: ['sg-1'], ...over } } },
    });

  it('runs each step as an ECS task with container overrides and networking', async () => {
    const ir = ecsIR();
    const a = findState(compile(ir).definition as Record<string, any>, 'a') as Record<string, any>;
    expect(a.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(a.Parameters).toMatchObject({
      Cluster: 'ml',
      LaunchType: 'EC2',
      TaskDefinition: 'td',
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' } },
    });
    const o = a.Parameters.Overrides.ContainerOverrides[0];
    expect(o.Name).toBe('worker');
    expect(o.Command).toEqual(['python', 'a.py']);
    expect([o.Cpu, o.Memory, o.ResourceRequirements]).toEqual([1536, 3072, [{ Type: 'GPU', Value: '1' }]]);
    await runsCleanly(ir);
  });

  it('warns (FLOWC624) when images share a task definition, whose image a task cannot override', () => {
    const ir = makeIR([step('a', { image: 'img:1' }), step('b', { image: 'img:2', needs: ['a'] })], {
      targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2', taskDefinition: 'td' } } },
    });
    const c = compile(ir);
    expect(c.diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC624', 'warning']]);
    expect(c.diagnostics.items[0]?.message).toContain("'img:1', 'img:2' all run task definition 'td'");
  });

  it('leaves networking out for the EC2 launch type without subnets', () => {
    const ir = makeIR([step('a')], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } });
    const a = findState(compile(ir).definition as Record<string, any>, 'a') as Record<string, any>;
    expect(Object.keys(a.Parameters)).toEqual(['LaunchType', 'TaskDefinition', 'Overrides']);
    expect(a.Parameters.TaskDefinition).toBe('demo');
  });
});

describe('retry and timeout', () => {
  const submission = submissionRetrier('batch');

  it("become the job's AttemptDurationSeconds and a Retrier after the submission retrier (the resilient fixture)", () => {
    const def = compile(fixtureIR('resilient')).definition as Record<string, any>;
    expect(findState(def, 'fetch')).toMatchObject({
      Parameters: { Timeout: { AttemptDurationSeconds: 900 } },
      Retry: [submission, { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 3, MaxDelaySeconds: 300 }],
    });
    expect(findState(def, 'parse')).toMatchObject({
      Parameters: { Timeout: { AttemptDurationSeconds: 9000 } },
      Retry: [submission, { ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 600 }],
    });
    // retry: 0 means no Retrier of the step's own; the timeout never counts time in the queue.
    expect(findState(def, 'load')?.Retry).toEqual([submission]);
    expect(findState(def, 'load')?.Parameters.Timeout).toEqual({ AttemptDurationSeconds: 3600 });
    for (const id of ['fetch', 'parse', 'load']) expect(findState(def, id)).not.toHaveProperty('TimeoutSeconds');
  });

  it('raises a zero delay to the 1-second minimum and omits MaxDelaySeconds when unbounded', () => {
    const ir = makeIR([step('a', { retry: { limit: 2, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } })]);
    expect(findState(compile(ir).definition as Record<string, any>, 'a')?.Retry).toEqual([submission, { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }]);
  });

  it('applies retry and timeout to each item of a foreach step', () => {
    const ir = makeIR([step('a', { foreach: { items: ['x', 'y'], from: null, parallelism: 1 }, retry: { limit: 1, delaySeconds: 5, backoff: 2, maxDelaySeconds: 60 }, timeoutSeconds: 120 })]);
    const def = compile(ir).definition as Record<string, any>;
    expect(findState(def, 'a-foreach')).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.items' });
    expect(findState(def, 'a')).toMatchObject({ Parameters: { Timeout: { AttemptDurationSeconds: 120 } }, Retry: [submission, { IntervalSeconds: 5, MaxAttempts: 1 }] });
  });
});

describe('state names', () => {
  it('are the step ids for tasks, unique, at most 80 characters, and stable', () => {
    const long = (c: string) => c.repeat(40);
    const ids = ['a', 'b', 'c', 'd'].map(long);
    const ir = makeIR([
      step(ids[0] as string),
      step(ids[1] as string, { needs: [ids[0] as string] }),
      step(ids[2] as string, { needs: [ids[0] as string] }),
      step(ids[3] as string, { needs: [ids[1] as string, ids[2] as string], foreach: { items: [1, 2], from: null, parallelism: null } }),
    ]);
    const c = compile(ir);
    const names: string[] = [];
    const visit = (states: Record<string, any>) => {
      for (const [n, s] of Object.entries(states)) {
        names.push(n);
        for (const b of s.Branches ?? []) visit(b.States);
        if (s.ItemProcessor) visit(s.ItemProcessor.States);
      }
    };
    visit((c.definition as Record<string, any>).States);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(80);
    for (const id of ids) expect(names).toContain(id);
    expect(names.find((n) => n.startsWith('parallel-1-'))).toBe(`parallel-1-${ids[1]}-to-${ids[2]}`.slice(0, 80));
    expect(compile(ir).text).toBe(c.text);
  });

  it('cuts long parameter names in Fail state names and keeps them unique', () => {
    const a = 'p'.repeat(70);
    const b = `${'p'.repeat(69)}q`;
    const ir = makeIR([step('s', { exec: { kind: 'command', argv: [[{ kind: 'param', name: a }], [{ kind: 'param', name: b }]] } })], {
      parameters: [param({ name: a, required: true }), param({ name: b, required: true })],
    });
    const c = compile(ir);
    const names = Object.keys((c.definition as Record<string, any>).States);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(80);
    expect(aslErrors(c.definition as object)).toEqual([]);
  });
});

describe('graph lowering in the state machine', () => {
  it('warns with FLOWC605 naming the ordering added for the N graph', () => {
    // Nested blocks, asked for: by default this graph runs as Batch job dependencies (batch-dag.test.ts).
    const ir = makeIR([step('a'), step('b'), step('c', { needs: ['a'], origin: { file: 'flow.yaml', line: 12, col: 3 } }), step('d', { needs: ['a', 'b'] })], {
      targets: { stepfunctions: { jobQueue: 'queue-1', jobDefinition: 'jobdef-1', dag: 'blocks' } },
    });
    const c = compile(ir);
    expect(c.diagnostics.items.map((d) => [d.code, d.severity, d.span?.line])).toEqual([['FLOWC605', 'warning', 12]]);
    expect(c.diagnostics.items[0]?.message).toContain('added orderings: c waits for b');
    const def = c.definition as Record<string, any>;
    expect(def.StartAt).toBe('parallel-1-a-to-b');
    expect(def.States['parallel-1-a-to-b'].Next).toBe('parallel-2-c-to-d');
  });

  it('runs a diamond as a Task, a Parallel of two Tasks, and a Task, without warnings', async () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })]);
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(Object.keys(def.States)).toEqual(['a', 'parallel-1-b-to-c', 'd']);
    expect(def.States['parallel-1-b-to-c']).toMatchObject({ Type: 'Parallel', ResultPath: null, Next: 'd' });
    await runsCleanly(ir);
    // b and c really run at the same time: each starts before the other ends.
    const run = await runMachine(def, {}, { runId: RUN_ID, delayMs: () => 5 });
    const [rb, rc] = ['b', 'c'].map((id) => run.records.find((r) => r.state === id)) as unknown as [{ start: number; end: number }, { start: number; end: number }];
    expect(rb.start < rc.end && rc.start < rb.end).toBe(true);
  });

  it('records the flowc version and config hash in the Comment', () => {
    const ir = makeIR([step('a')]);
    expect((compile(ir).definition as Record<string, any>).Comment).toBe(
      `demo | generated by flowc 0.1.0 from flow.yaml (sha256 ${'0'.repeat(64)}) | config sha256 ${ir.config.hash}`,
    );
  });
});
