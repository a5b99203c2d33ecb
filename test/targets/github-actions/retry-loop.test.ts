import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { retryLoop, retryWaits } from '../../../src/targets/github-actions/retry-loop.js';
import { compileGha, irWith, parseWorkflow, step } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowc-gha-retry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a script with `sh` (as `shell: sh {0}` does) in the temp folder. */
function sh(script: string, env: NodeJS.ProcessEnv = process.env) {
  const started = Date.now();
  const r = spawnSync('/bin/sh', ['-c', script], { cwd: tmp, encoding: 'utf8', env });
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

/**
 * A command that counts its runs in a file, then hangs (sleeps `hang` seconds, far longer than the
 * 1 s attempt timeout) on the runs listed, and otherwise exits with `status`.
 */
const hangOn = ({ file, runs, hang = 20, status = 0 }: { file: string; runs: number[]; hang?: number; status?: number }) =>
  `sh -c 'c=$(cat ${file} 2>/dev/null || echo 0); c=$((c + 1)); echo $c > ${file}; case " ${runs.join(' ')} " in *" $c "*) exec sleep ${hang};; esac; exit ${status}'`;

const count = (file: string) => readFileSync(file, 'utf8').trim();
const noWait = { delaySeconds: 0, backoff: 1, maxDelaySeconds: null };

describe('each attempt is stopped at the step timeout (timeout(1) inside the loop)', () => {
  // Bounded by counts: each hung attempt is cut at 1 s, so a test takes about 1 s per hung attempt.
  test('a hung attempt is a failed attempt (status 124) and the next attempt still runs', () => {
    const file = join(tmp, 'hang-a');
    const r = sh(retryLoop({ command: hangOn({ file, runs: [1] }), retry: { limit: 2, ...noWait }, attemptSeconds: 1 }));
    expect(r.status).toBe(0);
    expect(count(file)).toBe('2');
    expect(r.stderr).toBe('flowc: attempt 1 of 3 failed with exit status 124 (timed out after 1s); retrying in 0s\n');
  });

  test('when every attempt hangs, each is stopped, all attempts run and the job fails with 124', () => {
    const file = join(tmp, 'hang-b');
    const r = sh(retryLoop({ command: hangOn({ file, runs: [1, 2] }), retry: { limit: 1, ...noWait }, attemptSeconds: 1 }));
    expect(r.status).toBe(124);
    expect(count(file)).toBe('2');
    expect(r.stderr).toContain('flowc: attempt 2 of 2 failed with exit status 124 (timed out after 1s)\n');
  });

  test('an ordinary failure keeps its own status and is not called a timeout', () => {
    const file = join(tmp, 'hang-c');
    const r = sh(retryLoop({ command: hangOn({ file, runs: [], status: 3 }), retry: { limit: 1, ...noWait }, attemptSeconds: 1 }));
    expect(r.status).toBe(3);
    expect(count(file)).toBe('2');
    expect(r.stderr).not.toContain('timed out');
  });

  test('an image without a timeout program still runs every attempt, and says the attempts are unbounded', () => {
    // A PATH holding only what the loop and the counting command use, and no `timeout`.
    const bin = join(tmp, 'bin-no-timeout');
    mkdirSync(bin);
    for (const tool of ['sh', 'cat', 'sleep']) symlinkSync(spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
    const file = join(tmp, 'hang-d');
    const r = sh(retryLoop({ command: hangOn({ file, runs: [], status: 124 }), retry: { limit: 1, ...noWait }, attemptSeconds: 1 }), { PATH: bin });
    expect(r.status).toBe(124);
    expect(count(file)).toBe('2');
    expect(r.stderr).toContain("flowc: no usable 'timeout' program in this image: an attempt is not stopped after 1s");
    // A 124 of the program's own is not reported as a timeout when nothing could time it out.
    expect(r.stderr).not.toContain('timed out');
  });

  test("a timeout that cannot run 'timeout N prog' (old BusyBox takes -t N) is not used", () => {
    // Such a `timeout` runs "1" as the program; this stand-in fails the same way on every call.
    const bin = join(tmp, 'bin-old-timeout');
    mkdirSync(bin);
    writeFileSync(join(bin, 'timeout'), '#!/bin/sh\necho "timeout: can\'t execute \'$1\': No such file or directory" >&2\nexit 127\n', { mode: 0o755 });
    const file = join(tmp, 'hang-g');
    const r = sh(retryLoop({ command: hangOn({ file, runs: [], status: 3 }), retry: { limit: 1, ...noWait }, attemptSeconds: 1 }), { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    expect(r.status).toBe(3);
    expect(count(file)).toBe('2');
    expect(r.stderr).toContain("flowc: no usable 'timeout' program in this image");
  });

  test('the job a flow compiles to stops a hung attempt of its run script and retries it', () => {
    const file = join(tmp, 'hang-e');
    const script = `c=$(cat ${file} 2>/dev/null || echo 0); c=$((c + 1)); echo $c > ${file}; [ "$c" -ge 2 ] || sleep 20\necho done\n`;
    const ir = irWith([step('a', { timeoutSeconds: 1, retry: { limit: 2, ...noWait }, exec: { kind: 'run', script: [{ kind: 'lit', value: script }] } })]);
    const job = parseWorkflow(compileGha(ir).text as string).jobs.a;
    // The job's timeout-minutes is the budget of every attempt and wait: 3 x 1 s, rounded up.
    expect(job['timeout-minutes']).toBe(1);
    const r = sh(job.steps[0].run);
    expect(r.status).toBe(0);
    expect(count(file)).toBe('2');
    expect(r.stdout).toBe('done\n');
    expect(r.stderr).toContain('attempt 1 of 3 failed with exit status 124 (timed out after 1s)');
  });

  test('exec form: the job runs the argv under timeout in each attempt', () => {
    const file = join(tmp, 'hang-f');
    const argv = ['sh', '-c', `c=$(cat ${file} 2>/dev/null || echo 0); c=$((c + 1)); echo $c > ${file}; exec sleep 20`].map((value) => [{ kind: 'lit' as const, value }]);
    const ir = irWith([step('a', { timeoutSeconds: 1, retry: { limit: 1, ...noWait }, exec: { kind: 'command', argv } })]);
    const r = sh(parseWorkflow(compileGha(ir).text as string).jobs.a.steps[0].run);
    expect(r.status).toBe(124);
    expect(count(file)).toBe('2');
  });
});
