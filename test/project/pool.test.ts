import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { compileUnit } from '../../src/project/compile-unit.js';
import { compileUnits, compileWorkerEntry } from '../../src/project/compile-units.js';
import type { CompileUnit } from '../../src/project/unit.js';
import { runInPool } from '../../src/project/worker-pool.js';
import { runCli } from '../cli/run-cli.js';
import { ALL_TARGETS, PROJECT, snapshot, tempDir } from './helpers.js';

const echo = new URL('./echo-worker.mjs', import.meta.url);
const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the worker pool', () => {
  it('returns results in job order whatever order the workers finish in, on distinct threads', async () => {
    // The first job is by far the slowest, so the others finish before it.
    const jobs = [500, 0, 0, 0, 0, 0].map((delay, value) => ({ delay, value }));
    const finished: number[] = [];
    const results = await runInPool<{ delay: number; value: number }, { value: number; threadId: number }>({
      entry: echo,
      size: 2,
      jobs,
      onResult: (i) => finished.push(i),
    });
    expect(results.map((r) => r.value)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(finished).not.toEqual([0, 1, 2, 3, 4, 5]);
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.size).toBe(2);
    expect(threads.has(threadId)).toBe(false);
  });

  it('rejects when a worker reports a failure, and handles an empty job list', async () => {
    await expect(runInPool({ entry: echo, size: 2, jobs: [{ delay: 0, value: 1 }, { fail: true }] })).rejects.toThrow(/asked to fail/);
    expect(await runInPool({ entry: echo, size: 2, jobs: [] })).toEqual([]);
  });
});

// The build workers run the compiled dist/ (a worker thread cannot load TypeScript); `npm test`
// builds it first. If dist/ is stale these comparisons with the in-process compile fail.
describe('compiling units on worker threads', () => {
  const units: CompileUnit[] = ['a', 'b', 'c', 'd'].map((suffix, i) => ({
    name: `variant-${suffix}`,
    flowPath: join(PROJECT, 'content-model.flow.yaml'),
    bindingFiles: [],
    configs: [],
    sets: [`app.train.epochs=${i + 1}`],
    targets: ALL_TARGETS.split(','),
    cwd: PROJECT,
  }));

  it('finds the compiled worker entry', () => {
    expect(compileWorkerEntry()?.href).toMatch(/\/dist\/project\/compile-worker\.js$/);
  });

  it('really runs on several threads (a worker and this one) and gives the same outputs as the main thread, in unit order', async () => {
    const parallel = await compileUnits({ units, env: {}, jobs: 2 });
    expect(parallel.stats).toEqual({ compiled: 4, cached: 0, workers: 2 });
    // --jobs 2 is one worker plus this thread, which compiles between taking the worker's results.
    const workerThreads = new Set(parallel.outputs.map((o) => o.threadId));
    expect(workerThreads.size).toBe(2);
    expect(workerThreads.has(threadId)).toBe(true);
    const serial = await compileUnits({ units, env: {}, jobs: 1 });
    expect(serial.stats.workers).toBe(0);
    expect(serial.outputs.every((o) => o.threadId === threadId)).toBe(true);
    expect(parallel.outputs.map((o) => o.name)).toEqual(units.map((u) => u.name));
    expect(parallel.outputs.map((o) => o.files)).toEqual(serial.outputs.map((o) => o.files));
    expect(parallel.outputs.map((o) => o.files)).toEqual(units.map((u) => compileUnit(u, {}).files));
  });

  it('flowc build with workers writes the same bytes as with one job', async () => {
    const a = tempDir();
    const b = tempDir();
    cleanup.push(a, b);
    const ra = await runCli(['build', '--target', ALL_TARGETS, '--out', a, '--jobs', '2', '--no-cache'], { cwd: PROJECT });
    expect(ra.stdout).toContain('(2 threads)');
    await runCli(['build', '--target', ALL_TARGETS, '--out', b, '--jobs', '1', '--no-cache'], { cwd: PROJECT });
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(readFileSync(join(a, 'build.manifest.json'), 'utf8')).toBe(readFileSync(join(b, 'build.manifest.json'), 'utf8'));
  });
});
