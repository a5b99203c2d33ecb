import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { suggestionNotes } from '../../diagnostics/suggest.js';
import { secretLocator } from '../../ir/secrets.js';
import type { IR, IROrigin, IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { readStepOptions, type SfnOptions } from './options.js';
import { secretArnKind } from './secrets.js';

const span = (o: IROrigin): Span => ({ file: o.file, line: o.line, col: o.col });

/** Where a step's `repositoryCredentials` comes from: its own options, or the flow's. */
function credentialsSetting(step: IRStep): { path: string; own: boolean } {
  const own = Object.hasOwn(step.targets, 'stepfunctions') ? step.targets.stepfunctions : undefined;
  const isOwn = own !== null && typeof own === 'object' && !Array.isArray(own) && Object.hasOwn(own, 'repositoryCredentials');
  return { path: isOwn ? `steps.${step.id}.targets.stepfunctions.repositoryCredentials` : 'targets.stepfunctions.repositoryCredentials', own: isOwn };
}

/**
 * What secrets and registry credentials need on this target, checked before anything is written:
 * - Both live in the definition the container runs from: a Batch job definition flowc writes, or
 *   an ECS task definition, which flowc does not write and an ECS RunTask override cannot add
 *   secrets to (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html):
 *   `compute: ecs` with either is FLOWC666.
 * - Batch reads them with the job definition's execution role
 *   (https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-secrets.html,
 *   https://docs.aws.amazon.com/batch/latest/userguide/private-auth-iam.html): without
 *   `executionRoleArn` it is FLOWC665.
 * - `repositoryCredentials` names a flow secret (FLOWC667 when no such secret, with did-you-mean)
 *   whose stepfunctions locator must be a Secrets Manager secret ARN: Batch's
 *   `credentialsParameter` takes no Parameter Store parameter (FLOWC668).
 */
export function checkSecrets(o: { ir: IR; options: SfnOptions; flowSpan: Span; diagnostics: DiagnosticBag }): void {
  const { ir, options, diagnostics } = o;
  const declared = ir.secrets.map((s) => s.name);
  // The first env secret is the clearer place to point at; registry credentials come after it.
  let firstSecretUse: { at: Span; what: string } | null = null;
  let firstCredentials: { at: Span; what: string } | null = null;
  const reported = new Set<string>();
  for (const step of ir.steps) {
    const first = step.secretEnv[0];
    if (first !== undefined && firstSecretUse === null) firstSecretUse = { at: span(first.origin), what: `steps.${step.id}.env.${first.name} uses secret '${first.secret}'` };
    const credentials = readStepOptions(ir, step).repositoryCredentials;
    if (credentials === null) continue;
    const setting = credentialsSetting(step);
    const at = setting.own ? span(step.origin) : o.flowSpan;
    if (firstCredentials === null) firstCredentials = { at, what: `${setting.path} names secret '${credentials}'` };
    // The flow-level option is checked once, not once per step that inherits it.
    if (reported.has(setting.path)) continue;
    reported.add(setting.path);
    if (!declared.includes(credentials)) {
      diagnostics.report(
        'FLOWC667',
        `${setting.path}: '${credentials}' is not a secret of this flow; it names a key of the flow's secrets: (${declared.length > 0 ? declared.join(', ') : 'none declared'})`,
        at,
        suggestionNotes(credentials, declared),
      );
      continue;
    }
    const locator = secretLocator(ir, credentials, 'stepfunctions');
    if (typeof locator !== 'string') {
      diagnostics.report('FLOWC668', `${setting.path}: secret '${credentials}' has no stepfunctions locator`, at, [
        `add secrets.${credentials}.stepfunctions: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`,
      ]);
    } else if (secretArnKind(locator) !== 'secretsmanager') {
      diagnostics.report(
        'FLOWC668',
        `${setting.path}: secret '${credentials}' is '${locator}', ${secretArnKind(locator) === 'ssm' ? 'a Parameter Store parameter' : 'not a Secrets Manager secret ARN'}, but AWS Batch reads private registry credentials only from a Secrets Manager secret (repositoryCredentials.credentialsParameter)`,
        at,
        ['store the registry username and password as a Secrets Manager secret and give its ARN'],
      );
    }
  }
  const use = firstSecretUse ?? firstCredentials;
  if (use === null) return;
  const { at, what } = use;
  if (options.compute === 'ecs') {
    diagnostics.report(
      'FLOWC666',
      `${what}, but with compute: ecs the secrets and registry credentials would have to be in the ECS task definition, which flowc does not write, and a RunTask override cannot add them`,
      at,
      ['use compute: batch (the default): flowc writes the job definitions that hold them'],
    );
  } else if (options.batch.executionRoleArn === null && options.batch.platform === 'EC2') {
    // On Fargate FLOWC662 already asks for the execution role.
    diagnostics.report(
      'FLOWC665',
      `${what}, but AWS Batch fetches secrets and registry credentials with the job definition's execution role, and none is set: set targets.stepfunctions.executionRoleArn to a role allowed secretsmanager:GetSecretValue (and ssm:GetParameters for Parameter Store)`,
      at,
      ['https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-secrets.html'],
    );
  }
}
