import { sha256Hex } from '../../source/canonical-json.js';

/**
 * Kubernetes object and Argo template/task names: DNS-1123 labels (lower-case letters, digits and
 * `-`, starting and ending with a letter or digit), see
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names.
 */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Sanitizes any text to a DNS-1123 label: lower-cases it, turns every other character (notably
 * `_`) into `-`, and trims leading and trailing `-`. Returns `''` when nothing usable is left.
 */
export function toDnsLabel(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .replace(/-+$/, '');
}

/**
 * Keeps `name` within `max` characters. A longer name keeps a readable prefix and ends with `-` and
 * the first 8 hex digits of the SHA-256 of the whole name, so the result is stable across runs and
 * machines and two long names that share a prefix still differ.
 */
export function shortenWithHash(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = sha256Hex(name).slice(0, 8);
  const prefix = name.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return prefix ? `${prefix}-${hash}` : hash;
}

/** The Argo name of a workflow: a DNS-1123 label of at most `max` characters (see ARGO_LIMITS). */
export function workflowName(flowName: string, max: number): string {
  return shortenWithHash(toDnsLabel(flowName) || 'flow', max);
}

/**
 * A name for something flowc generates (the entry DAG, nested groups, shared templates) that cannot
 * collide with a user's name: `base` if free, else `base-2`, `base-3`, ... The choice depends only
 * on `taken`, so it is deterministic. The result is added to `taken`.
 */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}
