import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../ir/types.js';
import { renderTemplate } from './expressions.js';
import type { GhaOptions } from './options.js';
import { originSpan } from './origin.js';
import { checkSecretLocator, GITHUB_TOKEN, secretExpr } from './secrets.js';

/** How a job logs in to its image's registry, and the token permissions that needs. */
export interface ContainerLogin {
  credentials: { username: string; password: string };
  /** Job-level `permissions` when the login uses GITHUB_TOKEN, else undefined. */
  permissions?: Record<string, string>;
}

/**
 * `jobs.<job_id>.container.credentials` for a step (SPEC section 8, private images):
 * - `containerCredentials: { username, password }`: the username as written, the password from
 *   the flow secret it names (`${{ secrets.X }}`, never text);
 * - none, and the image is on ghcr.io: GitHub's own recipe, `github.actor` and the automatic
 *   GITHUB_TOKEN, with `packages: read` for this job only (the workflow's `permissions: {}` gives
 *   the token nothing, so a private package would not pull);
 * - otherwise no login.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idcontainercredentials
 */
export function containerLogin({ step, options, githubSecret }: { step: IRStep; options: GhaOptions; githubSecret: (flowSecret: string) => string | undefined }): ContainerLogin | undefined {
  const given = options.containerCredentials;
  if (given) {
    // Undefined only after FLOWC636/FLOWC637, when no workflow is written.
    const secret = githubSecret(given.password);
    if (secret === undefined) return undefined;
    return { credentials: { username: text(given.username), password: expr(secretExpr(secret)) } };
  }
  if (registryHost(step.image) !== 'ghcr.io') return undefined;
  return {
    credentials: { username: expr('github.actor'), password: expr(secretExpr(GITHUB_TOKEN)) },
    permissions: packagesRead(options.permissions),
  };
}

/**
 * The job's permissions: a job-level map replaces the workflow's, so it repeats the workflow's
 * and adds `packages: read`. `read-all`/`write-all` already read packages, and a `packages` key
 * the user set is theirs to keep.
 */
function packagesRead(workflow: GhaOptions['permissions']): Record<string, string> | undefined {
  if (typeof workflow === 'string' || Object.hasOwn(workflow, 'packages')) return undefined;
  return { ...workflow, packages: 'read' };
}

/**
 * A credential password must name a flow secret with a usable github-actions locator; the name
 * itself was checked where it was written (FLOWC636). Otherwise FLOWC637 at the secret's
 * declaration, once per secret whichever steps use it.
 */
export function checkCredentialSecrets({ ir, stepOptions, diagnostics }: { ir: IR; stepOptions: Map<string, GhaOptions>; diagnostics: DiagnosticBag }): void {
  const reported = new Set<string>();
  for (const step of ir.steps) {
    const options = stepOptions.get(step.id);
    const name = options?.container ? options.containerCredentials?.password : undefined;
    if (name === undefined || reported.has(name)) continue;
    const s = ir.secrets.find((x) => x.name === name);
    if (!s) continue;
    const locator = Object.hasOwn(s.locators, 'github-actions') ? s.locators['github-actions'] : undefined;
    const problem = locator === undefined ? 'has no github-actions locator' : checkSecretLocator(locator);
    if (problem === undefined) continue;
    reported.add(name);
    diagnostics.report(
      'FLOWC637',
      `secret '${name}' (the containerCredentials password of step '${step.id}') ${locator === undefined ? problem : `is unusable for github-actions: ${problem}`}`,
      originSpan(s.origin),
      [`set secrets.${name}.github-actions to the name of a GitHub Actions secret`],
    );
  }
}

/**
 * The registry host of an image reference: its first path part when that looks like a host (has
 * a `.` or `:`, or is `localhost`), as Docker reads it; Docker Hub otherwise.
 */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first.toLowerCase() : 'docker.io';
}

function text(s: string): string {
  return renderTemplate([{ kind: 'text', text: s }]).text;
}

function expr(e: string): string {
  return renderTemplate([{ kind: 'expr', expr: e }]).text;
}
