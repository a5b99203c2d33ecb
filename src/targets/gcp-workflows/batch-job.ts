import type { IRRetry, IRStep } from '../../ir/types.js';
import { RETRY_PREDICATE, STEP_SUBWORKFLOW, TEXT_SUBWORKFLOW } from './names.js';
import type { GcpOptions } from './options.js';
import { expr, quote } from './render-string.js';
import { cappedRetry } from '../retry.js';
import { GCP_LIMIT_TABLE } from './limits.js';

/** The profile a call names when it names none (the first profile, usually shared by most steps). */
export const DEFAULT_PROFILE = 'p0';

/** One step of a Workflows step list: `{ name: body }`. */
export type WStep = Record<string, unknown>;
export const wstep = (name: string, body: Record<string, unknown>): WStep => ({ [name]: body });

/** The Cloud Batch connector, which creates a job and waits for it to finish. */
export const BATCH_CONNECTOR = 'googleapis.batch.v1.projects.locations.jobs.create';

/**
 * What a step's job needs besides its command, shared by every step with the same values so the
 * definition stays small (Workflows source limit: 128 KB): image, resources, limits, retry, env.
 */
export interface Profile {
  image: string;
  cpu_milli: number;
  memory_mib: number;
  gpu: number;
  /** Batch `taskSpec.maxRunDuration` (`"<seconds>s"`), or null for Batch's default. */
  max_run_duration: string | null;
  /** How long the connector waits for the job, in seconds. */
  timeout: number;
  retry: { max_retries: number; initial_delay: number; max_delay: number; multiplier: number };
  /** The step's user env that does not read the foreach item, rendered (a value may be a segment list for `flowc_text`). */
  env: Record<string, unknown>;
}

/**
 * A flow retry policy as Workflows `retry` values
 * (https://cloud.google.com/workflows/docs/reference/syntax/retrying): no policy is zero retries;
 * delays are at least 1 s; with no `maxDelay` the cap is the longest delay the policy reaches,
 * and never more than an execution can wait (limits.ts, src/targets/retry.ts).
 */
export function retryValues(policy: IRRetry | null): Profile['retry'] {
  if (!policy) return { max_retries: 0, initial_delay: 1, max_delay: 1, multiplier: 1 };
  const retry = cappedRetry(policy, GCP_LIMIT_TABLE);
  const initial = Math.max(1, retry.delaySeconds);
  const reached = initial * retry.backoff ** Math.max(0, retry.limit - 1);
  const max = retry.maxDelaySeconds ?? Math.ceil(reached);
  return { max_retries: retry.limit, initial_delay: initial, max_delay: Math.max(initial, max), multiplier: retry.backoff };
}

/** Resources and limits of a step's job. */
export function jobLimits(step: IRStep, options: GcpOptions): Pick<Profile, 'cpu_milli' | 'memory_mib' | 'gpu' | 'max_run_duration' | 'timeout'> {
  return {
    cpu_milli: step.resources.cpuMillis,
    memory_mib: step.resources.memoryMiB,
    gpu: step.resources.gpu,
    max_run_duration: step.timeoutSeconds === null ? null : `${step.timeoutSeconds}s`,
    timeout: step.timeoutSeconds ?? options.defaultTimeoutSeconds,
  };
}

/**
 * The Batch `allocationPolicy` every job starts from: service account, network, machine type.
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#AllocationPolicy
 */
export function baseAllocation(options: GcpOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.machineType) out.instances = [{ policy: { machineType: options.machineType } }];
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

/**
 * `flowc_step`: runs one flow step (or one foreach item) as a Cloud Batch job and waits for it.
 * Every step calls this one subworkflow with only what differs, instead of repeating a job body.
 *
 * - the job id is `<tag>-<execution id>[-<item index>]-<attempt>`, new for every retry because
 *   Batch job ids are unique per project and region; the tag is the step id with `-` for `_`
 *   unless the call passes `job` (see `jobTag`), and the profile is `p0` unless it passes one;
 * - `argv[0]` becomes the container `entrypoint` and the rest its `commands`, so exec-form
 *   commands run without a shell and `run` scripts run as `/bin/sh -c SCRIPT`;
 * - env is the shared FLOWC_* map, then the profile's user env, FLOWC_STEP, then the call's own
 *   `env`: FLOWC_ITEM, the FLOWC_PARAM_* / FLOWC_ITEM_* variables a run script reads (docs/ir.md,
 *   "Run scripts"), and user values that read the foreach item (known only inside the loop);
 * - with `join`, values that are segment lists (strings past the expression limit) are joined;
 * - a failed job fails the connector call, which `retry` repeats with the profile's backoff.
 *
 * Batch job body: https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs
 * Connector: https://cloud.google.com/workflows/docs/reference/googleapis/batch/v1/projects.locations.jobs/create
 */
export function stepSubworkflow(options: GcpOptions): Record<string, unknown> {
  const gpuPolicy: Record<string, unknown> = { accelerators: [{ type: expr('flowc.gpu_type'), count: expr('p.gpu') }] };
  if (options.machineType) gpuPolicy.machineType = options.machineType;
  const joinText = (from: string, to: string, name: string): WStep =>
    wstep(name, { call: TEXT_SUBWORKFLOW, args: { value: expr(from) }, result: to });
  return {
    params: ['flowc', 'step', 'argv', { profile: DEFAULT_PROFILE }, { job: null }, { env: null }, { index: null }, { join: false }],
    steps: [
      wstep(
        'flowc_setup',
        assign(
          ['p', expr('flowc.profiles[profile]')],
          ['variables', expr('map.merge(flowc.env, p.env)')],
          [`variables[${quote('FLOWC_STEP')}]`, expr('step')],
          ['allocation', expr('flowc.allocation')],
          ['job', expr('default(job, text.replace_all(step, "_", "-")) + "-" + flowc.run_id')],
          ['entrypoint', null],
          ['commands', []],
          ['attempt', 0],
        ),
      ),
      wstep('flowc_step_env', { switch: [when('env != null', [wstep('flowc_step_env_merge', assign(['variables', expr('map.merge(variables, env)')]))])] }),
      wstep('flowc_item', { switch: [when('index != null', [wstep('flowc_item_job', assign(['job', expr('job + "-" + string(index)')]))])] }),
      wstep('flowc_gpu', {
        switch: [
          when('p.gpu > 0', [wstep('flowc_gpu_setup', assign(['allocation.instances', [{ installGpuDrivers: true, policy: gpuPolicy }]]))]),
        ],
      }),
      wstep('flowc_join_env', {
        switch: [
          when('join', [
            wstep('flowc_join_each', {
              for: {
                value: 'name',
                in: expr('keys(variables)'),
                steps: [joinText('variables[name]', 'text', 'flowc_join_var'), wstep('flowc_join_set', assign(['variables[name]', expr('text')]))],
              },
            }),
          ]),
        ],
      }),
      wstep('flowc_argv', {
        for: {
          value: 'arg',
          index: 'i',
          in: expr('argv'),
          steps: [
            wstep('flowc_arg_text', assign(['arg_text', expr('arg')])),
            wstep('flowc_arg_join', { switch: [when('join', [joinText('arg', 'arg_text', 'flowc_arg_joined')])] }),
            wstep('flowc_arg_place', {
              switch: [
                when('i == 0', [wstep('flowc_entrypoint', assign(['entrypoint', expr('arg_text')]))]),
                when('i > 0', [wstep('flowc_command', assign(['commands', expr('list.concat(commands, arg_text)')]))]),
              ],
            }),
          ],
        },
      }),
      wstep('flowc_submit', {
        try: {
          steps: [
            wstep('flowc_attempt', assign(['attempt', expr('attempt + 1')])),
            wstep('flowc_create', {
              call: BATCH_CONNECTOR,
              args: {
                parent: expr('flowc.parent'),
                jobId: expr('job + "-" + string(attempt)'),
                body: {
                  taskGroups: [
                    {
                      taskCount: 1,
                      taskSpec: {
                        runnables: [{ container: { imageUri: expr('p.image'), entrypoint: expr('entrypoint'), commands: expr('commands') } }],
                        environment: { variables: expr('variables') },
                        computeResource: { cpuMilli: expr('p.cpu_milli'), memoryMib: expr('p.memory_mib') },
                        maxRunDuration: expr('p.max_run_duration'),
                        maxRetryCount: 0,
                      },
                    },
                  ],
                  allocationPolicy: expr('allocation'),
                  logsPolicy: { destination: 'CLOUD_LOGGING' },
                },
                connector_params: { timeout: expr('p.timeout'), polling_policy: { ...POLLING_POLICY } },
              },
              result: 'flowc_job',
            }),
          ],
        },
        retry: {
          predicate: expr(RETRY_PREDICATE),
          max_retries: expr('p.retry.max_retries'),
          backoff: { initial_delay: expr('p.retry.initial_delay'), max_delay: expr('p.retry.max_delay'), multiplier: expr('p.retry.multiplier') },
        },
      }),
      wstep('flowc_done', { return: expr('flowc_job') }),
    ],
  };
}

/** `flowc_text`: joins a segment list (see render-string.ts); any other value is returned as is. */
export function textSubworkflow(): Record<string, unknown> {
  return {
    params: ['value'],
    steps: [
      wstep('flowc_text_plain', { switch: [when('get_type(value) != "list"', [wstep('flowc_text_same', { return: expr('value') })])] }),
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
