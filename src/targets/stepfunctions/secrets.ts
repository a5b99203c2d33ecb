import type { Json } from '../../source/tree.js';
import type { SecretSupport } from '../target.js';

/**
 * A Secrets Manager secret ARN, optionally with Batch's `:json-key:version-stage:version-id`
 * suffix (https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-secrets.html),
 * or an SSM Parameter Store parameter ARN
 * (https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-parameters.html).
 * Batch accepts a bare parameter name in the job's own region, but only a full ARN says which
 * region and partition the value lives in, so flowc asks for the ARN.
 */
const SECRETS_MANAGER_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z]{2}(?:-[a-z]+)+-[0-9]+):([0-9]{12}):secret:[A-Za-z0-9/_+=.@-]+(?::[^:]*:[^:]*:[^:]*)?$/;
const SSM_PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([a-z]{2}(?:-[a-z]+)+-[0-9]+):([0-9]{12}):parameter\/[A-Za-z0-9_.\-/]+$/;

export type SecretArnKind = 'secretsmanager' | 'ssm';

export function secretArnKind(arn: string): SecretArnKind | null {
  if (SECRETS_MANAGER_ARN.test(arn)) return 'secretsmanager';
  if (SSM_PARAMETER_ARN.test(arn)) return 'ssm';
  return null;
}

/** The locator shape of `secrets.<name>.stepfunctions`, for the shared FLOWC608 check. */
export const SFN_SECRET_SUPPORT: SecretSupport = {
  locator: 'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME) or an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)',
  checkLocator: (locator: Json) => {
    if (typeof locator !== 'string') return `expected an ARN string, found ${locator === null ? 'null' : Array.isArray(locator) ? 'a list' : typeof locator === 'object' ? 'a map' : typeof locator}`;
    if (secretArnKind(locator) === null) return `'${locator}' is neither a Secrets Manager secret ARN nor an SSM Parameter Store parameter ARN`;
    return undefined;
  },
};
