/**
 * Kubernetes quantities and Go durations for Argo fields.
 * Quantities: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 * Durations (`backoff.duration`, `backoff.cap`): Go's time.ParseDuration, which has no day unit.
 */

/** Whole cores as `"2"`, anything else as millicores `"500m"`. */
export function cpuQuantity(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** MiB as the largest binary unit that divides it exactly: `2048` -> `"2Gi"`, `512` -> `"512Mi"`. */
export function memoryQuantity(mib: number): string {
  if (mib > 0 && mib % (1024 * 1024) === 0) return `${mib / (1024 * 1024)}Ti`;
  if (mib > 0 && mib % 1024 === 0) return `${mib / 1024}Gi`;
  return `${mib}Mi`;
}

/** Seconds as a Go duration: `5400` -> `"1h30m"`, `0` -> `"0s"`. */
export function goDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
