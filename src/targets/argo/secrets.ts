import type { Json } from '../../source/tree.js';
import type { SecretSupport } from '../target.js';

/**
 * A secret's Argo locator is a key of a Kubernetes Secret in the workflow's namespace, read into
 * the step's env with `valueFrom.secretKeyRef` (SPEC section 8;
 * https://kubernetes.io/docs/reference/kubernetes-api/core-v1/env-var-v1/ (SecretKeySelector)).
 * Names and keys are checked as the API server does (k8s.io/apimachinery validation:
 * `IsDNS1123Subdomain` for the Secret's name, `IsConfigMapKey` for the key), so a typo is a compile
 * error, not a pod stuck in CreateContainerConfigError.
 */
export const ARGO_SECRETS: SecretSupport = {
  locator: 'a Kubernetes Secret reference { name, key }',
  checkLocator: checkArgoLocator,
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export function checkArgoLocator(locator: Json): string | undefined {
  if (locator === null || typeof locator !== 'object' || Array.isArray(locator)) {
    return `expected a map { name, key } naming a Kubernetes Secret and one of its keys, got ${JSON.stringify(locator)}`;
  }
  const extra = Object.keys(locator).filter((k) => k !== 'name' && k !== 'key');
  if (extra.length > 0) return `unknown field ${extra.map((k) => `'${k}'`).join(', ')}; a locator has only name and key`;
  const { name, key } = locator as { name?: Json; key?: Json };
  if (typeof name !== 'string') return 'name (the Kubernetes Secret) is missing or not a string';
  if (typeof key !== 'string') return 'key (the key in the Secret) is missing or not a string';
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return `name '${name}' is not a Kubernetes Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters, starting and ending with a letter or digit)`;
  }
  if (key.length > 253 || !SECRET_KEY.test(key) || key === '.' || key.startsWith('..')) {
    return `key '${key}' is not a Secret key (letters, digits, '-', '_' and '.', at most 253 characters, not '.' and not starting with '..')`;
  }
  return undefined;
}
