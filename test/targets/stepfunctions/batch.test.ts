import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { fixtureIR } from '../../helpers/fixtures.js';
import { aslErrors, compile, findState, makeIR, step, taskStates } from './helpers.js';
import { batchFileProblems } from './register-job-definition.js';

const at = (line: number) => ({ file: 'flow.yaml', line, col: 3 });
const batchFile = (ir: IR) => {
  const c = compile(ir);
  const file = c.artifacts.find((a) => a.path === `${ir.flow.name}.batch.json`);
  return { c, requests: file ? (JSON.parse(file.contents).jobDefinitions as Record<string, any>[]) : null };
};

describe('Batch job definitions (<name>.batch.json)', () => {
  it('writes one RegisterJobDefinition request per image, and each step submits to the one with its image', () => {
    const steps = [
      step('prep', { image: 'ghcr.io/acme/prep:1.0', resources: { cpuMillis: 500, memoryMiB: 1907.35, gpu: 0 } }),
      step('train', { image: 'ghcr.io/acme/train:2.0', needs: ['prep'], resources: { cpuMillis: 8000, memoryMiB: 32768, gpu: 1 } }),
      step('report', { image: 'ghcr.io/acme/prep:1.0', needs: ['train'] }),
    ];
    const ir = makeIR(steps, { targets: { stepfunctions: { jobQueue: 'q', jobRoleArn: 'arn:aws:iam::123456789012:role/job', logGroup: '/flowc/demo' } } });
    const { c, requests } = batchFile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchFileProblems(c.artifacts.find((a) => a.path === 'demo.batch.json')?.contents ?? '')).toEqual([]);
    expect(requests).toEqual([
      {
        jobDefinitionName: 'demo-prep',
        type: 'container',
        platformCapabilities: ['EC2'],
        containerProperties: {
          image: 'ghcr.io/acme/prep:1.0',
          resourceRequirements: [
            { type: 'VCPU', value: '1' },
            { type: 'MEMORY', value: '1908' },
          ],
          environment: [
            { name: 'FLOWC_FLOW', value: 'demo' },
            { name: 'FLOWC_CONFIG_HASH', value: ir.config.hash },
          ],
          jobRoleArn: 'arn:aws:iam::123456789012:role/job',
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/flowc/demo' } },
        },
      },
      expect.objectContaining({
        jobDefinitionName: 'demo-train',
        containerProperties: expect.objectContaining({
          image: 'ghcr.io/acme/train:2.0',
          resourceRequirements: [
            { type: 'VCPU', value: '8' },
            { type: 'MEMORY', value: '32768' },
            { type: 'GPU', value: '1' },
          ],
        }),
      }),
    ]);
    const def = c.definition as Record<string, any>;
    expect(['prep', 'train', 'report'].map((id) => findState(def, id)?.Parameters.JobDefinition)).toEqual(['demo-prep', 'demo-train', 'demo-prep']);
  });

  it('names the only image after the flow (or jobDefinition), so single-image flows keep their name', () => {
    expect(batchFile(makeIR([step('a')], { targets: {} })).requests?.map((r) => r.jobDefinitionName)).toEqual(['demo']);
    expect(batchFile(makeIR([step('a')])).requests?.map((r) => r.jobDefinitionName)).toEqual(['jobdef-1']);
  });

  it('submits to the latest revision of the definition it writes: a pinned revision is dropped with FLOWC628 (the ml-training fixture)', () => {
    const ir = fixtureIR('ml-training');
    const { c, requests } = batchFile(ir);
    expect(c.diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC628', 'warning']]);
    expect(c.diagnostics.items[0]?.message).toBe(
      "jobDefinition 'content-model:7' names revision 7, whose image flowc cannot see; flowc writes job definition 'content-model' with image 'ghcr.io/acme/content-model:2.7.1' to content-model.batch.json and submits to its latest revision",
    );
    expect(c.diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(requests?.map((r) => [r.jobDefinitionName, r.containerProperties.image])).toEqual([['content-model', 'ghcr.io/acme/content-model:2.7.1']]);
    for (const s of taskStates(c.definition as Record<string, any>).values()) expect(s.Parameters.JobDefinition).toBe('content-model');
  });

  it('refuses a definition it cannot write (an ARN) and two images on one name (FLOWC627), writing nothing', () => {
    const arn = makeIR([step('a')], { targets: { stepfunctions: { jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/theirs:3' } } });
    const c1 = compile(arn);
    expect(c1.artifacts).toEqual([]);
    expect(c1.diagnostics.errors().map((d) => [d.code, d.span?.line])).toEqual([['FLOWC627', 1]]);
    expect(c1.diagnostics.errors()[0]?.message).toContain("jobDefinition 'arn:aws:batch:us-east-1:123456789012:job-definition/theirs:3' is not a job definition name");
    const shared = makeIR([step('a', { image: 'img:1' }), step('b', { image: 'img:2' })], { targets: { stepfunctions: { jobDefinitions: { 'img:1': 'same', 'img:2': 'same' } } } });
    const c2 = compile(shared);
    expect(c2.artifacts).toEqual([]);
    expect(c2.diagnostics.errors().map((d) => d.message)).toEqual([
      "images 'img:1' and 'img:2' would share job definition 'same', but a Batch job runs its definition's image and cannot override it; give each image its own name in targets.stepfunctions.jobDefinitions",
    ]);
  });

  it('on Fargate: fractional vCPUs, networking, platform version, and an execution role required (FLOWC662)', () => {
    const ir = makeIR([step('a', { resources: { cpuMillis: 250, memoryMiB: 512, gpu: 0 } })], {
      targets: { stepfunctions: { platform: 'FARGATE', executionRoleArn: 'arn:aws:iam::123456789012:role/exec', assignPublicIp: true } },
    });
    const { c, requests } = batchFile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchFileProblems(c.artifacts.find((a) => a.path === 'demo.batch.json')?.contents ?? '')).toEqual([]);
    expect(requests?.[0]).toMatchObject({
      platformCapabilities: ['FARGATE'],
      containerProperties: {
        resourceRequirements: [
          { type: 'VCPU', value: '0.25' },
          { type: 'MEMORY', value: '512' },
        ],
        executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        networkConfiguration: { assignPublicIp: 'ENABLED' },
        fargatePlatformConfiguration: { platformVersion: 'LATEST' },
      },
    });
    expect(findState(c.definition as Record<string, any>, 'a')?.Parameters.ContainerOverrides.ResourceRequirements[0]).toEqual({ Type: 'VCPU', Value: '0.25' });
    const noRole = compile(makeIR([step('a')], { targets: { stepfunctions: { platform: 'FARGATE' } } }));
    expect(noRole.artifacts).toEqual([]);
    expect(noRole.diagnostics.errors().map((d) => [d.code, d.message])).toEqual([
      ['FLOWC662', 'AWS Batch on Fargate needs an execution role to pull the image and send logs: set targets.stepfunctions.executionRoleArn'],
    ]);
  });

  it("rounds a step up to the smallest Fargate size that holds it, and refuses one larger than Fargate's largest (FLOWC663)", () => {
    const fargate = { platform: 'FARGATE', executionRoleArn: 'arn:aws:iam::123456789012:role/exec' };
    const size = (cpuMillis: number, memoryMiB: number) => {
      const c = compile(makeIR([step('a', { resources: { cpuMillis, memoryMiB, gpu: 0 } })], { targets: { stepfunctions: fargate } }));
      return findState(c.definition as Record<string, any>, 'a')?.Parameters.ContainerOverrides.ResourceRequirements.map((r: { Value: string }) => r.Value);
    };
    // 1 vCPU allows 2-8 GiB; 0.25 vCPU 512, 1024 or 2048 MiB; 3 vCPUs need the 4-vCPU size (8-30 GiB).
    expect(size(1000, 2048)).toEqual(['1', '2048']);
    expect(size(1000, 1000)).toEqual(['1', '2048']);
    expect(size(250, 1100)).toEqual(['0.25', '2048']);
    expect(size(3000, 4096)).toEqual(['4', '8192']);
    expect(size(500, 5000)).toEqual(['1', '5120']);
    expect(size(16000, 122880)).toEqual(['16', '122880']);
    const big = compile(makeIR([step('huge', { resources: { cpuMillis: 16000, memoryMiB: 131072, gpu: 0 }, origin: at(20) })], { targets: { stepfunctions: fargate } }));
    expect(big.artifacts).toEqual([]);
    expect(big.diagnostics.errors().map((d) => [d.code, d.span, d.message])).toEqual([
      ['FLOWC663', at(20), "step 'huge' asks for 16 vCPUs and 131072 MiB, more than AWS Batch on Fargate's largest size (16 vCPUs, 122880 MiB); use targets.stepfunctions.platform: EC2"],
    ]);
  });

  it('has a checker that catches what the API refuses', () => {
    const file = (d: Record<string, unknown>) => JSON.stringify({ jobDefinitions: [d] });
    const base = { jobDefinitionName: 'x', type: 'container', platformCapabilities: ['FARGATE'], containerProperties: { image: 'i', executionRoleArn: 'arn:aws:iam::1:role/e' } };
    const withRes = (vcpu: string, mem: string) => file({ ...base, containerProperties: { ...base.containerProperties, resourceRequirements: [{ type: 'VCPU', value: vcpu }, { type: 'MEMORY', value: mem }] } });
    expect(batchFileProblems(withRes('1', '2048'))).toEqual([]);
    expect(batchFileProblems(withRes('1', '1024'))).toEqual(['x: 1 vCPU with 1024 MiB is not a Fargate size']);
    expect(batchFileProblems(file({ ...base, containerProperties: { ...base.containerProperties, imagee: 'typo' } }))).not.toEqual([]);
    expect(batchFileProblems(file({ ...base, platformCapabilities: ['EC2'], containerProperties: { image: 'i', resourceRequirements: [{ type: 'VCPU', value: '0.5' }] } }))).toEqual(['x: 0.5 vCPUs on EC2']);
  });

  it('is not written for ECS compute (the task definitions stay the user\'s)', () => {
    const c = compile(makeIR([step('a')], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } }));
    expect(c.artifacts.map((a) => a.path)).toEqual(['demo.asl.json']);
  });
});

describe('GPU steps and Fargate', () => {
  const gpuStep = step('train', { resources: { cpuMillis: 4000, memoryMiB: 16384, gpu: 2 }, origin: at(14) });

  it('refuses a GPU step on Batch Fargate or ECS Fargate (FLOWC625), at the step', () => {
    const batch = compile(makeIR([gpuStep], { targets: { stepfunctions: { platform: 'FARGATE', executionRoleArn: 'arn:aws:iam::1:role/x' } } }));
    expect(batch.artifacts).toEqual([]);
    expect(batch.diagnostics.errors().map((d) => [d.code, d.span, d.message])).toEqual([
      ['FLOWC625', at(14), "step 'train' asks for 2 GPUs, but AWS Batch on Fargate has no GPUs; set targets.stepfunctions.platform: EC2 (with GPU instances) to run it"],
    ]);
    // ECS's default launch type is FARGATE.
    const ecs = compile(makeIR([gpuStep], { targets: { stepfunctions: { compute: 'ecs', ecs: { subnets: ['subnet-1'] } } } }));
    expect(ecs.diagnostics.errors().map((d) => [d.code, d.span?.line])).toEqual([['FLOWC625', 14]]);
    expect(ecs.diagnostics.errors()[0]?.message).toContain('Amazon ECS on Fargate has no GPUs; set targets.stepfunctions.ecs.launchType: EC2');
  });

  it('runs a GPU step on EC2 (Batch default, ECS launchType EC2)', () => {
    expect(compile(makeIR([gpuStep])).diagnostics.items).toEqual([]);
    const ecs = compile(makeIR([gpuStep], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } }));
    expect(ecs.diagnostics.items).toEqual([]);
    expect(findState(ecs.definition as Record<string, any>, 'train')?.Parameters.LaunchType).toBe('EC2');
  });
});

describe('ARN partitions', () => {
  const resources = (c: ReturnType<typeof compile>) => [...taskStates(c.definition as Record<string, any>).values()].map((s) => s.Resource);

  it('take the partition from the region: GovCloud and China', () => {
    const gov = compile(makeIR([step('a')], { targets: { stepfunctions: { region: 'us-gov-west-1' } } }));
    expect(resources(gov)).toEqual(['arn:aws-us-gov:states:::batch:submitJob.sync']);
    const cn = compile(makeIR([step('a')], { targets: { stepfunctions: { region: 'cn-north-1', compute: 'ecs', ecs: { launchType: 'EC2' } } } }));
    expect(resources(cn)).toEqual(['arn:aws-cn:states:::ecs:runTask.sync']);
    expect(aslErrors(gov.definition as object)).toEqual([]);
  });

  it('builds the scheduled state machine ARN in the region\'s partition', () => {
    const ir = makeIR([step('a')], {
      schedule: { cron: '0 3 * * *', timezone: null, origin: at(4) },
      targets: { stepfunctions: { region: 'us-gov-east-1', account: '123456789012', scheduleRoleArn: 'arn:aws-us-gov:iam::123456789012:role/s' } },
    });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    const schedule = JSON.parse(c.artifacts.find((a) => a.path === 'demo.schedule.json')?.contents ?? '{}');
    expect(schedule.Target.Arn).toBe('arn:aws-us-gov:states:us-gov-east-1:123456789012:stateMachine:demo');
  });

  it('take the partition from a given ARN, or the partition option', () => {
    const fromArn = compile(makeIR([step('a')], { targets: { stepfunctions: { jobQueue: 'arn:aws-cn:batch:cn-northwest-1:123456789012:job-queue/q' } } }));
    expect(resources(fromArn)).toEqual(['arn:aws-cn:states:::batch:submitJob.sync']);
    const explicit = compile(makeIR([step('a')], { targets: { stepfunctions: { partition: 'aws-iso' } } }));
    expect(resources(explicit)).toEqual(['arn:aws-iso:states:::batch:submitJob.sync']);
    expect(resources(compile(makeIR([step('a')])))).toEqual(['arn:aws:states:::batch:submitJob.sync']);
  });

  it('refuses options in two partitions (FLOWC626)', () => {
    const c = compile(makeIR([step('a')], { targets: { stepfunctions: { region: 'us-gov-west-1', jobRoleArn: 'arn:aws:iam::123456789012:role/job' } } }));
    expect(c.artifacts).toEqual([]);
    expect(c.diagnostics.errors().map((d) => [d.code, d.span?.line, d.message])).toEqual([
      ['FLOWC626', 1, "the options name two AWS partitions: region 'us-gov-west-1' is in 'aws-us-gov', jobRoleArn 'arn:aws:iam::123456789012:role/job' is in 'aws'; one state machine runs in one partition"],
    ]);
  });
});

describe('timeouts', () => {
  it('bound the running time of each Batch attempt, not the queue: Timeout.AttemptDurationSeconds, no TimeoutSeconds', () => {
    const c = compile(makeIR([step('a', { timeoutSeconds: 5400 })]));
    const a = findState(c.definition as Record<string, any>, 'a') as Record<string, any>;
    expect(a.Parameters.Timeout).toEqual({ AttemptDurationSeconds: 5400 });
    expect(a).not.toHaveProperty('TimeoutSeconds');
    expect(aslErrors(c.definition as object)).toEqual([]);
  });

  it("raise a timeout under Batch's 60-second minimum to 60, with FLOWC629 at the step", () => {
    const c = compile(makeIR([step('quick', { timeoutSeconds: 30, origin: at(9) })]));
    expect(c.diagnostics.items.map((d) => [d.code, d.severity, d.span, d.message])).toEqual([
      ['FLOWC629', 'warning', at(9), "step 'quick': timeout 30s is under AWS Batch's minimum job timeout of 60s, so each attempt may run for 60s"],
    ]);
    expect(findState(c.definition as Record<string, any>, 'quick')?.Parameters.Timeout).toEqual({ AttemptDurationSeconds: 60 });
  });

  it('stay the Task timeout on ECS, which has no running-time limit of its own', () => {
    const c = compile(makeIR([step('a', { timeoutSeconds: 30 })], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } }));
    expect(c.diagnostics.items).toEqual([]);
    expect(findState(c.definition as Record<string, any>, 'a')?.TimeoutSeconds).toBe(30);
  });
});

describe('submission errors are retried apart from the step retry', () => {
  /**
   * Runs a one-step machine whose Task fails with the given error names in turn, then succeeds.
   * Retry waits are overridden to 0 ms (aws-local-stepfunctions `retryIntervalOverrides`) so the
   * test waits on nothing; the count of calls is what is checked.
   */
  async function run(ir: IR, errors: string[]): Promise<{ calls: number; error?: string }> {
    const def = compile(ir).definition as Record<string, any>;
    let calls = 0;
    const machine = new StateMachine(structuredClone(def) as never, { validationOptions: { noValidate: true } });
    const execution = machine.run({} as never, {
      overrides: {
        taskResourceLocalHandlers: {
          a: async () => {
            const name = errors[calls++];
            if (name === undefined) return { Status: 'SUCCEEDED' };
            const e = new Error(`${name} from the test`);
            e.name = name;
            throw e;
          },
        },
        retryIntervalOverrides: { a: 0 },
      },
      context: { Execution: { Name: 'r' } },
    } as never);
    try {
      await execution.result;
      return { calls };
    } catch (e) {
      return { calls, error: (e as { cause?: { name?: string } }).cause?.name ?? (e as Error).name };
    }
  }
  const throttled = 'Batch.AWSBatchException';

  it('a throttled SubmitJob does not fail a step with retry: 0', async () => {
    expect(await run(makeIR([step('a')]), [throttled, throttled, 'Batch.ServerException'])).toEqual({ calls: 4 });
  });

  it("throttling does not spend the step's retries; a failed job does", async () => {
    const ir = makeIR([step('a', { retry: { limit: 1, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })]);
    expect(await run(ir, [throttled, throttled, 'States.TaskFailed', throttled])).toEqual({ calls: 5 });
    expect(await run(ir, ['States.TaskFailed', throttled, 'States.TaskFailed'])).toMatchObject({ calls: 3, error: 'States.TaskFailed' });
  });

  it('a failed job still fails a step with retry: 0 at once', async () => {
    expect(await run(makeIR([step('a')]), ['States.TaskFailed'])).toMatchObject({ calls: 1, error: 'States.TaskFailed' });
  });

  it('retries ECS submission errors the same way, before the step retrier', () => {
    const ir = makeIR([step('a', { retry: { limit: 1, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } });
    const a = findState(compile(ir).definition as Record<string, any>, 'a');
    expect(a?.Retry.map((r: { ErrorEquals: string[] }) => r.ErrorEquals)).toEqual([
      ['ECS.AmazonECSException', 'ECS.ServerException', 'ECS.ThrottlingException', 'ECS.SdkClientException'],
      ['States.ALL'],
    ]);
  });

  it('gives up after 8 throttled submissions, with full jitter, capped at 60 s', async () => {
    expect(await run(makeIR([step('a')]), Array(9).fill(throttled))).toMatchObject({ calls: 9, error: throttled });
    const a = findState(compile(makeIR([step('a')])).definition as Record<string, any>, 'a');
    expect(a?.Retry).toEqual([
      { ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException', 'Batch.SdkClientException'], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
    ]);
  });
});
