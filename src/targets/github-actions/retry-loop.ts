import type { IRRetry } from '../../ir/types.js';
import { cappedRetry } from '../retry.js';
import { GHA_LIMIT_TABLE } from './limits.js';

/**
 * GitHub Actions has no step or job retry, so a step with a retry policy runs its command in a
 * bounded POSIX shell loop (SPEC section 6, retry row). The waits are computed here, at compile
 * time, so the loop needs no shell arithmetic on fractions and reads as plain numbers.
 */

/**
 * The wait before each retry, in whole seconds: delay × backoff^i, capped at maxDelay and at the
 * longest wait a hosted job can hold (limits.ts), rounded up (`sleep` takes whole seconds in POSIX).
 */
export function retryWaits(policy: IRRetry): number[] {
  const retry = cappedRetry(policy, GHA_LIMIT_TABLE);
  const waits: number[] = [];
  for (let i = 0; i < retry.limit; i++) {
    let w = retry.delaySeconds * retry.backoff ** i;
    if (retry.maxDelaySeconds !== null) w = Math.min(w, retry.maxDelaySeconds);
    // Round away float noise (30 * 1.1 ** 2 = 36.300000000000004) before rounding up.
    waits.push(Math.ceil(Math.round(w * 1000) / 1000));
  }
  return waits;
}

/** The exit status of `timeout` (GNU coreutils) when it stopped the command. */
export const TIMEOUT_STATUS = 124;

/**
 * `command` (one shell command line, or a pipeline/list) wrapped in a loop that tries it at most
 * limit + 1 times, waits between attempts, and exits with the last attempt's status.
 *
 * With `attemptSeconds`, each attempt runs under `timeout`, so a hung attempt is stopped at the
 * step's timeout (exit status 124, a failed attempt like any other) and the next one still gets
 * its turn; the job's `timeout-minutes` is then the budget of all attempts and waits together.
 * `command` must start with a program name, not a shell keyword, builtin or assignment (exec
 * form argv, or `sh -c`). An image without a usable `timeout` program still runs, bounded by the
 * job only: a step should not fail for a missing helper, and it says so on stderr.
 */
export function retryLoop({
  command,
  retry,
  attemptSeconds = null,
  beforeAttempt,
}: {
  command: string;
  retry: IRRetry;
  attemptSeconds?: number | null;
  /** A shell line run before every attempt (the step's outputs folder emptied). */
  beforeAttempt?: string;
}): string {
  const waits = retryWaits(retry);
  const attempts = retry.limit + 1;
  const limit = attemptSeconds === null ? null : Math.max(1, Math.ceil(attemptSeconds));
  const each = limit === null ? '' : ` of at most ${limit}s each`;
  const guard =
    limit === null
      ? []
      : [
          // Word splitting of an unquoted variable gives `timeout N` its two words, or nothing.
          `flowc_timeout='timeout ${limit}'`,
          // A trial run rather than `command -v`: old BusyBox has a `timeout` that takes `-t SECS`
          // and would run "N" as the program, failing every attempt.
          `timeout 1 true >/dev/null 2>&1 || { flowc_timeout=; echo "flowc: no usable 'timeout' program in this image: an attempt is not stopped after ${limit}s, only the job's timeout-minutes bounds it" >&2; }`,
        ];
  const run = limit === null ? command : `$flowc_timeout ${command}`;
  const timedOut = limit === null ? '' : ` (timed out after ${limit}s)`;
  return [
    `# flowc retry: at most ${attempts} attempts${each}, waiting ${waits.map((w) => `${w}s`).join(' ')} between them`,
    ...guard,
    'flowc_attempt=1',
    `for flowc_wait in ${waits.join(' ')} last; do`,
    ...(beforeAttempt === undefined ? [] : [`  ${beforeAttempt}`]),
    `  ${run} && exit 0`,
    '  flowc_status=$?',
    ...(limit === null ? [] : [`  flowc_why=; [ "$flowc_status" = ${TIMEOUT_STATUS} ] && [ -n "$flowc_timeout" ] && flowc_why='${timedOut}'`]),
    '  if [ "$flowc_wait" = last ]; then',
    `    echo "flowc: attempt $flowc_attempt of ${attempts} failed with exit status $flowc_status${limit === null ? '' : '$flowc_why'}" >&2`,
    '    exit "$flowc_status"',
    '  fi',
    `  echo "flowc: attempt $flowc_attempt of ${attempts} failed with exit status $flowc_status${limit === null ? '' : '$flowc_why'}; retrying in \${flowc_wait}s" >&2`,
    '  sleep "$flowc_wait"',
    '  flowc_attempt=$((flowc_attempt + 1))',
    'done',
    '',
  ].join('\n');
}
