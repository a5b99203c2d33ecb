import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { taskStates } from './helpers.js';

/**
 * A stand-in for S3 and for the `aws` CLI in the container: a folder where `s3://b/k` is the file
 * `<root>/b/k`. The fake `aws` (first on PATH) understands what the output wrapper runs,
 * `aws s3 cp [--only-show-errors] FILE s3://BUCKET/KEY`, and logs each upload.
 */
export class FakeS3 {
  readonly root: string;
  readonly bin: string;
  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'flowc-s3-'));
    this.bin = join(this.root, '.bin');
    mkdirSync(this.bin);
    const aws = join(this.bin, 'aws');
    writeFileSync(
      aws,
      [
        '#!/bin/sh',
        '[ "$1 $2" = "s3 cp" ] || { echo "fake aws: unsupported: $*" >&2; exit 2; }',
        'shift 2',
        '[ "$1" = --only-show-errors ] && shift',
        'case "$2" in s3://*) ;; *) echo "fake aws: not an S3 URI: $2" >&2; exit 2;; esac',
        'dest="$FAKE_S3_ROOT/${2#s3://}"',
        'mkdir -p "$(dirname "$dest")" && cp "$1" "$dest" && printf "%s\\n" "$2" >> "$FAKE_S3_ROOT/.uploads"',
        '',
      ].join('\n'),
    );
    chmodSync(aws, 0o755);
  }
  path(bucket: string, key: string): string {
    return join(this.root, bucket, key);
  }
  get(bucket: string, key: string): string | undefined {
    const p = this.path(bucket, key);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  }
  put(uri: string, body: string): void {
    const p = join(this.root, uri.replace(/^s3:\/\//, ''));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, body);
  }
  remove(uri: string): void {
    rmSync(join(this.root, uri.replace(/^s3:\/\//, '')), { force: true });
  }
  uploads(): string[] {
    const p = join(this.root, '.uploads');
    return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : [];
  }
  /** Env for a container that uploads here. */
  env(): Record<string, string> {
    return { PATH: `${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_S3_ROOT: this.root };
  }
  clean(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface JobRecord {
  state: string;
  command: string[];
  env: Record<string, string>;
  start: number;
  end: number;
  /** The job's exit status and stderr when it was run with sh. */
  status?: number | null;
  stderr?: string;
}

export interface OutputsRun {
  jobs: JobRecord[];
  reads: { state: string; bucket: string; key: string }[];
  output?: unknown;
  error?: { name: string; message: string };
}

/**
 * Executes a definition in aws-local-stepfunctions with local handlers: each Batch/ECS Task is a
 * job whose container command really runs with `sh` (when it starts with `sh`) in a fresh folder,
 * with the container's environment and the fake `aws`; a job that exits non-zero fails the Task
 * as Batch would (States.TaskFailed). Each S3 GetObject Task reads the fake S3, failing with
 * S3.NoSuchKeyException for a missing object as the SDK integration does. `afterJob` may change
 * S3 after a job (to lose an upload); `delayMs` makes jobs finish out of order.
 */
export async function runWithOutputs(
  definition: Record<string, any>,
  input: unknown,
  o: {
    runId: string;
    s3: FakeS3;
    delayMs?: (state: string, n: number) => number;
    afterJob?: (job: JobRecord) => void;
    /**
     * Instead of running the command with sh: the files the step's wrapper would upload, by
     * output name (trailing newlines already trimmed), written under FLOWC_OUTPUTS_URI.
     */
    simulate?: (job: JobRecord) => Record<string, string>;
  },
): Promise<OutputsRun> {
  let clock = 0;
  const jobs: JobRecord[] = [];
  const reads: OutputsRun['reads'] = [];
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  for (const [name, state] of taskStates(definition)) {
    if (String(state.Resource).endsWith(':s3:getObject')) {
      handlers[name] = async (req: any) => {
        reads.push({ state: name, bucket: req.Bucket, key: req.Key });
        const body = o.s3.get(req.Bucket, req.Key);
        if (body === undefined) throw Object.assign(new Error(`The specified key does not exist: ${req.Key}`), { name: 'S3.NoSuchKeyException' });
        return { Body: body, ContentLength: Buffer.byteLength(body) };
      };
      continue;
    }
    let calls = 0;
    handlers[name] = async (req: any) => {
      const start = ++clock;
      const n = calls++;
      await new Promise((r) => setTimeout(r, o.delayMs?.(name, n) ?? 1));
      const overrides = req.ContainerOverrides ?? req.Overrides?.ContainerOverrides?.[0];
      const env: Record<string, string> = Object.fromEntries((overrides.Environment as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]));
      const job: JobRecord = { state: name, command: overrides.Command, env, start, end: 0 };
      if (o.simulate) {
        for (const [name, text] of Object.entries(o.simulate(job))) o.s3.put(`${env.FLOWC_OUTPUTS_URI}/${name}`, text);
      } else if (job.command[0] === 'sh') {
        const work = mkdtempSync(join(o.s3.root, '.work-'));
        const r = spawnSync('sh', job.command.slice(1), { cwd: work, env: { ...o.s3.env(), ...env }, encoding: 'utf8' });
        job.status = r.status;
        job.stderr = r.stderr;
      }
      job.end = ++clock;
      jobs.push(job);
      if (job.status !== undefined && job.status !== 0) throw Object.assign(new Error(job.stderr ?? ''), { name: 'States.TaskFailed' });
      o.afterJob?.(job);
      return { JobId: `job-${name}-${n}`, Status: 'SUCCEEDED' };
    };
  }
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { noValidate: true } });
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers }, context: { Execution: { Name: o.runId } } } as never);
  try {
    return { jobs, reads, output: await execution.result };
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    return { jobs, reads, error: { name: cause?.name ?? (e as Error).name, message: cause?.message ?? (e as Error).message } };
  }
}
