import type { IR, IRRetry, IRStep } from '../../ir/types.js';
import { containerSpec } from './container.js';
import { batchResources } from './job-definitions.js';
import { readStepOptions, type SfnOptions } from './options.js';
import { escapeIntrinsicLiteral, intrinsicArg, type RenderContext, type Rendered, renderString, RUN_ID_PATH, setRendered } from './render-string.js';
import { outputKeyParts } from './datastore.js';
import { INDEX_PATH } from './outputs.js';
import { OUTPUTS_URI_VAR, wrappedArgv } from './wrapper.js';
import { cappedRetry } from '../retry.js';
import { SFN_LIMITS } from './limits.js';

/** An ASL state as a plain object; keys are inserted in the order they are printed. */
export type AslState = Record<string, unknown>;

/**
 * Service integrations that wait for the job (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync),
 * in the state machine's partition: AWS documents them as `arn:aws:states:::...`, and the CDK
 * builds them as `arn:${AWS::Partition}:states:::...`.
 */
export const batchSubmitJobSync = (partition: string): string => `arn:${partition}:states:::batch:submitJob.sync`;
export const ecsRunTaskSync = (partition: string): string => `arn:${partition}:states:::ecs:runTask.sync`;

/** Batch refuses a job timeout under 60 seconds (https://docs.aws.amazon.com/batch/latest/APIReference/API_JobTimeout.html). */
export const BATCH_MIN_TIMEOUT_SECONDS = 60;

/**
 * Errors of the submission itself, not of the job: Batch and ECS API errors surface as
 * `Batch.<exception>` / `ECS.<exception>`. A throttled `SubmitJob` (HTTP 429,
 * TooManyRequestsException, which the Batch API does not model) arrives as
 * `Batch.AWSBatchException`; server errors as `Batch.ServerException`. A failed job is
 * `States.TaskFailed`, which is not listed, so these retries never hide a failing step.
 */
export const SUBMISSION_ERRORS = {
  batch: ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException', 'Batch.SdkClientException'],
  ecs: ['ECS.AmazonECSException', 'ECS.ServerException', 'ECS.ThrottlingException', 'ECS.SdkClientException'],
} as const;

/**
 * The retrier for submission errors, first in `Retry` so it matches before the step's own
 * `States.ALL` retrier and never spends its attempts: exponential backoff from 2 s, each delay
 * at most 60 s, with full jitter so throttled tasks of a wide Parallel or Map do not retry in
 * step. 8 attempts span about 5 minutes.
 */
export function submissionRetrier(compute: 'batch' | 'ecs'): AslState {
  return { ErrorEquals: [...SUBMISSION_ERRORS[compute]], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' };
}

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
  let command = spec.argv.map((a) => renderString(a, req.render));
  const environment = spec.env.map((v) => {
    const entry: Record<string, unknown> = { Name: v.name };
    setRendered(entry, 'Value', renderString(v.value, req.render));
    return entry;
  });
  // A step with outputs runs wrapped (wrapper.ts), told where to upload them.
  if (step.outputs.length > 0 && options.datastore !== null) {
    command = wrappedArgv(step, options.outputUploader, command, (value): Rendered => ({ kind: 'plain', value }));
    environment.push({ Name: OUTPUTS_URI_VAR, 'Value.$': outputsUri(req) });
  }
  let parameters: Record<string, unknown>;
  let overrides: Record<string, unknown>;
  let resource: string;
  if (options.compute === 'batch') {
    resource = batchSubmitJobSync(options.partition);
    overrides = {};
    setCommand(overrides, command);
    overrides.Environment = environment;
    overrides.ResourceRequirements = batchResources(step.resources, options.batch.platform);
    parameters = {
      // Batch job names allow letters, digits, '-' and '_' (128 at most): flow and step ids fit.
      JobName: `${req.ir.flow.name}-${step.id}`,
      JobQueue: options.jobQueueFor(step),
      JobDefinition: options.jobDefinitionFor(step),
      ContainerOverrides: overrides,
    };
    // The step's timeout bounds each attempt's running time, as on Argo; time in the queue
    // does not count (a state-level TimeoutSeconds would count it).
    if (step.timeoutSeconds !== null) parameters.Timeout = { AttemptDurationSeconds: Math.max(BATCH_MIN_TIMEOUT_SECONDS, step.timeoutSeconds) };
  } else {
    resource = ecsRunTaskSync(options.partition);
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
    // The step's job role (its own or the flow's) as the task role: RunTask can override it
    // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html).
    const role = readStepOptions(req.ir, step).jobRoleArn;
    if (role !== null) (parameters.Overrides as Record<string, unknown>).TaskRoleArn = role;
  }
  const state: AslState = { Type: 'Task', Resource: resource, Parameters: parameters, ResultPath: null };
  // ECS has no running-time limit of its own: the state's timeout (provisioning included) is it.
  if (step.timeoutSeconds !== null && options.compute === 'ecs') state.TimeoutSeconds = step.timeoutSeconds;
  const retry = retryPolicy(step.retry);
  state.Retry = retry ? [submissionRetrier(options.compute), retry] : [submissionRetrier(options.compute)];
  return { state, overrides };
}

/** `States.Format` of `s3://<bucket>/<prefix>/<flow>/<run id>/<step>[/<task index>]`. */
function outputsUri(req: TaskRequest): string {
  const datastore = req.options.datastore;
  if (datastore === null) throw new Error('internal: outputs without a datastore');
  const foreach = req.step.foreach !== null;
  const { beforeRun, afterRun } = outputKeyParts({ datastore, flowName: req.ir.flow.name, stepId: req.step.id, foreach });
  const e = escapeIntrinsicLiteral;
  const template = `${e(`s3://${datastore.bucket}/${beforeRun}`)}{}${e(afterRun)}${foreach ? '{}' : ''}`;
  const runId = req.render.runIdPath ?? RUN_ID_PATH;
  return `States.Format('${template}', ${foreach ? `${runId}, ${INDEX_PATH}` : runId})`;
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
