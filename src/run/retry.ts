import type { IRRetry } from '../ir/types.js';

/**
 * The wait before attempt `attempt + 1` (attempt is 1-based), as the engines compute it (Argo
 * `retryStrategy.backoff`, Step Functions `BackoffRate`/`MaxDelaySeconds`): the delay, times the
 * factor once per earlier retry, capped. In seconds.
 */
export function retryDelaySeconds(retry: IRRetry, attempt: number): number {
  const raw = retry.delaySeconds * retry.backoff ** (attempt - 1);
  return retry.maxDelaySeconds === null ? raw : Math.min(raw, retry.maxDelaySeconds);
}

/** Attempts a task gets at most: the first, then `limit` retries. */
export function maxAttempts(retry: IRRetry | null): number {
  return 1 + (retry?.limit ?? 0);
}

/** The longest delay `setTimeout` keeps; a longer one fires at once (Node's TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Seconds as a `setTimeout` delay, capped at about 24.8 days so that a long timeout or backoff never fires at once. */
export function timerMs(seconds: number): number {
  return Math.min(Math.max(0, seconds * 1000), MAX_TIMER_MS);
}
