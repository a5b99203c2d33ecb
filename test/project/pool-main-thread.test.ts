import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compileUnits } from '../../src/project/compile-units.js';
import type { CompileUnit } from '../../src/project/unit.js';
import { runInPool } from '../../src/project/worker-pool.js';
import { runCli } from '../cli/run-cli.js';
import { ALL_TARGETS, PROJECT, snapshot, tempFolders } from './helpers.js';

// Issue 19: the build pool runs jobs on this thread too (--jobs N is N-1 workers plus this thread,
// which used to sit idle while the workers compiled), and each worker holds two jobs, so it never
// waits for this thread to finish a compile before it gets its next job.
const echo = new URL('./echo-worker.mjs', import.meta.url);
const { temp, project } = tempFolders();
type Job = { delay?: number; value?: number; exit?: number; throw?: boolean; fail?: boolean };
type Result = { value?: number; threadId?: number; failed?: string };
const here = (job: Job): Result => {
  if (job.throw) throw new RangeError('asked to throw here');
  const end = Date.now() + (job.delay ?? 0);
  while (Date.now() < end) {
    // busy, as a compile is: the workers' messages wait for the next turn of the event loop
  }
  return { value: (job.value ?? 0) * 2, threadId };
};

describe('the worker pool with jobs on this thread too', () => {
  it('runs jobs on this thread and on the workers, and returns every result in job order', async () => {
    const jobs: Job[] = Array.from({ length: 12 }, (_, value) => ({ delay: 20, value }));
    const seen: number[] = [];
    const results = await runInPool<Job, Result>({ entry: echo, size: 1, jobs, local: here, onResult: (i) => seen.push(i) });
    expect(results.map((r) => r.value)).toEqual(jobs.map((j) => (j.value as number) * 2));
    expect(seen.sort((a, b) => a - b)).toEqual(jobs.map((_, i) => i));
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.has(threadId)).toBe(true);
    expect(threads.size).toBe(2);
  });

  it('runs everything here with no worker, and turns a job that throws here into its failure', async () => {
    const jobs: Job[] = [{ value: 1 }, { throw: true }, { value: 3 }];
    const results = await runInPool<Job, Result>({ entry: echo, size: 0, jobs, local: here, failed: (i, f) => ({ failed: `${i}: ${f.message}` }) });
    expect(results).toEqual([{ value: 2, threadId }, { failed: '1: RangeError: asked to throw here' }, { value: 6, threadId }]);
  });

  it('hands the jobs a dead worker held but had not started to the others, failing only the one it ran', async () => {
    // One worker holding two jobs at a time dies on the first; the second is not lost with it.
    const jobs: Job[] = [{ exit: 3 }, { value: 1 }, { throw: true }, { value: 2 }, { value: 3 }];
    const results = await runInPool<Job, Result>({ entry: echo, size: 1, inFlight: 2, jobs, failed: (i, f) => ({ failed: `${i}: ${f.message}` }) });
    expect(results).toEqual([
      { failed: '0: the worker thread exited with code 3' },
      { value: 2, threadId: expect.any(Number) },
      { failed: '2: RangeError: asked to throw' },
      { value: 4, threadId: expect.any(Number) },
      { value: 6, threadId: expect.any(Number) },
    ]);
  });

  it('with `local`, a worker that dies leaves its waiting jobs to this thread or a new worker', async () => {
    const jobs: Job[] = [{ exit: 5 }, { value: 1, delay: 5 }, { value: 2, delay: 5 }, { value: 3, delay: 5 }];
    const results = await runInPool<Job, Result>({ entry: echo, size: 1, inFlight: 3, jobs, local: here, failed: (i, f) => ({ failed: `${i}: ${f.message}` }) });
    expect(results.map((r) => r.failed ?? r.value)).toEqual(['0: the worker thread exited with code 5', 2, 4, 6]);
  });
});

describe('compiling units on this thread and on workers', () => {
  const units: CompileUnit[] = Array.from({ length: 6 }, (_, i) => ({
    name: `variant-${i}`,
    flowPath: join(PROJECT, 'content-model.flow.yaml'),
    bindingFiles: [],
    configs: [],
    sets: [`app.train.epochs=${i + 1}`, `app.retries=${i % 3}`],
    targets: ALL_TARGETS.split(','),
    cwd: PROJECT,
  }));

  it('--jobs 3 compiles on this thread and two workers, with the same outputs as --jobs 1, in unit order', async () => {
    const parallel = await compileUnits({ units, env: {}, jobs: 3 });
    expect(parallel.stats).toEqual({ compiled: 6, cached: 0, workers: 3 });
    const threads = new Set(parallel.outputs.map((o) => o.threadId));
    expect(threads.has(threadId)).toBe(true);
    expect(threads.size).toBeGreaterThanOrEqual(2);
    const serial = await compileUnits({ units, env: {}, jobs: 1 });
    expect(serial.stats.workers).toBe(0);
    expect(parallel.outputs.map((o) => o.name)).toEqual(units.map((u) => u.name));
    expect(parallel.outputs.map((o) => ({ ...o, threadId: 0 }))).toEqual(serial.outputs.map((o) => ({ ...o, threadId: 0 })));
  });
});

// The bin starts its workers from the bundle (dist/bundle/compile-worker.js loads the worker's
// CommonJS chunk with the code cache) unless FLOWC_BUNDLE=0; both must write what one job writes.
describe('flowc build from the bin, bundled and not', () => {
  const root = resolve(import.meta.dirname, '../..');
  const build = (cwd: string, out: string, jobs: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, 'bin/flowc.js'), 'build', '--target', ALL_TARGETS, '--out', out, '--jobs', jobs, '--no-cache'], {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', CI: 'true', ...env },
    });

  it('writes the same bytes with --jobs 1, 2 and 3 on 12 bindings', () => {
    const dir = project();
    const bindings = Array.from({ length: 12 }, (_, i) => ({ name: `v-${String(i).padStart(2, '0')}`, set: [`app.train.epochs=${i + 1}`], ...(i % 3 === 1 ? { configs: { app: 'config/ctr.toml' } } : {}) }));
    writeFileSync(join(dir, 'flowc.yaml'), JSON.stringify({ flowc: 1, flow: 'content-model.flow.yaml', bindings }));
    expect(existsSync(join(root, 'dist/bundle/compile-worker.cjs'))).toBe(true);
    const one = temp();
    const r1 = build(dir, one, '1');
    expect(r1.status, r1.stderr).toBe(0);
    const expected = snapshot(one);
    expect(Object.keys(expected).length).toBeGreaterThan(12 * ALL_TARGETS.split(',').length);
    for (const [jobs, env] of [['2', {}], ['3', {}], ['2', { FLOWC_BUNDLE: '0' }]] as const) {
      const out = temp();
      const r = build(dir, out, jobs, env);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`(${jobs} threads)`);
      expect(r.stderr).toBe(r1.stderr);
      expect(snapshot(out)).toEqual(expected);
    }
  });

  it('starts each worker with the code cache of the chunks it shares with the CLI', () => {
    // Only taken under the V8 flags it was made with (bin/load-bundle.cjs sets them for the CLI,
    // its workers and the build step alike); a mismatch would compile every worker from source.
    const loader = join(root, 'bin/load-bundle.cjs');
    const chunk = join(root, 'dist/bundle/compile-worker.cjs');
    const script = `const { Worker } = require('node:worker_threads');
const w = new Worker(${JSON.stringify(`const b = require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(chunk)}); require('node:worker_threads').parentPort.postMessage(b.cache);`)}, { eval: true, workerData: { env: {} } });
w.on('message', (m) => { console.log(JSON.stringify(m)); process.exit(0); });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const cache = JSON.parse(r.stdout) as Record<string, string>;
    // Every chunk the build step recorded a cache for (those a compile runs) is taken.
    const recorded = Object.keys(cache).filter((name) => existsSync(join(root, 'dist/bundle/code-cache', `${name}.v8`)));
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    expect(Object.fromEntries(recorded.map((name) => [name, cache[name]]))).toEqual(Object.fromEntries(recorded.map((name) => [name, 'hit'])));
  });

  it('flowc build in process with --jobs 3 writes what --jobs 1 writes', async () => {
    const a = temp();
    const b = temp();
    expect((await runCli(['build', '--target', ALL_TARGETS, '--out', a, '--jobs', '3', '--no-cache'], { cwd: PROJECT })).code).toBe(0);
    expect((await runCli(['build', '--target', ALL_TARGETS, '--out', b, '--jobs', '1', '--no-cache'], { cwd: PROJECT })).code).toBe(0);
    expect(snapshot(a)).toEqual(snapshot(b));
  });
});
