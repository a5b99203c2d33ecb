import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { copyProject, listFiles, snapshot } from './helpers.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(): string {
  const d = copyProject();
  cleanup.push(d);
  return d;
}

function counts(stdout: string): { compiled: number; cached: number; workers: number } {
  const m = /(\d+) compiled, (\d+) from cache(?: \((\d+) threads\))?/.exec(stdout);
  if (!m) throw new Error(`no counts in ${JSON.stringify(stdout)}`);
  return { compiled: Number(m[1]), cached: Number(m[2]), workers: Number(m[3] ?? 0) };
}

// Issue 19: the worker threads store their own compiles in the cache (while the other worker
// compiles) instead of the main thread storing all of them after the last compile.
describe('the build cache with worker threads', () => {
  it('stores every unit a worker compiled, so the next build takes them all from the cache, byte for byte', async () => {
    const dir = project();
    const cold = await runCli(['build', '--jobs', '2'], { cwd: dir });
    expect(cold.code).toBe(0);
    expect(counts(cold.stdout)).toEqual({ compiled: 3, cached: 0, workers: 2 });
    expect(readdirSync(join(dir, '.flowc-cache/units'))).toHaveLength(3);
    const outputs = snapshot(join(dir, 'build'));
    rmSync(join(dir, 'build'), { recursive: true });
    const warm = await runCli(['build', '--jobs', '2'], { cwd: dir });
    expect(counts(warm.stdout)).toEqual({ compiled: 0, cached: 3, workers: 0 });
    expect(snapshot(join(dir, 'build'))).toEqual(outputs);
  });

  it('--check on worker threads writes no cache entry; --no-cache neither', async () => {
    const dir = project();
    const check = await runCli(['build', '--jobs', '2', '--check'], { cwd: dir });
    expect(check.stdout).toMatch(/missing/);
    expect(listFiles(dir).some((f) => f.startsWith('.flowc-cache'))).toBe(false);
    const noCache = await runCli(['build', '--jobs', '2', '--no-cache'], { cwd: dir });
    expect(counts(noCache.stdout)).toEqual({ compiled: 3, cached: 0, workers: 2 });
    expect(listFiles(dir).some((f) => f.startsWith('.flowc-cache'))).toBe(false);
  });
});
