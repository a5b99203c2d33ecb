import { argoTarget } from './argo/index.js';
import { gcpWorkflowsTarget } from './gcp-workflows/index.js';
import { githubActionsTarget } from './github-actions/index.js';
import { irTarget } from './ir/index.js';
import { stepFunctionsTarget } from './stepfunctions/index.js';
import { targetAliases } from './registry-docs.js';
import type { Target } from './target.js';

/** The only registry of targets: adding a backend is one line here plus its folder. */
export const TARGETS: readonly Target[] = [irTarget, argoTarget, gcpWorkflowsTarget, githubActionsTarget, stepFunctionsTarget];

/** Alias -> canonical id (`sfn` -> `stepfunctions`), derived from the registry. */
export const TARGET_ALIASES: Readonly<Record<string, string>> = targetAliases(TARGETS);

export function findTarget(name: string): Target | undefined {
  return TARGETS.find((t) => t.id === name || t.aliases.includes(name));
}
