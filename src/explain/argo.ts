import type { IR } from '../ir/types.js';
import type { Artifact } from '../targets/target.js';
import type { ConceptMapping, StepMapping, TargetExplanation } from './model.js';
import { artifactDocuments, at, findPaths, isObject, q, str } from './tree.js';

/** Templates reached through more DAG levels than this are not followed (a guard, not a limit met in practice). */
const MAX_DEPTH = 8;

/** The Argo explainer: reads the WorkflowTemplate (and CronWorkflow) of `<name>.argo.yaml`. */
export function explainArgo(ir: IR, artifacts: Artifact[]): TargetExplanation {
  const docs = artifactDocuments(artifacts, '.argo.yaml');
  const template = docs.find((d) => isObject(d) && d.kind === 'WorkflowTemplate');
  const templates = (at(template, ['spec', 'templates']) as unknown[] | undefined)?.filter(isObject) ?? [];
  const entry = str(at(template, ['spec', 'entrypoint']));
  const steps: StepMapping[] = [];
  const foreach: ConceptMapping[] = [];
  for (const step of ir.steps) {
    const path = findPaths(templates, (n) => isObject(n) && n.name === 'FLOWC_STEP' && n.value === step.id)[0];
    if (!path) continue;
    const own = templates[path[0] as number] as Record<string, unknown>;
    const kind = own.container ? 'container' : own.script ? 'script' : 'template';
    const within: string[] = [];
    let name = String(own.name);
    for (let depth = 0; depth < MAX_DEPTH && name !== entry; depth++) {
      const caller = callerOf(templates, name);
      if (!caller) break;
      within.unshift(`DAG task ${q(caller.task.name)} of template ${q(caller.template)}`);
      const items = caller.task.withItems;
      if (step.foreach && (Array.isArray(items) || caller.task.withParam !== undefined)) {
        const limit = at(templates.find((t) => t.name === caller.template), ['parallelism']);
        const parallel = limit === undefined ? '' : `, parallelism ${String(limit)}`;
        foreach.push({ subject: step.id, as: `DAG task ${q(caller.task.name)} ${Array.isArray(items) ? `withItems (${items.length} items)` : `withParam ${String(caller.task.withParam)}`}${parallel}` });
      }
      name = caller.template;
    }
    steps.push({ step: step.id, as: `${kind} template ${q(own.name)}`, within });
  }
  const cron = docs.find((d) => isObject(d) && d.kind === 'CronWorkflow');
  return {
    steps,
    foreach,
    ordering: [`each need is a DAG task dependency of template ${q(entry)}; Argo runs the flow's graph as written`],
    parameters: ir.parameters.map((p) => ({ subject: p.name, as: `workflow parameter ${q(`{{workflow.parameters.${p.name}}}`)}` })),
    schedule: isObject(cron) ? cronText(cron) : null,
    secrets: secrets(ir, templates),
  };
}

function callerOf(templates: Record<string, unknown>[], name: string): { template: string; task: Record<string, unknown> } | undefined {
  for (const t of templates) {
    const tasks = at(t, ['dag', 'tasks']);
    if (!Array.isArray(tasks)) continue;
    const task = tasks.find((x) => isObject(x) && x.template === name);
    if (isObject(task)) return { template: String(t.name), task };
  }
  return undefined;
}

function cronText(cron: Record<string, unknown>): string {
  const schedules = at(cron, ['spec', 'schedules']) ?? at(cron, ['spec', 'schedule']);
  const list = Array.isArray(schedules) ? schedules.join(', ') : String(schedules);
  const zone = str(at(cron, ['spec', 'timezone']));
  return `CronWorkflow ${q(at(cron, ['metadata', 'name']))}: ${list}${zone ? ` in ${zone}` : ' (the controller\'s time zone)'}, submitting the WorkflowTemplate`;
}

function secrets(ir: IR, templates: Record<string, unknown>[]): ConceptMapping[] {
  const out: ConceptMapping[] = [];
  for (const step of ir.steps) {
    const own = templates.find((t) => findPaths(t, (n) => isObject(n) && n.name === 'FLOWC_STEP' && n.value === step.id).length > 0);
    for (const env of step.secretEnv) {
      const path = findPaths(own, (n) => isObject(n) && n.name === env.name && isObject(n.valueFrom))[0];
      const ref = path ? at(own, [...path, 'valueFrom', 'secretKeyRef']) : undefined;
      if (!isObject(ref)) continue;
      out.push({ subject: `${step.id}: ${env.name}`, as: `Kubernetes Secret ${q(ref.name)} key ${q(ref.key)} (secretKeyRef)` });
    }
  }
  return out;
}
