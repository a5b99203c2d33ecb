import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { retryLoop, retryWaits } from '../../../src/targets/github-actions/retry-loop.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowc-gha-retry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a script with `sh` (as `shell: sh {0}` does) in the temp folder. */
function sh(script: string) {
  const started = Date.now();
  const r = spawnSync('sh', ['-c', script], { cwd: tmp, encoding: 'utf8' });
  return { ...r, ms: Date.now() - started };
}

/** A command that fails (exit 3) until it has run `n` times, counting runs in a file. */
const failUntil = (n: number, file: string) =>
  `sh -c 'c=$(cat ${file} 2>/dev/null || echo 0); c=$((c + 1)); echo $c > ${file}; [ "$c" -ge ${n} ] || exit 3'`;

describe('retry waits', () => {
  test('grow by the backoff, stop at maxDelay, and round up to whole seconds', () => {
    expect(retryWaits({ limit: 5, delaySeconds: 10, backoff: 3, maxDelaySeconds: 300 })).toEqual([10, 30, 90, 270, 300]);
    expect(retryWaits({ limit: 3, delaySeconds: 30, backoff: 1, maxDelaySeconds: null })).toEqual([30, 30, 30]);
    expect(retryWaits({ limit: 3, delaySeconds: 30, backoff: 1.1, maxDelaySeconds: null })).toEqual([30, 33, 37]);
    expect(retryWaits({ limit: 2, delaySeconds: 0.5, backoff: 2, maxDelaySeconds: null })).toEqual([1, 1]);
    expect(retryWaits({ limit: 0, delaySeconds: 30, backoff: 2, maxDelaySeconds: null })).toEqual([]);
  });
});

describe('the retry loop, run for real in sh', () => {
  test('a command that fails twice then succeeds runs three times and the job succeeds', () => {
    const file = join(tmp, 'count-a');
    const r = sh(retryLoop({ command: failUntil(3, file), retry: { limit: 3, delaySeconds: 0, backoff: 2, maxDelaySeconds: null } }));
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8').trim()).toBe('3');
    expect(r.stderr).toContain('flowc: attempt 1 of 4 failed with exit status 3; retrying in 0s');
    expect(r.stderr).toContain('flowc: attempt 2 of 4 failed with exit status 3; retrying in 0s');
    expect(r.stderr).not.toContain('attempt 3');
  });

  test('is bounded: after limit + 1 attempts the job fails with the last exit status', () => {
    const file = join(tmp, 'count-b');
    const r = sh(retryLoop({ command: failUntil(100, file), retry: { limit: 2, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } }));
    expect(r.status).toBe(3);
    expect(readFileSync(file, 'utf8').trim()).toBe('3');
    expect(r.stderr).toContain('flowc: attempt 3 of 3 failed with exit status 3\n');
  });

  test('waits the configured delays between attempts', () => {
    const file = join(tmp, 'count-c');
    // delay 1s, backoff 2, capped at 1s: waits 1s and 1s.
    const r = sh(retryLoop({ command: failUntil(3, file), retry: { limit: 2, delaySeconds: 1, backoff: 2, maxDelaySeconds: 1 } }));
    expect(r.status).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(1900);
    expect(r.stderr).toContain('retrying in 1s');
  });

  test('a succeeding command runs once', () => {
    const file = join(tmp, 'count-d');
    const r = sh(retryLoop({ command: failUntil(1, file), retry: { limit: 5, delaySeconds: 60, backoff: 2, maxDelaySeconds: null } }));
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8').trim()).toBe('1');
    expect(r.stderr).toBe('');
  });
});
