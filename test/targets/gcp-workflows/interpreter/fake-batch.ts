import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { VirtualClock } from './clock.js';
import type { Connector } from './engine.js';
import { type Value, WorkflowsError } from './expr.js';

/** One Batch job the fake connector ran. */
export interface JobRecord {
  jobId: string;
  parent: string;
  step: string;
  item: string | null;
  start: number;
  end: number;
  failed: boolean;
  entrypoint: string | null;
  commands: string[];
  env: Record<string, string>;
  /** `environment.secretVariables`: env name to Secret Manager version path, as Batch received them. */
  secretEnv: Record<string, string>;
  /** The container's registry `username`/`password`, null when the job has none. */
  login: { username: string; password: string } | null;
  body: Value;
  timeout: number;
  /** The job outlived the connector's timeout: the call raised TimeoutError while the job ran on. */
  hung: boolean;
  /** When jobs.delete stopped and removed the job; null while it exists. */
  deletedAt: number | null;
  /** `connector_params.polling_policy`, null when absent (the connector's defaults). */
  pollingPolicy: { initial_delay: number; multiplier: number; max_delay: number } | null;
}

export interface FakeBatchOptions {
  clock: VirtualClock;
  /** Virtual seconds a job of this step (and item) runs; default 10. */
  duration?: (step: string, item: string | null) => number;
  /** How many first attempts of this step (and item) fail; default 0. */
  failures?: (step: string, item: string | null) => number;
  /**
   * The error the call raises instead of creating the job, for this step, item and attempt (1-based);
   * null creates it. An HttpError carries `code` (https://cloud.google.com/workflows/docs/reference/syntax/error-types).
   */
  submitError?: (step: string, item: string | null, attempt: number) => { tags: string[]; code?: number } | null;
  /**
   * Whether this attempt's job hangs: it is created and keeps running, and the call raises
   * TimeoutError when the connector's `timeout` has passed, which does not stop the job
   * (https://cloud.google.com/workflows/docs/reference/googleapis: a connector timeout ends the wait only).
   */
  hangs?: (step: string, item: string | null, attempt: number) => boolean;
  /**
   * What a successful job of this step (and item) writes to `$FLOWC_OUTPUTS`, by output name; an
   * output left out is a file the job never wrote. Written to `storage` through the job's Cloud
   * Storage volume, as the output wrapper leaves it (a string's trailing newlines removed).
   */
  writes?: (step: string, item: string | null) => Record<string, string>;
  /** The fake Cloud Storage the jobs' volumes mount (fake-storage.ts). */
  storage?: Map<string, string>;
  /**
   * Run each job's container argv for real, with `sh` in a folder under `root` that stands for the
   * mounted bucket (FLOWC_OUTPUTS moved there); its exit status decides success and the files it
   * leaves become the objects. `writes` is not used then.
   */
  run?: { root: string };
}

/** A jobs.delete call: the job it named, when, and whether that job existed. */
export interface Deletion {
  name: string;
  at: number;
  found: boolean;
}

/** A jobs.create call that raised before any job was created. */
export interface RefusedSubmission {
  jobId: string;
  step: string;
  item: string | null;
  tags: string[];
  code: number | null;
}

const BATCH_JOB_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * A Secret Manager version path, the only form Batch resolves in `secretVariables` and reads from
 * Secret Manager in a container's `username`/`password`
 * (https://cloud.google.com/batch/docs/create-run-job-secret-manager,
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#Container).
 */
const SECRET_VERSION = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;
/** `InstancePolicy.provisioningModel` values (https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#ProvisioningModel). */
const PROVISIONING_MODELS = new Set(['STANDARD', 'SPOT', 'PREEMPTIBLE']);

/**
 * Checks the parts of a job body Batch would refuse: secret variables and registry login that are
 * not version paths (a plain `username`/`password` is accepted by Batch, but flowc must never
 * write one, so the fake refuses it too), an unknown provisioning model, and allowed locations
 * outside the job's region (`LocationPolicy.allowedLocations`: `regions/R` or `zones/Z`, in the
 * region of the job: https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#LocationPolicy).
 */
function checkJobBody(parent: string, spec: Record<string, Value>, container: Record<string, Value>, body: Record<string, Value>): { secretEnv: Record<string, string>; login: { username: string; password: string } | null } {
  const environment = spec.environment as Record<string, Value>;
  const secretEnv = (environment.secretVariables ?? {}) as Record<string, Value>;
  for (const [k, v] of Object.entries(secretEnv)) {
    if (typeof v !== 'string' || !SECRET_VERSION.test(v)) throw new Error(`secretVariables.${k} is not a Secret Manager version path`);
    if (Object.hasOwn(environment.variables as Record<string, Value>, k)) throw new Error(`env ${k} is both a variable and a secret variable`);
  }
  let login: { username: string; password: string } | null = null;
  if (container.username !== undefined || container.password !== undefined) {
    for (const f of ['username', 'password'] as const) {
      const v = container[f];
      if (typeof v !== 'string' || !SECRET_VERSION.test(v)) throw new Error(`container.${f} is not a Secret Manager version path`);
    }
    login = { username: container.username as string, password: container.password as string };
  }
  const allocation = (body.allocationPolicy ?? {}) as Record<string, Value>;
  for (const inst of ((allocation.instances ?? []) as Record<string, Value>[])) {
    const model = (inst.policy as Record<string, Value> | undefined)?.provisioningModel;
    if (model !== undefined && !PROVISIONING_MODELS.has(model as string)) throw new Error(`unknown provisioningModel ${String(model)}`);
  }
  const region = /\/locations\/([^/]+)$/.exec(parent)?.[1] ?? '';
  const allowed = ((allocation.location as Record<string, Value> | null | undefined)?.allowedLocations ?? []) as string[];
  for (const loc of allowed) {
    const m = /^(?:regions\/([a-z0-9-]+)|zones\/([a-z0-9-]+)-[a-z])$/.exec(loc);
    if (!m) throw new Error(`allowedLocations entry ${loc} is neither regions/R nor zones/Z`);
    if ((m[1] ?? m[2]) !== region) throw new Error(`allowedLocations entry ${loc} is outside the job's region ${region}`);
  }
  return { secretEnv: secretEnv as Record<string, string>, login };
}

/**
 * A fake `googleapis.batch.v1.projects.locations.jobs.create` connector: checks the request the
 * way Batch would (job id pattern, unique ids, container and resources present), waits the job's
 * virtual duration, records it, and fails the call when the job is set to fail.
 */
export function fakeBatch(options: FakeBatchOptions): { connector: Connector; remove: Connector; jobs: JobRecord[]; submissions: RefusedSubmission[]; deletions: Deletion[] } {
  const jobs: JobRecord[] = [];
  const deletions: Deletion[] = [];
  const submissions: RefusedSubmission[] = [];
  const seen = new Set<string>();
  const attempts = new Map<string, number>();
  const connector: Connector = async (args) => {
    const jobId = args.jobId as string;
    if (!BATCH_JOB_ID.test(jobId)) throw new Error(`invalid Batch job id ${jobId}`);
    if (seen.has(jobId)) throw new Error(`Batch job id reused: ${jobId}`);
    seen.add(jobId);
    const body = args.body as Record<string, Value>;
    const group = (body.taskGroups as Record<string, Value>[])[0] as Record<string, Value>;
    const spec = group.taskSpec as Record<string, Value>;
    const container = ((spec.runnables as Record<string, Value>[])[0] as Record<string, Value>).container as Record<string, Value>;
    const env = (spec.environment as Record<string, Value>).variables as Record<string, string>;
    for (const [k, v] of Object.entries(env)) if (typeof v !== 'string') throw new Error(`env ${k} is not a string`);
    if (typeof container.imageUri !== 'string') throw new Error('no image');
    const { secretEnv, login } = checkJobBody(args.parent as string, spec, container, body);
    const compute = spec.computeResource as Record<string, Value>;
    if (typeof compute.cpuMilli !== 'number' || typeof compute.memoryMib !== 'number') throw new Error('no computeResource');
    const step = env.FLOWC_STEP as string;
    const item = env.FLOWC_ITEM ?? null;
    const key = `${step}\u0000${item}`;
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    const refused = options.submitError?.(step, item, n) ?? null;
    if (refused) {
      submissions.push({ jobId, step, item, tags: refused.tags, code: refused.code ?? null });
      throw new WorkflowsError(refused.tags, `jobs.create ${jobId} failed`, refused.code === undefined ? null : { code: refused.code });
    }
    const start = options.clock.now;
    const timeout = ((args.connector_params as Record<string, Value>).timeout as number) ?? 1800;
    const hung = options.hangs?.(step, item, n) ?? false;
    await options.clock.sleep(hung ? timeout : (options.duration?.(step, item) ?? 10));
    const ran = options.run && !hung ? runContainer(options.run.root, jobId, spec, container, env) : null;
    const failed = hung || n <= (options.failures?.(step, item) ?? 0) || (ran !== null && ran.status !== 0);
    jobs.push({
      jobId,
      parent: args.parent as string,
      step,
      item,
      start,
      end: options.clock.now,
      failed,
      entrypoint: (container.entrypoint as string | null) ?? null,
      commands: (container.commands as string[]) ?? [],
      env,
      secretEnv,
      login,
      body,
      timeout,
      hung,
      deletedAt: null,
      pollingPolicy: pollingPolicy(args.connector_params as Record<string, Value>),
    });
    if (hung) throw new WorkflowsError(['TimeoutError'], `waiting for job ${jobId} timed out after ${timeout} s`);
    if (failed) throw new WorkflowsError(['OperationError'], `job ${jobId} failed`);
    if (ran) ran.collect(options.storage);
    else writeOutputs(spec, container, env, options.writes?.(step, item) ?? {}, options.storage);
    return { name: `${args.parent as string}/jobs/${jobId}`, status: { state: 'SUCCEEDED' } };
  };
  // googleapis.batch.v1.projects.locations.jobs.delete: `name` is projects/P/locations/L/jobs/ID;
  // a job that does not exist is an HttpError 404
  // (https://cloud.google.com/workflows/docs/reference/googleapis/batch/v1/projects.locations.jobs/delete).
  const remove: Connector = async (args) => {
    const name = args.name as string;
    const m = /^(projects\/[^/]+\/locations\/[^/]+)\/jobs\/([^/]+)$/.exec(name);
    if (!m) throw new Error(`jobs.delete: bad job name ${name}`);
    const job = jobs.find((j) => j.parent === m[1] && j.jobId === m[2] && j.deletedAt === null);
    deletions.push({ name, at: options.clock.now, found: job !== undefined });
    if (!job) throw new WorkflowsError(['HttpError'], `job ${name} not found`, { code: 404 });
    job.deletedAt = options.clock.now;
    return {};
  };
  return { connector, remove, jobs, submissions, deletions };
}

/**
 * `connector_params.polling_policy` as the connector reads it: `initial_delay`, `multiplier` and
 * `max_delay`, numbers (https://cloud.google.com/workflows/docs/reference/googleapis).
 */
function pollingPolicy(params: Record<string, Value>): JobRecord['pollingPolicy'] {
  const p = params.polling_policy;
  if (p === undefined || p === null) return null;
  if (typeof p !== 'object' || Array.isArray(p)) throw new Error('polling_policy is not a map');
  const known = ['initial_delay', 'multiplier', 'max_delay'];
  for (const k of Object.keys(p)) if (!known.includes(k)) throw new Error(`unknown polling_policy field ${k}`);
  const get = (k: string): number => {
    const v = (p as Record<string, Value>)[k];
    if (typeof v !== 'number' || v <= 0) throw new Error(`polling_policy.${k} must be a positive number`);
    return v;
  };
  return { initial_delay: get('initial_delay'), multiplier: get('multiplier'), max_delay: get('max_delay') };
}

/**
 * A job with outputs: a GCS volume (`taskSpec.volumes[].gcs.remotePath` a bucket, `mountPath`
 * where it appears in the container, https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#Volume),
 * FLOWC_OUTPUTS a folder under that path, and the argv `sh -c <wrapper> flowc-outputs <step>
 * <limit> <name> <type>... -- <argv>`. The files the job writes land in the bucket as objects.
 */
function writeOutputs(spec: Record<string, Value>, container: Record<string, Value>, env: Record<string, string>, files: Record<string, string>, storage: Map<string, string> | undefined): void {
  const volumes = (spec.volumes ?? null) as Record<string, Value>[] | null;
  if (volumes === null) {
    if (env.FLOWC_OUTPUTS !== undefined) throw new Error('FLOWC_OUTPUTS is set but no volume is mounted');
    return;
  }
  const volume = volumes.find((v) => v.gcs !== undefined) as Record<string, Value>;
  const bucket = (volume.gcs as Record<string, Value>).remotePath as string;
  const mount = volume.mountPath as string;
  if (!/^[a-z0-9][a-z0-9._-]+[a-z0-9]$/.test(bucket)) throw new Error(`remotePath ${bucket} is not a bucket name`);
  const dir = env.FLOWC_OUTPUTS;
  if (dir === undefined || !dir.startsWith(`${mount}/`)) throw new Error(`FLOWC_OUTPUTS ${String(dir)} is not under the mount path ${mount}`);
  const commands = (container.commands ?? []) as string[];
  if (container.entrypoint !== '/bin/sh' || commands[0] !== '-c' || commands[2] !== 'flowc-outputs') throw new Error('a job with outputs does not run the output wrapper');
  const end = commands.indexOf('--');
  const declared = commands.slice(5, end);
  for (let i = 0; i < declared.length; i += 2) {
    const name = declared[i] as string;
    const type = declared[i + 1] as string;
    const text = files[name];
    if (text === undefined || !storage) continue;
    storage.set(`${bucket}/${dir.slice(mount.length + 1)}/${name}`, type === 'string' ? text.replace(/\n+$/, '') : text);
  }
}

/**
 * Runs a job's argv with the real `sh` and the job's env, in `<root>/<job id>`. The bucket volume is
 * `<root>/mnt`, one folder for every job as the bucket is (FLOWC_OUTPUTS rewritten into it); after
 * the run, every file under it is an object of the bucket, as gcsfuse would have uploaded it.
 */
function runContainer(root: string, jobId: string, spec: Record<string, Value>, container: Record<string, Value>, env: Record<string, string>): { status: number | null; stderr: string; collect: (storage: Map<string, string> | undefined) => void } {
  const volume = ((spec.volumes ?? []) as Record<string, Value>[]).find((v) => v.gcs !== undefined);
  const mount = (volume?.mountPath as string | undefined) ?? null;
  const local = join(root, 'mnt');
  mkdirSync(local, { recursive: true });
  mkdirSync(join(root, jobId), { recursive: true });
  const jobEnv: Record<string, string> = { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin' };
  if (mount !== null && env.FLOWC_OUTPUTS !== undefined) jobEnv.FLOWC_OUTPUTS = local + env.FLOWC_OUTPUTS.slice(mount.length);
  const argv = [container.entrypoint as string, ...((container.commands ?? []) as string[])];
  const r = spawnSync(argv[0] as string, argv.slice(1), { env: jobEnv, cwd: join(root, jobId), encoding: 'utf8' });
  const collect = (storage: Map<string, string> | undefined): void => {
    if (!storage || mount === null) return;
    const bucket = (volume?.gcs as Record<string, Value>).remotePath as string;
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else storage.set(`${bucket}/${relative(local, path)}`, readFileSync(path, 'utf8'));
      }
    };
    walk(local);
  };
  return { status: r.status, stderr: r.stderr, collect };
}
