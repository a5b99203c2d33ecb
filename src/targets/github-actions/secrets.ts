import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import { originSpan } from './origin.js';
import { ordered } from './serialize.js';

/**
 * GitHub's rules for a secret's name: alphanumerics or `_`, not starting with a digit, not
 * starting with `GITHUB_`, case-insensitive.
 * https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/use-secrets#naming-your-secrets
 */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The automatic token: `secrets.GITHUB_TOKEN` exists in every run (and in every called workflow,
 * without being passed), although no secret of that name can be created.
 */
export const GITHUB_TOKEN = 'GITHUB_TOKEN';

/** Why `locator` cannot name a GitHub Actions secret (FLOWC608), or undefined when it can. */
export function checkSecretLocator(locator: Json): string | undefined {
  if (typeof locator !== 'string') return `a GitHub Actions secret is named by a string, not ${Array.isArray(locator) ? 'a list' : locator === null ? 'null' : typeof locator === 'object' ? 'a map' : `a ${typeof locator}`}`;
  if (!SECRET_NAME.test(locator)) {
    return /^[0-9]/.test(locator)
      ? `'${locator}' starts with a digit, which a GitHub secret name cannot`
      : `'${locator}' is not a GitHub secret name (letters, digits and '_' only)`;
  }
  if (/^GITHUB_/i.test(locator) && locator.toUpperCase() !== GITHUB_TOKEN) {
    return `'${locator}' starts with GITHUB_, which GitHub reserves (only the automatic GITHUB_TOKEN can be used)`;
  }
  return undefined;
}

/** `${{ secrets.NAME }}` parts: GitHub reads the secret when the step starts; flowc never sees it. */
export function secretExpr(githubName: string): string {
  return `secrets.${githubName}`;
}

/**
 * The GitHub secret names of the flow secrets in `names`, by flow secret name, for the secrets
 * whose locator is valid (the others are FLOWC608/FLOWC637 already). Two flow secrets whose
 * locators differ only in case name one GitHub secret, which is almost surely a typo in one of
 * them: FLOWC634 at the second.
 */
export function githubSecretNames(ir: IR, names: Iterable<string>, diagnostics: DiagnosticBag): Map<string, string> {
  const wanted = new Set(names);
  const out = new Map<string, string>();
  const byFolded = new Map<string, { flowName: string; locator: string }>();
  for (const s of ir.secrets) {
    if (!wanted.has(s.name) || !Object.hasOwn(s.locators, 'github-actions')) continue;
    const locator = s.locators['github-actions'] as Json;
    if (typeof locator !== 'string' || checkSecretLocator(locator) !== undefined) continue;
    const folded = locator.toUpperCase();
    const seen = byFolded.get(folded);
    if (seen && seen.locator !== locator) {
      diagnostics.report(
        'FLOWC634',
        `secrets.${s.name}.github-actions is '${locator}' and secrets.${seen.flowName}.github-actions is '${seen.locator}': GitHub secret names are case-insensitive, so both name one secret`,
        originSpan(s.origin),
        [`write both as '${seen.locator}' if they are one secret, or give them different names`],
      );
      continue;
    }
    if (!seen) byFolded.set(folded, { flowName: s.name, locator });
    out.set(s.name, locator);
  }
  return out;
}

/**
 * `on.workflow_call.secrets`: a called workflow sees only the secrets its caller passes (by name
 * or `secrets: inherit`), so every one a job reads is declared, required. GITHUB_TOKEN is always
 * there and cannot be declared.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_callsecrets
 */
export function callSecrets(githubNames: Iterable<string>): Record<string, unknown> | undefined {
  const names = [...new Set(githubNames)].filter((n) => n.toUpperCase() !== GITHUB_TOKEN).sort();
  if (names.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = ordered('callSecret', { description: `the flow's jobs read it as secret ${n}`, required: true });
  return out;
}
