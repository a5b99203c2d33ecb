import { checkTargetSecrets } from '../check/target-secrets.js';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { checkArgoLocator } from '../targets/argo/secrets.js';
import { checkLimit } from '../targets/limits.js';
import type { LimitsTable } from '../targets/limits.js';
import type { Target } from '../targets/target.js';
import type { CompiledTemplate } from './compile-template.js';
import { buildView } from './view.js';

/**
 * A compiled template as a `Target`, so every cross-target check applies to it as to a code
 * target: its options schema and per-step options (FLOWC601, FLOWC609), its secret locators
 * (FLOWC607, FLOWC608), step outputs (refused unless the front matter says `stepOutputs: true`)
 * and its limits table (FLOWC603 for `flowName` and `stepId`, retry waits capped at `retryDelay`).
 * `source` is where the template came from, for `flowc targets`.
 */
export interface TemplateTarget extends Target {
  source: string;
}

export function templateTarget(compiled: CompiledTemplate, source: string): TemplateTarget {
  const { meta } = compiled;
  const limits = meta.limits as LimitsTable | null;
  const file = (flowName: string): string => `${flowName}${meta.suffix}`;
  const target: TemplateTarget = {
    id: meta.name,
    aliases: meta.aliases,
    description: meta.description,
    engine: meta.engine,
    files: [`<name>${meta.suffix}`],
    optionsSchema: meta.options,
    limits,
    perStepOptions: meta.perStepOptions,
    source,
    compile(ir, ctx) {
      const { diagnostics } = ctx;
      const before = diagnostics.errors().length;
      checkNameLimits(ir, limits, diagnostics);
      // The pipeline runs this before any target; a template runs it again so that a direct
      // compile (tests, the API) never reaches a secret without a usable locator.
      checkTargetSecrets({ ir, target, diagnostics });
      if (diagnostics.errors().length > before) return [];
      const bag = new DiagnosticBag();
      const view = buildView({ ir, targetId: meta.name, file: file(ir.flow.name), optionsSchema: meta.options, limits });
      const contents = compiled.render(view, { ir, view, targetId: meta.name, file: compiled.file, render: meta.render, limits, diagnostics: bag }, bag);
      diagnostics.addAll(bag.items);
      if (contents === undefined || bag.hasErrors()) return [];
      return [{ path: file(ir.flow.name), contents, primary: true }];
    },
  };
  if (meta.secrets === 'kubernetes') target.secrets = { locator: 'a Kubernetes Secret reference { name, key }', checkLocator: checkArgoLocator };
  if (meta.stepOutputs) target.stepOutputs = true;
  return target;
}

/** The limits a template declares on names: the flow's name (`flowName`) and each step id (`stepId`). */
function checkNameLimits(ir: Parameters<Target['compile']>[0], limits: LimitsTable | null, diagnostics: DiagnosticBag): void {
  const flowName = limits?.flowName;
  if (flowName) checkLimit({ diagnostics, limit: flowName, subject: `flow name '${ir.flow.name}'`, actual: [...ir.flow.name].length, span: { file: ir.flow.source, line: 1, col: 1 } });
  const stepId = limits?.stepId;
  if (stepId) {
    for (const s of ir.steps) checkLimit({ diagnostics, limit: stepId, subject: `step id '${s.id}'`, actual: [...s.id].length, span: { ...s.origin } });
  }
}

/**
 * A template that failed to load (unreadable, bad front matter, syntax error): a target that
 * reports why on every compile, so `--target broken.hbs` fails with the template's diagnostics
 * instead of "unknown target".
 */
export function brokenTemplateTarget(id: string, source: string, problems: DiagnosticBag): TemplateTarget {
  return {
    id,
    aliases: [],
    description: 'a template that did not load',
    engine: id,
    files: [],
    optionsSchema: null,
    limits: null,
    source,
    compile(_ir, ctx) {
      ctx.diagnostics.addAll(problems.items.map((d) => ({ ...d })));
      return [];
    },
  };
}
