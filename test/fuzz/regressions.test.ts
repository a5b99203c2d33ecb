import { basename, join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { caseDirs } from './cases.js';
import { FUZZ_TIMEOUT, tempRoot } from './helpers.js';
import { expectCase } from './replay.js';

/**
 * Replays every case the fuzzers found (fixtures/fuzz-regressions/<name>/: the inputs and
 * case.json, see its README). Cases marked `child` run the real bin as a child process with a
 * timeout: the "never hangs" guarantee for the worst inputs (deep nesting, alias trees, special
 * files), which an in-process run could not interrupt.
 */
const ROOT = resolve(import.meta.dirname, '../../fixtures/fuzz-regressions');
const work = tempRoot('flowc-fuzz-replay-');

describe('saved fuzz cases replay', () => {
  const dirs = caseDirs(ROOT);
  it('the folder holds cases', ({ expect }) => {
    expect(dirs.length).toBeGreaterThan(0);
  });
  for (const dir of dirs) {
    it(basename(dir), () => expectCase(dir, join(work, basename(dir))), FUZZ_TIMEOUT);
  }
});
