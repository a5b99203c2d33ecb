import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { suggestionNotes } from '../../diagnostics/suggest.js';
import { secretLocator } from '../../ir/secrets.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import type { Span } from '../../source/span.js';
import type { SecretSupport } from '../target.js';
import type { GcpOptions } from './options.js';

const TARGET = 'gcp-workflows';

/**
 * A Secret Manager secret version path, the form Batch reads in `environment.secretVariables` and
 * in a container's `username`/`password`
 * (https://cloud.google.com/batch/docs/create-run-job-secret-manager): the project by id
 * (https://cloud.google.com/resource-manager/docs/creating-managing-projects) or number, the
 * secret id (letters, digits, `-`, `_`, at most 255: https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create),
 * and a version number or `latest`.
 */
const VERSION_PATH = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20})\/secrets\/[A-Za-z0-9_-]{1,255}\/versions\/([1-9][0-9]*|latest)$/;

export const GCP_SECRET_LOCATOR = 'a Secret Manager version path projects/PROJECT/secrets/SECRET/versions/VERSION (VERSION a number or latest)';

/** Why `locator` is not a Secret Manager version path, or undefined when it is one. */
export function checkGcpLocator(locator: Json): string | undefined {
  if (typeof locator !== 'string') return `expected a string, got ${locator === null ? 'null' : Array.isArray(locator) ? 'a list' : typeof locator}`;
  if (VERSION_PATH.test(locator)) return undefined;
  if (/^projects\/[^/]+\/secrets\/[^/]+$/.test(locator)) return `'${locator}' names a secret but not a version; add /versions/latest or /versions/<number>`;
  return `'${locator}' is not a Secret Manager version path`;
}

export const GCP_SECRET_SUPPORT: SecretSupport = { locator: GCP_SECRET_LOCATOR, checkLocator: checkGcpLocator };

/**
 * A step's secret env as Batch `environment.secretVariables`: variable name to the secret's
 * version path, which Batch resolves on the VM (the job's service account needs
 * roles/secretmanager.secretAccessor). The value never passes through the workflow. Null when
 * the step uses no secret. The shared check (src/check/target-secrets.ts) has already refused a
 * missing or malformed locator.
 */
export function secretVariables(ir: IR, step: IRStep): Record<string, string> | null {
  if (step.secretEnv.length === 0) return null;
  const out: Record<string, string> = {};
  for (const e of step.secretEnv) out[e.name] = secretLocator(ir, e.secret, TARGET) as string;
  return out;
}

/**
 * `registryCredentials` as the Batch container's `username` and `password`: each names a flow
 * secret, written as its Secret Manager path, which Batch reads itself when the value matches
 * `projects/*\/secrets/*\/versions/*` (https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#Container).
 * An unknown name is FLOWC651, a secret without a usable locator FLOWC652; both return null.
 */
export function registryLogin(ir: IR, options: GcpOptions, diagnostics: DiagnosticBag, flowSpan: Span): { username: string; password: string } | null {
  const creds = options.registryCredentials;
  if (!creds) return null;
  const out: Record<string, string> = {};
  let ok = true;
  for (const field of ['username', 'password'] as const) {
    const name = creds[field];
    const secret = ir.secrets.find((s) => s.name === name);
    const where = `targets.${TARGET}.registryCredentials.${field}`;
    if (!secret) {
      ok = false;
      const declared = ir.secrets.map((s) => s.name);
      diagnostics.report('FLOWC651', `${where}: '${name}' is not a secret of this flow`, flowSpan, [
        ...suggestionNotes(name, declared),
        declared.length > 0 ? `secrets declared: ${declared.join(', ')}` : 'declare it under secrets: with a gcp-workflows locator',
        'the value names a flow secret (a key of secrets:), not the credential itself',
      ]);
      continue;
    }
    const locator = secretLocator(ir, name, TARGET);
    const problem = locator === undefined ? `secret '${name}' has no locator for target ${TARGET}` : checkGcpLocator(locator);
    if (problem !== undefined) {
      ok = false;
      diagnostics.report('FLOWC652', `${where} names secret '${name}': ${locator === undefined ? problem : `secrets.${name}.${TARGET}: ${problem}`}`, { file: secret.origin.file, line: secret.origin.line, col: secret.origin.col }, [
        `add secrets.${name}.${TARGET}: ${GCP_SECRET_LOCATOR}`,
      ]);
      continue;
    }
    out[field] = locator as string;
  }
  return ok ? { username: out.username as string, password: out.password as string } : null;
}
