import type { IR } from '../ir/types.js';
import type { Artifact } from '../targets/target.js';
import { foreachText } from '../graph/model.js';
import type { TargetExplanation } from './model.js';
import { artifactDocuments, at, isObject, q } from './tree.js';

/** The `ir` target: the IR document itself; each concept is a field of it. */
export function explainIr(ir: IR, artifacts: Artifact[]): TargetExplanation {
  const [doc] = artifactDocuments(artifacts, '.ir.json');
  const steps = (at(doc, ['steps']) as unknown[] | undefined) ?? [];
  return {
    steps: steps.filter(isObject).map((s, i) => ({ step: String(s.id), as: `steps[${i}]`, within: [] })),
    foreach: ir.steps.filter((s) => s.foreach).map((s) => ({ subject: s.id, as: `steps[${ir.steps.indexOf(s)}].foreach: ${foreachText(s.foreach as NonNullable<typeof s.foreach>)}` })),
    ordering: [`edges: ${ir.edges.length} [from, to] pairs, steps in topological order`],
    parameters: ir.parameters.map((p, i) => ({ subject: p.name, as: `parameters[${i}]` })),
    schedule: ir.schedule ? `schedule: ${q(ir.schedule.cron)}` : null,
    secrets: ir.steps.flatMap((s) => s.secretEnv.map((e) => ({ subject: `${s.id}: ${e.name}`, as: `secretEnv reference to secrets.${e.secret}, never a value` }))),
  };
}
