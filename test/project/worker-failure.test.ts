import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileUnits } from '../../src/project/compile-units.js';
import type { CompileUnit } from '../../src/project/unit.js';
import { runInPool } from '../../src/project/worker-pool.js';
import { runCli } from '../cli/run-cli.js';
import { PROJECT, tempFolders } from './helpers.js';

// In this thread, compiling the binding named in `boom.unit` throws, as a bug or an unbounded input would.
const boom = vi.hoisted(() => ({ unit: '' }));
vi.mock('../../src/project/compile-unit.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/project/compile-unit.js')>();
  return {
    ...actual,
    compileUnit: (unit: CompileUnit, env: Record<string, string | undefined>) => {
      if (unit.name === boom.unit) throw new RangeError('Maximum call stack size exceeded');
      return actual.compileUnit(unit, env);
    },
  };
});

const { temp } = tempFolders();
const echo = new URL('./echo-worker.mjs', import.meta.url);

describe('a failing job in the worker pool', () => {
  it('with `failed`, becomes that job\'s result (thrown, posted or a dead worker) and the other jobs still run', async () => {
    const jobs = [{ delay: 0, value: 1 }, { throw: true }, { delay: 0, value: 2 }, { exit: 3 }, { fail: true }, { delay: 0, value: 3 }];
    const results = await runInPool<object, { value?: number; failed?: string }>({
      entry: echo,
      size: 2,
      jobs,
      failed: (index, failure) => ({ failed: `${index}: ${failure.message}` }),
    });
    expect(results).toEqual([
      { value: 2, threadId: expect.any(Number) },
      { failed: expect.stringMatching(/^1: RangeError: asked to throw$/) },
      { value: 4, threadId: expect.any(Number) },
      { failed: '3: the worker thread exited with code 3' },
      { failed: '4: asked to fail' },
      { value: 6, threadId: expect.any(Number) },
    ]);
  });
});

describe('a unit whose compile throws', () => {
  const unit = (name: string, sets: unknown[]): CompileUnit => ({
    name,
    flowPath: join(PROJECT, 'content-model.flow.yaml'),
    bindingFiles: [],
    configs: [],
    sets: sets as string[],
    targets: ['ir'],
    cwd: PROJECT,
  });
  // A set that is not a string makes compileUnit throw: no CLI input can produce it, so it stands
  // for any unexpected exception in a worker.
  const units = [unit('good-a', []), unit('bad', [42]), unit('good-b', ['app.train.epochs=3'])];

  it.each([1, 2])('fails alone with one FLOWC716 and no stack (jobs %i); the others compile', async (jobs) => {
    const { outputs, stats } = await compileUnits({ units, env: {}, jobs });
    expect(stats.workers).toBe(jobs === 1 ? 0 : 2);
    expect(outputs.map((o) => o.ok)).toEqual([true, false, true]);
    const [d] = (outputs[1] as { diagnostics: { code: string; message: string; notes?: string[] }[] }).diagnostics;
    expect(d).toEqual({
      code: 'FLOWC716',
      severity: 'error',
      message: "compiling 'bad' failed unexpectedly: TypeError: arg.startsWith is not a function",
      notes: ['this is probably a bug in flowc (or an input it does not yet bound): please report it with the input that caused it', 'run again with FLOWC_DEBUG=1 for a stack trace'],
    });
  });

  it('carries the stack with FLOWC_DEBUG=1', async () => {
    const { outputs } = await compileUnits({ units, env: { FLOWC_DEBUG: '1' }, jobs: 2 });
    expect(outputs[1]?.diagnostics[0]?.notes?.[1]).toMatch(/^TypeError: arg\.startsWith is not a function\n\s+at /);
  });
});

describe('flowc build when a binding\'s compile throws', () => {
  it('prints one coded diagnostic without a stack trace and exits 1, never 70; FLOWC_DEBUG=1 adds the stack', async () => {
    boom.unit = 'content-ctr';
    try {
      const args = ['build', '--target', 'ir', '--jobs', '1', '--no-cache', '--out', temp()];
      const r = await runCli(args, { cwd: PROJECT });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^flowc: error FLOWC716: compiling 'content-ctr' failed unexpectedly: RangeError: Maximum call stack size exceeded$/m);
      expect(r.stderr.match(/FLOWC716/g)).toHaveLength(1);
      expect(r.stderr).toMatch(/^flowc\.yaml:10:11: error FLOWC709: binding 'content-ctr' failed to compile \(1 error\); nothing was written$/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const debug = await runCli(args, { cwd: PROJECT, env: { FLOWC_DEBUG: '1' } });
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/\n\s+at /);
    } finally {
      boom.unit = '';
    }
  });
});
