import type { IRRetry } from '../ir/types.js';
import type { LimitsTable } from './limits.js';

/** The longest single wait the policy asks for: delay × backoff^(limit − 1), bounded by maxDelay. */
export function longestRetryWait(r: IRRetry): number {
  const grown = r.delaySeconds * r.backoff ** Math.max(0, r.limit - 1);
  return r.maxDelaySeconds === null ? grown : Math.min(grown, r.maxDelaySeconds);
}

/**
 * The retry policy as a target writes it: every wait at most the engine's longest
 * (`limits.retryDelay`). A flow without `maxDelay` whose backoff would pass that gets it as
 * `maxDelaySeconds` (10s doubling over 90 retries would otherwise ask for 6.2e27 seconds, which
 * engines overflow or refuse); a longer `delay` or `maxDelay` is lowered to it. A policy whose
 * waits all fit is returned as it is, so its artifact does not change.
 */
export function cappedRetry(r: IRRetry, limits: LimitsTable): IRRetry {
  const max = limits.retryDelay.value;
  const delaySeconds = Math.min(r.delaySeconds, max);
  const maxDelaySeconds = r.maxDelaySeconds !== null ? Math.min(r.maxDelaySeconds, max) : longestRetryWait(r) > max ? max : null;
  if (delaySeconds === r.delaySeconds && maxDelaySeconds === r.maxDelaySeconds) return r;
  return { ...r, delaySeconds, maxDelaySeconds };
}
