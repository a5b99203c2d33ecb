import type { IR, IRResources, IRRetry, IRStep } from '../../ir/types.js';
import { containerSpec } from './container.js';
import type { SfnOptions } from './options.js';
import { intrinsicArg, type RenderContext, type Rendered, renderString, setRendered } from './render-string.js';
import { cappedRetry } from '../retry.js';
import { SFN_LIMITS } from './limits.js';

/** An ASL state as a plain object; keys are inserted in the order they are printed. */
export type AslState = Record<string, unknown>;

/** Service integrations that wait for the job (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync). */
export const BATCH_SUBMIT_JOB_SYNC = 'arn:aws:states:::batch:submitJob.sync';
export const ECS_RUN_TASK_SYNC = 'arn:aws:states:::ecs:runTask.sync';

export interface TaskRequest {
  ir: IR;
  step: IRStep;
  options: SfnOptions;
  render: RenderContext;
  /** Whether FLOWC_CONFIG fits the container-override limit (decided in limits.ts). */
  includeConfig: boolean;
}

export interface BuiltTask {
  state: AslState;
  /** The container overrides as sent to Batch/ECS, for the 8,192-character limit. */
  overrides: Record<string, unknown>;
}

/**
 * The Task state of one step: a Batch `submitJob.sync` (default) or ECS `runTask.sync`, whose
 * result is discarded (`ResultPath: null`) so the state's input, with the run's parameters,
 * reaches the next state unchanged. Retry and timeout are the step's own.
 */
export function taskState(req: TaskRequest): BuiltTask {
  const { step, options } = req;
  const spec = containerSpec(req.ir, step, { includeConfig: req.includeConfig });
  const command = spec.argv.map((a) => renderString(a, req.render));
  const environment = spec.env.map((v) => {
    const entry: Record<string, unknown> = { Name: v.name };
    setRendered(entry, 'Value', renderString(v.value, req.render));
    return entry;
  });
  let parameters: Record<string, unknown>;
  let overrides: Record<string, unknown>;
  let resource: string;
  if (options.compute === 'batch') {
    resource = BATCH_SUBMIT_JOB_SYNC;
    overrides = {};
    setCommand(overrides, command);
    overrides.Environment = environment;
    overrides.ResourceRequirements = batchResources(step.resources);
    parameters = {
      // Batch job names allow letters, digits, '-' and '_' (128 at most): flow and step ids fit.
      JobName: `${req.ir.flow.name}-${step.id}`,
      JobQueue: options.jobQueue,
      JobDefinition: options.jobDefinitionFor(step.image),
      ContainerOverrides: overrides,
    };
  } else {
    resource = ECS_RUN_TASK_SYNC;
    overrides = { Name: options.ecs.containerName };
    setCommand(overrides, command);
    overrides.Environment = environment;
    // Container-level CPU units (1,024 per vCPU) and MiB; the task size stays the task
    // definition's, since Fargate accepts only fixed CPU/memory pairs at the task level.
    overrides.Cpu = Math.max(1, Math.round((step.resources.cpuMillis * 1024) / 1000));
    overrides.Memory = Math.ceil(step.resources.memoryMiB);
    if (step.resources.gpu > 0) overrides.ResourceRequirements = [{ Type: 'GPU', Value: String(step.resources.gpu) }];
    parameters = {};
    if (options.ecs.cluster !== null) parameters.Cluster = options.ecs.cluster;
    parameters.LaunchType = options.ecs.launchType;
    parameters.TaskDefinition = options.ecs.taskDefinitionFor(step.image);
    if (options.ecs.subnets.length > 0) {
      const vpc: Record<string, unknown> = { Subnets: options.ecs.subnets };
      if (options.ecs.securityGroups.length > 0) vpc.SecurityGroups = options.ecs.securityGroups;
      vpc.AssignPublicIp = options.ecs.assignPublicIp ? 'ENABLED' : 'DISABLED';
      parameters.NetworkConfiguration = { AwsvpcConfiguration: vpc };
    }
    parameters.Overrides = { ContainerOverrides: [overrides] };
  }
  const state: AslState = { Type: 'Task', Resource: resource, Parameters: parameters, ResultPath: null };
  if (step.timeoutSeconds !== null) state.TimeoutSeconds = step.timeoutSeconds;
  const retry = retryPolicy(step.retry);
  if (retry) state.Retry = [retry];
  return { state, overrides };
}

/**
 * A plain `Command` list when every argument is literal (always so for a `run` step, whose script
 * is literal text); otherwise `Command.$` with `States.Array(...)`, since a JSONPath payload
 * template cannot hold a `.$` inside a list.
 */
function setCommand(target: Record<string, unknown>, argv: Rendered[]): void {
  if (argv.every((a) => a.kind === 'plain')) target.Command = argv.map((a) => (a.kind === 'plain' ? a.value : ''));
  else target['Command.$'] = `States.Array(${argv.map(intrinsicArg).join(', ')})`;
}

/**
 * Batch `ResourceRequirements` (https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html):
 * VCPU as a decimal number of vCPUs (Fargate takes fractions), MEMORY in whole MiB (rounded up),
 * GPU only when the step asks for one.
 */
function batchResources(r: IRResources): Record<string, string>[] {
  const out = [
    { Type: 'VCPU', Value: String(r.cpuMillis / 1000) },
    { Type: 'MEMORY', Value: String(Math.ceil(r.memoryMiB)) },
  ];
  if (r.gpu > 0) out.push({ Type: 'GPU', Value: String(r.gpu) });
  return out;
}

/**
 * A step's retry as an ASL Retrier (https://states-language.net/#retrying-after-error):
 * every error, `limit` retries. IntervalSeconds must be a positive integer, so a zero delay
 * becomes 1 second (the smallest the service allows). None when the step does not retry.
 */
export function retryPolicy(policy: IRRetry | null): AslState | null {
  if (policy === null || policy.limit <= 0) return null;
  // Every wait under the MaxDelaySeconds bound (src/targets/retry.ts).
  const retry = cappedRetry(policy, SFN_LIMITS);
  const r: AslState = {
    ErrorEquals: ['States.ALL'],
    IntervalSeconds: Math.max(1, Math.ceil(retry.delaySeconds)),
    MaxAttempts: retry.limit,
    BackoffRate: retry.backoff,
  };
  if (retry.maxDelaySeconds !== null) r.MaxDelaySeconds = Math.max(1, Math.ceil(retry.maxDelaySeconds));
  return r;
}
