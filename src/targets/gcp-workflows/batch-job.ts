import type { IRRetry, IRStep } from '../../ir/types.js';
import { CANCEL_SUBWORKFLOW, RETRY_PREDICATE, STEP_SUBWORKFLOW, TEXT_SUBWORKFLOW } from './names.js';
import type { GcpOptions } from './options.js';
import { expr, quote, RUN_ID_VAR } from './render-string.js';
import { cappedRetry } from '../retry.js';
import { GCP_LIMIT_TABLE } from './limits.js';

/** One step of a Workflows step list: `{ name: body }`. */
export type WStep = Record<string, unknown>;
export const wstep = (name: string, body: Record<string, unknown>): WStep => ({ [name]: body });

/** The Cloud Batch connector, which creates a job and waits for it to finish. */
export const BATCH_CONNECTOR = 'googleapis.batch.v1.projects.locations.jobs.create';
/** Deletes a job, stopping it if it still runs (https://cloud.google.com/workflows/docs/reference/googleapis/batch/v1/projects.locations.jobs/delete). */
export const BATCH_DELETE = 'googleapis.batch.v1.projects.locations.jobs.delete';
/** How long the delete call waits for Batch to confirm: deleting stops the job's VMs first. */
export const DELETE_TIMEOUT_SECONDS = 600;

/** A flow retry policy as the four Workflows `retry` values. */
export interface RetryValues {
  max_retries: number;
  initial_delay: number;
  max_delay: number;
  multiplier: number;
}

/**
 * What one call of `flowc_step` runs, all known at compile time except the run-time values that
 * appear in it as expressions (parameters, the foreach item, the run id). Written at the call site
 * so a reader of the definition sees what each step runs; the key order is the order written.
 */
export interface JobArgs extends RetryValues {
  image: string;
  entrypoint: unknown;
  commands: unknown[];
  /** The step's own env (FLOWC_ITEM, run-script variables, user env); the FLOWC_* every step shares are added by `flowc_step`. */
  env: Record<string, unknown> | null;
  cpu_milli: number;
  memory_mib: number;
  /** Batch `allocationPolicy.instances`: machine type, GPUs, provisioning model, boot disk; null for Batch's choice. */
  instances: unknown[] | null;
  /** Batch `allocationPolicy.location` from `allowedZones`, null for any zone of the region. */
  location: { allowedLocations: string[] } | null;
  /** Batch `environment.secretVariables`: env name to Secret Manager version path; null for none. */
  secrets: Record<string, string> | null;
  /** Batch `taskSpec.volumes`: the datastore bucket for a step with outputs (outputs.ts); null for none. */
  volumes: unknown[] | null;
  /** Batch `taskSpec.maxRunDuration` (`"<seconds>s"`), or null for Batch's default. */
  max_run_duration: string | null;
  /** How long the connector waits for the job, in seconds. */
  timeout: number;
}

/** The `JobArgs` a call may leave out when they equal the subworkflow's defaults (compact layout). */
export const DEFAULTABLE = ['image', 'cpu_milli', 'memory_mib', 'max_run_duration', 'timeout', 'max_retries', 'initial_delay', 'max_delay', 'multiplier'] as const;
export type Defaults = Pick<JobArgs, (typeof DEFAULTABLE)[number]>;

/**
 * A flow retry policy as Workflows `retry` values
 * (https://cloud.google.com/workflows/docs/reference/syntax/retrying): no policy is zero retries;
 * delays are at least 1 s; with no `maxDelay` the cap is the longest delay the policy reaches,
 * and never more than an execution can wait (limits.ts, src/targets/retry.ts).
 */
export function retryValues(policy: IRRetry | null): RetryValues {
  if (!policy) return { max_retries: 0, initial_delay: 1, max_delay: 1, multiplier: 1 };
  const retry = cappedRetry(policy, GCP_LIMIT_TABLE);
  const initial = Math.max(1, retry.delaySeconds);
  const reached = initial * retry.backoff ** Math.max(0, retry.limit - 1);
  const max = retry.maxDelaySeconds ?? Math.ceil(reached);
  return { max_retries: retry.limit, initial_delay: initial, max_delay: Math.max(initial, max), multiplier: retry.backoff };
}

/** Resources, placement and limits of a step's job; `options` are the step's own merged over the flow's. */
export function jobLimits(step: IRStep, options: GcpOptions): Pick<JobArgs, 'cpu_milli' | 'memory_mib' | 'instances' | 'location' | 'max_run_duration' | 'timeout'> {
  return {
    cpu_milli: step.resources.cpuMillis,
    memory_mib: step.resources.memoryMiB,
    instances: instances(step.resources.gpu, options),
    location: options.allowedZones ? { allowedLocations: options.allowedZones.map((z) => `zones/${z}`) } : null,
    max_run_duration: step.timeoutSeconds === null ? null : `${step.timeoutSeconds}s`,
    timeout: step.timeoutSeconds ?? options.defaultTimeoutSeconds,
  };
}

/**
 * Batch `allocationPolicy.instances` for a job with `gpu` GPUs: GPUs with their drivers, the
 * machine type, `provisioningModel` (SPOT or STANDARD) and the boot disk size.
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#InstancePolicyOrTemplate
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#InstancePolicy
 */
function instances(gpu: number, options: GcpOptions): unknown[] | null {
  const policy: Record<string, unknown> = {};
  if (gpu > 0) policy.accelerators = [{ type: options.gpuType, count: gpu }];
  if (options.machineType) policy.machineType = options.machineType;
  if (options.provisioning) policy.provisioningModel = options.provisioning.toUpperCase();
  if (options.bootDiskSizeGb !== undefined) policy.bootDisk = { sizeGb: options.bootDiskSizeGb };
  if (Object.keys(policy).length === 0) return null;
  return gpu > 0 ? [{ installGpuDrivers: true, policy }] : [{ policy }];
}

/**
 * The Batch `allocationPolicy` fields every job shares: service account and network.
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#AllocationPolicy
 */
export function sharedAllocation(options: GcpOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.network || options.subnetwork) {
    const nic: Record<string, string> = {};
    if (options.network) nic.network = options.network;
    if (options.subnetwork) nic.subnetwork = options.subnetwork;
    out.network = { networkInterfaces: [nic] };
  }
  if (options.serviceAccount) out.serviceAccount = { email: options.serviceAccount };
  return out;
}

const assign = (...pairs: [string, unknown][]): Record<string, unknown> => ({ assign: pairs.map(([k, v]) => ({ [k]: v })) });
const when = (condition: string, steps: WStep[]): Record<string, unknown> => ({ condition: expr(condition), steps });

export interface StepSubworkflowInput {
  /** FLOWC_* variables every step shares, rendered; a segment list is joined by `flowc_text`. */
  sharedEnv: Record<string, unknown>;
  defaults: Defaults;
  options: GcpOptions;
  /** Some call passes `location` (allowedZones): `flowc_step` takes and forwards it. */
  location: boolean;
  /** Some call passes `secrets`: `flowc_step` takes them as `environment.secretVariables`. */
  secrets: boolean;
  /** Some call passes `volumes` (a step with outputs): `flowc_step` takes them as `taskSpec.volumes`. */
  volumes: boolean;
  /** `registryCredentials` as Secret Manager paths, the container's `username`/`password`. */
  login: { username: string; password: string } | null;
}

/**
 * `flowc_step`: submits one job as written at its call site, waits for it, retries, and cleans up.
 * The call passes the job's image, entrypoint, commands, env, resources, timeout and retry values;
 * the subworkflow adds only what is the same for every step or known only at run time:
 *
 * - the job id is `<tag>-<execution id>[-<item index>]-<attempt>`, new for every attempt because
 *   Batch job ids are unique per project and region; the tag is the step id with `-` for `_`
 *   unless the call passes `job` (see `jobTag`);
 * - env is the shared FLOWC_* map (FLOWC_RUN_ID is the execution id), FLOWC_STEP, then the call's;
 * - a failed job fails the connector call, which `retry` repeats with the call's backoff, for the
 *   errors `flowc_retryable` accepts;
 * - when the call fails for any reason other than the job itself failing (the connector's timeout,
 *   which does not stop the job, a broken connection, a refused or lost submission), `flowc_cancel`
 *   deletes the job before the error goes on to the next attempt or out of the step, so no attempt
 *   leaves a job running behind it.
 *
 * Batch job body: https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs
 * Connector: https://cloud.google.com/workflows/docs/reference/googleapis/batch/v1/projects.locations.jobs/create
 */
export function stepSubworkflow({ sharedEnv, defaults, options, location, secrets, volumes, login }: StepSubworkflowInput): Record<string, unknown> {
  const parent = options.project && options.region ? `projects/${options.project}/locations/${options.region}` : null;
  const project = options.project ? quote(options.project) : 'sys.get_env("GOOGLE_CLOUD_PROJECT_ID")';
  const region = options.region ? quote(options.region) : 'sys.get_env("GOOGLE_CLOUD_LOCATION")';
  const parentCode = parent === null ? `"projects/" + ${project} + "/locations/" + ${region}` : quote(parent);
  const jobName = parent === null ? `${parentCode} + "/jobs/" + job_id` : `${quote(`${parent}/jobs/`)} + job_id`;
  const variables: Record<string, unknown> = {};
  const joins: WStep[] = [];
  for (const [name, value] of Object.entries(sharedEnv)) {
    if (Array.isArray(value)) {
      joins.push(wstep(`flowc_join_${name.toLowerCase()}`, { call: TEXT_SUBWORKFLOW, args: { value }, result: 'text' }));
      joins.push(wstep(`flowc_set_${name.toLowerCase()}`, assign([`variables[${quote(name)}]`, expr('text')])));
      variables[name] = '';
    } else variables[name] = value;
  }
  variables.FLOWC_STEP = expr('step');
  // `location` and `secrets` are taken only when some call passes them, so a flow without them
  // keeps the subworkflow it had.
  const allocation = { instances: expr('instances'), ...(location ? { location: expr('location') } : {}), ...sharedAllocation(options) };
  const params: unknown[] = ['step', 'entrypoint', 'commands', { env: null }, { job: null }, { index: null }];
  for (const k of DEFAULTABLE) params.push({ [k]: defaults[k] });
  params.push({ instances: null });
  if (location) params.push({ location: null });
  if (secrets) params.push({ secrets: null });
  if (volumes) params.push({ volumes: null });
  const container: Record<string, unknown> = { imageUri: expr('image'), entrypoint: expr('entrypoint'), commands: expr('commands') };
  if (login) Object.assign(container, login);
  const environment: Record<string, unknown> = { variables: expr('variables') };
  if (secrets) environment.secretVariables = expr('secrets');
  return {
    params,
    steps: [
      wstep(
        'flowc_setup',
        assign(
          [RUN_ID_VAR, expr('sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")')],
          ['job', expr(`default(job, text.replace_all(step, "_", "-")) + "-" + ${RUN_ID_VAR}`)],
          ['variables', variables],
          ['attempt', 0],
        ),
      ),
      ...joins,
      wstep('flowc_item', { switch: [when('index != null', [wstep('flowc_item_job', assign(['job', expr('job + "-" + string(index)')]))])] }),
      wstep('flowc_env', { switch: [when('env != null', [wstep('flowc_env_merge', assign(['variables', expr('map.merge(variables, env)')]))])] }),
      wstep('flowc_submit', {
        try: {
          steps: [
            wstep('flowc_attempt', assign(['attempt', expr('attempt + 1')], ['job_id', expr('job + "-" + string(attempt)')])),
            wstep('flowc_run', {
              try: {
                call: BATCH_CONNECTOR,
                args: {
                  parent: parent ?? expr(parentCode),
                  jobId: expr('job_id'),
                  body: {
                    taskGroups: [
                      {
                        taskCount: 1,
                        taskSpec: {
                          runnables: [{ container }],
                          environment,
                          computeResource: { cpuMilli: expr('cpu_milli'), memoryMib: expr('memory_mib') },
                          maxRunDuration: expr('max_run_duration'),
                          maxRetryCount: 0,
                          ...(volumes ? { volumes: expr('volumes') } : {}),
                        },
                      },
                    ],
                    allocationPolicy: allocation,
                    logsPolicy: { destination: 'CLOUD_LOGGING' },
                  },
                  connector_params: { timeout: expr('timeout'), polling_policy: { ...POLLING_POLICY } },
                },
                result: 'flowc_job',
              },
              except: {
                as: 'e',
                steps: [
                  wstep('flowc_cleanup', { call: CANCEL_SUBWORKFLOW, args: { name: expr(jobName), error: expr('e') } }),
                  wstep('flowc_failed', { raise: expr('e') }),
                ],
              },
            }),
          ],
        },
        retry: {
          predicate: expr(RETRY_PREDICATE),
          max_retries: expr('max_retries'),
          backoff: { initial_delay: expr('initial_delay'), max_delay: expr('max_delay'), multiplier: expr('multiplier') },
        },
      }),
      wstep('flowc_done', { return: expr('flowc_job') }),
    ],
  };
}

/**
 * `flowc_cancel`: deletes the job of a failed attempt, which stops it if it still runs. A job that
 * ran and failed (`OperationError`) has stopped already and is kept, so its status and logs stay
 * for the operator. A delete that fails (most often 404: the submission never created the job) is
 * ignored: the attempt's own error is the one that matters.
 */
export function cancelSubworkflow(): Record<string, unknown> {
  return {
    params: ['name', 'error'],
    steps: [
      wstep('flowc_cancel_check', {
        switch: [when('get_type(error) == "map"', [wstep('flowc_cancel_tags', { switch: [when('"tags" in error', [wstep('flowc_cancel_ran', { switch: [when('"OperationError" in error.tags', [wstep('flowc_cancel_keep', { return: false })])] })])] })])],
      }),
      wstep('flowc_cancel_delete', {
        try: {
          call: BATCH_DELETE,
          args: { name: expr('name'), reason: 'flowc: the attempt failed or timed out; stopping its job before the next attempt', connector_params: { timeout: DELETE_TIMEOUT_SECONDS } },
        },
        except: { as: 'gone', steps: [wstep('flowc_cancel_gone', { return: false })] },
      }),
      wstep('flowc_cancel_done', { return: true }),
    ],
  };
}

/** `flowc_text`: joins a segment list (see render-string.ts). */
export function textSubworkflow(): Record<string, unknown> {
  return {
    params: ['value'],
    steps: [
      wstep('flowc_text_init', assign(['text', ''])),
      wstep('flowc_text_each', { for: { value: 'segment', in: expr('value'), steps: [wstep('flowc_text_add', assign(['text', expr('text + segment')]))] } }),
      wstep('flowc_text_done', { return: expr('text') }),
    ],
  };
}

/**
 * How the connector polls the running job (defaults 1 s, x1.25, 60 s:
 * https://cloud.google.com/workflows/docs/reference/googleapis). A Batch job cannot finish before
 * its VM is provisioned, so the first seconds of polls are spared; 60 s keeps the default's bound on
 * how late the end of a job is seen.
 */
export const POLLING_POLICY = { initial_delay: 10, multiplier: 2, max_delay: 60 } as const;

/** HTTP statuses of a refused jobs.create that a later attempt can get past: rate limit and server side. */
export const RETRYABLE_HTTP_CODES = [429, 500, 502, 503, 504] as const;

/**
 * The retry predicate (error tags: https://cloud.google.com/workflows/docs/reference/syntax/error-types).
 * Retried: a job that ran and failed (`OperationError`: the flow's own retry policy is for this);
 * a connection that failed or broke, or a call that timed out (the tags
 * `http.default_retry_predicate` retries, https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate);
 * and a submission refused with 429 or a 5xx gateway or server error. Not retried: every other
 * HttpError (400 invalid job, 403 permission, 404, 409), which would fail the same way again.
 */
export function retryPredicate(): Record<string, unknown> {
  const tagged = (...tags: string[]): string => tags.map((t) => `"${t}" in e.tags`).join(' or ');
  return {
    params: ['e'],
    steps: [
      wstep('flowc_retry_shape', { switch: [when('get_type(e) != "map"', [wstep('flowc_retry_not_map', { return: false })])] }),
      wstep('flowc_retry_tagged', { switch: [when('not ("tags" in e)', [wstep('flowc_retry_no_tags', { return: false })])] }),
      wstep('flowc_retry_code', assign(['code', expr('default(map.get(e, "code"), 0)')])),
      wstep('flowc_retry_check', {
        switch: [
          when(tagged('OperationError'), [wstep('flowc_retry_job_failed', { return: true })]),
          when(tagged('ConnectionError', 'ConnectionFailedError', 'TimeoutError'), [wstep('flowc_retry_network', { return: true })]),
          when(`"HttpError" in e.tags and (${RETRYABLE_HTTP_CODES.map((c) => `code == ${c}`).join(' or ')})`, [wstep('flowc_retry_http', { return: true })]),
        ],
      }),
      wstep('flowc_retry_no', { return: false }),
    ],
  };
}

/** `STEP_SUBWORKFLOW`, re-exported for the workflow builder. */
export { STEP_SUBWORKFLOW };
