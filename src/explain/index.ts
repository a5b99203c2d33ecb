import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';
import type { Artifact, Target } from '../targets/target.js';
import { explainArgo } from './argo.js';
import { explainGcpWorkflows } from './gcp-workflows.js';
import { explainGithubActions } from './github-actions.js';
import { explainIr } from './ir.js';
import type { Explanation, TargetExplanation } from './model.js';
import { explainStepFunctions } from './stepfunctions.js';
import { q } from './tree.js';

type Explainer = (ir: IR, artifacts: Artifact[]) => Omit<TargetExplanation, 'ordering'> & { ordering?: string[] };

/** One reader per target id; each reads the artifacts that target wrote. */
const EXPLAINERS: Record<string, Explainer> = {
  ir: explainIr,
  argo: explainArgo,
  stepfunctions: explainStepFunctions,
  'gcp-workflows': explainGcpWorkflows,
  'github-actions': explainGithubActions,
};

/** The targets `flowc explain` can read (the code targets); a template target's output is the user's format. */
export function explainableTargets(): string[] {
  return Object.keys(EXPLAINERS);
}

/** How many added orderings are listed before summarising (as FLOWC605 does). */
const LIST_CAP = 20;

export function explain(o: { ir: IR; target: Target; artifacts: Artifact[]; warnings: Diagnostic[]; relativize: (p: string) => string }): Explanation {
  const explainer = EXPLAINERS[o.target.id];
  if (!explainer) throw new Error(`internal: no explainer for target '${o.target.id}'`);
  const found = explainer(o.ir, o.artifacts);
  const missing = o.ir.steps.filter((s) => !found.steps.some((m) => m.step === s.id));
  // Every step runs somewhere in the artifact; one not found means the reader is out of date.
  if (missing.length > 0) throw new Error(`internal: explain found no ${o.target.id} object for step(s) ${missing.map((s) => s.id).join(', ')}`);
  const ordered = [...o.artifacts].sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
  return {
    flow: o.ir.flow.name,
    target: o.target.id,
    engine: o.target.engine,
    files: ordered.map((a) => a.path),
    steps: found.steps,
    foreach: found.foreach,
    ordering: found.ordering ?? loweringText(o.ir, o.target),
    parameters: found.parameters,
    schedule: found.schedule,
    secrets: found.secrets,
    warnings: o.warnings.map((d) => ({ code: d.code, message: d.message, ...(d.span ? { at: `${o.relativize(d.span.file)}:${d.span.line}:${d.span.col}` } : {}) })),
  };
}

/** For an engine without a DAG: what its lowering (the target's own `lowering` hook) did to `needs`. */
function loweringText(ir: IR, target: Target): string[] {
  if (!target.lowering) return [];
  const lowered = target.lowering(ir);
  if (lowered.exact) return ["nested sequence and parallel blocks; the flow's graph is series-parallel, so they keep its order exactly"];
  const pairs = lowered.addedOrderings;
  const listed = pairs.slice(0, LIST_CAP).map(([a, b]) => `${q(b)} waits for ${q(a)}`);
  return [
    `nested sequence and parallel blocks; the flow's graph is not series-parallel, so ${pairs.length} ordering${pairs.length === 1 ? ' was' : 's were'} added (see FLOWC605):`,
    ...listed,
    ...(pairs.length > LIST_CAP ? [`and ${pairs.length - LIST_CAP} more`] : []),
  ];
}
