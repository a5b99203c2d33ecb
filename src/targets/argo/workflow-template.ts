import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { flowFileSpan } from '../limits.js';
import type { IR } from '../../ir/types.js';
import { type DagNode, nestDag, nestedGroupCount } from './dag.js';
import { ARGO_LIMITS } from './limits.js';
import { metadata, type ObjectMeta } from './metadata.js';
import { uniqueName } from './names.js';
import type { ArgoOptions } from './options.js';
import { argoParameters } from './parameters.js';
import { specPlacement } from './placement.js';
import { FieldsMemo } from './fields-memo.js';
import type { StepFields } from './step-fields.js';
import { perStepTemplates, shapeCount, sharedTemplates, wrapperCount } from './step-templates.js';

/**
 * The WorkflowTemplate (https://argo-workflows.readthedocs.io/en/latest/workflow-templates/): an
 * entry DAG whose tasks and `dependencies` are the flow's steps and `needs`, container templates
 * for the steps, and the workflow-wide settings from the target options.
 *
 * Layout is chosen to fit Argo's caps: one template per step when that fits, else shared
 * templates; nested DAGs when there are more steps than one DAG holds. When even the shared layout
 * does not fit, FLOWC603 says by how much and nothing is produced.
 */
export function workflowTemplate(o: {
  ir: IR;
  name: string;
  taskNames: Map<string, string>;
  meta: ObjectMeta;
  options: ArgoOptions;
  diagnostics: DiagnosticBag;
  /** Give every step FLOWC_CONFIG (left out when the object would be too large). */
  includeConfig: boolean;
  /**
   * Share step templates even when one per step would fit (a flow without step outputs): a part
   * of a partitioned flow (partition.ts), whose run stores its spec and is then about three times
   * smaller.
   */
  preferShared?: boolean;
  /** Fields already computed in this compile (fields-memo.ts). */
  memo?: FieldsMemo;
}): Record<string, unknown> | null {
  const { ir, options } = o;
  const memo = o.memo ?? new FieldsMemo();
  const fields: StepFields[] = ir.steps.map((step) => memo.of({ ir, step, taskName: o.taskNames.get(step.id) as string, includeConfig: o.includeConfig, options }));
  const taken = new Set<string>(o.taskNames.values());
  const entry = uniqueName('main', taken);

  const groups = nestedGroupCount(ir.steps.length);
  const wrappers = wrapperCount(fields);
  const fixed = 1 + groups + wrappers;
  const layout = { ir, fields, options, taken };
  if (usesOutputs(ir) && !fitsOutputLayout({ ir, groups, total: fixed + fields.length, diagnostics: o.diagnostics })) return null;
  let shared = o.preferShared === true && !usesOutputs(ir);
  if (shared || fixed + fields.length > ARGO_LIMITS.templates) {
    shared = true;
    const shapes = shapeCount(layout);
    const total = fixed + shapes;
    if (total > ARGO_LIMITS.templates) {
      o.diagnostics.report(
        'FLOWC603',
        `the flow needs ${total} Argo templates even with shared step templates (1 entry DAG, ${groups} nested DAG(s), ${wrappers} foreach wrapper(s) for parallelism, ${shapes} step shape(s)); Argo allows ${ARGO_LIMITS.templates} per workflow, ${total - ARGO_LIMITS.templates} too many`,
        undefined,
        ['steps share a template when they have the same resources, retry, timeout, env names and number of command arguments'],
      );
      return null;
    }
  }
  const steps = shared ? sharedTemplates(layout) : perStepTemplates(layout);

  const nodes: DagNode[] = ir.steps.map((s) => ({
    name: o.taskNames.get(s.id) as string,
    deps: s.needs.map((d) => o.taskNames.get(d) as string),
    body: steps.calls.get(s.id) as DagNode['body'],
  }));
  const dag = nestDag({ nodes, taken });
  if (dag.delayed.length > 0) {
    o.diagnostics.report(
      'FLOWC610',
      `the flow has ${ir.steps.length} steps and an Argo DAG holds at most ${ARGO_LIMITS.dagTasks} tasks, so flowc split it into ${dag.groups.length} nested DAGs; every need is respected, but ${dag.delayed.length} step(s) may start late because they wait for a whole group that holds a need`,
      undefined,
      [`first delayed: ${dag.delayed.slice(0, 5).join(', ')}`],
    );
  }

  const spec: Record<string, unknown> = { entrypoint: entry };
  if (ir.parameters.length > 0) spec.arguments = { parameters: argoParameters(ir.parameters) };
  Object.assign(spec, workflowSpecSettings(options));
  spec.workflowMetadata = { labels: o.meta.labels, annotations: o.meta.runAnnotations };
  spec.templates = [{ name: entry, dag: { tasks: dag.tasks } }, ...dag.groups, ...steps.templates];

  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: metadata({ name: o.name, meta: o.meta, options }),
    spec,
  };
}

/**
 * The workflow-wide settings from the target options, in the order they are written: the pods'
 * service account, scheduling and placement, image pull secrets, pod GC and the TTL. Shared by a
 * flow's WorkflowTemplate and a partitioned flow's parent (parent.ts), whose pods are Argo's own.
 */
export function workflowSpecSettings(options: ArgoOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (options.serviceAccountName) spec.serviceAccountName = options.serviceAccountName;
  if (options.nodeSelector && Object.keys(options.nodeSelector).length > 0) spec.nodeSelector = options.nodeSelector;
  if (options.tolerations && options.tolerations.length > 0) spec.tolerations = options.tolerations;
  Object.assign(spec, specPlacement(options));
  if (options.imagePullSecrets && options.imagePullSecrets.length > 0) spec.imagePullSecrets = options.imagePullSecrets.map((name) => ({ name }));
  if (options.podGC) spec.podGC = { strategy: options.podGC };
  if (options.ttlSecondsAfterFinished !== undefined) spec.ttlStrategy = { secondsAfterCompletion: options.ttlSecondsAfterFinished };
  return spec;
}

function usesOutputs(ir: IR): boolean {
  return ir.steps.some((s) => s.outputs.length > 0);
}

/**
 * Step outputs travel as task arguments that name the producing task (`tasks.<t>.outputs...`),
 * which Argo resolves among the tasks of the same DAG only, and as input parameters of each
 * step's own template. Nested DAGs (more steps than one DAG holds) and shared templates would
 * need outputs relayed through every level; flowc refuses such flows rather than relay them.
 */
function fitsOutputLayout(o: { ir: IR; groups: number; total: number; diagnostics: DiagnosticBag }): boolean {
  let ok = true;
  if (o.groups > 0) {
    o.diagnostics.report(
      'FLOWC670',
      `the flow uses step outputs and has ${o.ir.steps.length} steps, more than the ${ARGO_LIMITS.dagTasks} tasks one Argo DAG holds; flowc passes outputs only between tasks of one DAG`,
      flowFileSpan(o.ir),
      ['split the flow, or keep it within one DAG'],
    );
    ok = false;
  }
  if (o.total > ARGO_LIMITS.templates) {
    o.diagnostics.report(
      'FLOWC671',
      `the flow uses step outputs and needs ${o.total} Argo templates with one template per step; Argo allows ${ARGO_LIMITS.templates} per workflow, and flowc shares templates among steps only in flows without outputs`,
      flowFileSpan(o.ir),
    );
    ok = false;
  }
  return ok;
}
