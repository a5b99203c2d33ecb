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

/**
 * `command` (one shell command line, or a pipeline/list) wrapped in a loop that tries it at most
 * limit + 1 times, waits between attempts, and exits with the last attempt's status.
 */
export function retryLoop({ command, retry }: { command: string; retry: IRRetry }): string {
  const waits = retryWaits(retry);
  const attempts = retry.limit + 1;
  return [
    `# flowc retry: at most ${attempts} attempts, waiting ${waits.map((w) => `${w}s`).join(' ')} between them`,
    'flowc_attempt=1',
    `for flowc_wait in ${waits.join(' ')} last; do`,
    `  ${command} && exit 0`,
    '  flowc_status=$?',
    '  if [ "$flowc_wait" = last ]; then',
    `    echo "flowc: attempt $flowc_attempt of ${attempts} failed with exit status $flowc_status" >&2`,
    '    exit "$flowc_status"',
    '  fi',
    `  echo "flowc: attempt $flowc_attempt of ${attempts} failed with exit status $flowc_status; retrying in \${flowc_wait}s" >&2`,
    '  sleep "$flowc_wait"',
    '  flowc_attempt=$((flowc_attempt + 1))',
    'done',
    '',
  ].join('\n');
}
