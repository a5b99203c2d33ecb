import { builtinTemplateTargets, loadTemplateTarget } from '../templates/load.js';
import { argoTarget } from './argo/index.js';
import { gcpWorkflowsTarget } from './gcp-workflows/index.js';
import { githubActionsTarget } from './github-actions/index.js';
import { irTarget } from './ir/index.js';
import { stepFunctionsTarget } from './stepfunctions/index.js';
import { lazyView } from './lazy-view.js';
import { targetAliases } from './registry-docs.js';
import type { Target } from './target.js';

/**
 * The only registry of code targets: adding a backend is one line here plus its folder. These
 * are the targets `--target all` (and `flowc validate` without `--target`) compile.
 */
export const TARGETS: readonly Target[] = [irTarget, argoTarget, gcpWorkflowsTarget, githubActionsTarget, stepFunctionsTarget];

/**
 * The template targets built into the package (the top-level `targets/` folder; src/templates).
 * They are named by id like code targets but are not in `all`: a new template never changes what
 * an existing `--target all` or `flowc validate` asks of a flow (docs/decisions.md). Read on first
 * use: their front matter was a tenth of a cold `flowc compile --target ir`, which never needs them.
 */
export const TEMPLATE_TARGETS: readonly Target[] = lazyView<Target[]>([], () => builtinTemplateTargets());

/** Every target known by name: the code targets, then the built-in templates. */
export const REGISTERED_TARGETS: readonly Target[] = lazyView<Target[]>([], () => [...TARGETS, ...TEMPLATE_TARGETS]);

/** Alias -> canonical id (`sfn` -> `stepfunctions`), derived from the registry (read when a message needs it). */
export const TARGET_ALIASES: Readonly<Record<string, string>> = lazyView<Record<string, string>>({}, () => targetAliases(REGISTERED_TARGETS));

/** User templates loaded by path in this process, by path and by id (`compile` resolves the id again). */
const loadedTemplates = new Map<string, Target>();

const named = (name: string) => (t: Target): boolean => t.id === name || t.aliases.includes(name);
// The code targets first, without reading the templates: most runs name only code targets.
const registered = (name: string): Target | undefined => TARGETS.find(named(name)) ?? TEMPLATE_TARGETS.find(named(name));

/**
 * A target by id, alias, or the path of a user's template (a name ending in `.hbs`, relative to
 * the working directory), which is read and compiled on first use.
 */
export function findTarget(name: string): Target | undefined {
  const found = registered(name) ?? loadedTemplates.get(name);
  if (found || !name.endsWith('.hbs')) return found;
  const loaded = loadTemplateTarget(name, (id) => registered(id) !== undefined);
  loadedTemplates.set(name, loaded);
  if (!loadedTemplates.has(loaded.id)) loadedTemplates.set(loaded.id, loaded);
  return loaded;
}
