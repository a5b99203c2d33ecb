import { DiagnosticBag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { type FlowPart, partitionFlow } from '../../ir/partition.js';
import type { IR, IRStep } from '../../ir/types.js';
import { checkLimit, flowFileSpan } from '../limits.js';
import { buildWithinSize } from './build.js';
import { originSpan } from './checks.js';
import { ARGO_LIMIT_TABLE, ARGO_LIMITS, ARGO_RUN_LIMITS } from './limits.js';
import type { FieldsMemo } from './fields-memo.js';
import type { ObjectMeta } from './metadata.js';
import { objectMeta } from './metadata.js';
import { workflowName } from './names.js';
import type { ArgoOptions } from './options.js';
import { parentTemplate } from './parent.js';
import { estimatedRunBytes } from './run-size.js';

/**
 * A flow too large for one Argo run, compiled as a workflow of workflows (issue 19,
 * docs/partitioning.md, docs/targets/argo.md#partitioning): `partitionFlow` cuts it into parts,
 * each part is compiled as any flow is (build.ts) into a WorkflowTemplate of its own, and a parent
 * WorkflowTemplate (parent.ts) runs each part as a child Workflow. Node statuses count against the
 * run that holds them, so it is the child Workflows, not templates spread over several objects,
 * that keep every run within MAX_WORKFLOW_SIZE.
 */

export interface WholeFlow {
  ir: IR;
  /** The flow's deployed name: the parent's. */
  name: string;
  taskNames: Map<string, string>;
  meta: ObjectMeta;
  options: ArgoOptions;
  /** Step fields computed once for the whole compile (fields-memo.ts). */
  memo?: FieldsMemo;
}

/** Codes a part's build reports when the part is too big for one run: cut it smaller. */
const TOO_BIG = new Set(['FLOWC603', 'FLOWC670', 'FLOWC671']);
/** Halving a part from 200 steps reaches one step in 8 cuts. */
const MAX_CUTS = 10;

/**
 * The flow's WorkflowTemplates: the flow's own when a run of it fits, else the parts' and then the
 * parent's. Partitioning is decided without building the whole flow when the run-size floor
 * (`stepRunFloor`) alone is over MAX_WORKFLOW_SIZE; otherwise the flow is built as before, and
 * when that build is too large (FLOWC603), built again with shared step templates (text common to
 * many steps, such as a large env value, is then stored once), and cut only when that is too large
 * as well. A flow within the limits compiles unchanged. A one-step flow is never cut.
 */
export function templatesWithinLimits(o: WholeFlow, configFits: boolean, diagnostics: DiagnosticBag): Record<string, unknown>[] | null {
  const limit = ARGO_LIMIT_TABLE.maxWorkflowBytes;
  let reason: string;
  // Every step's floor is read by the check below, the heavy-step check and each cut: computed once.
  const floors = new Map(o.ir.steps.map((s) => [s, stepRunFloor(s, o.taskNames)]));
  const weight = (s: IRStep) => floors.get(s) ?? stepRunFloor(s, o.taskNames);
  const floor = o.ir.steps.length > 1 ? runFloor(o.ir.steps, weight) : 0;
  if (floor > limit.value) {
    reason = `a run of the flow as one WorkflowTemplate would hold at least ${floor} bytes (its DAG tasks and ${o.ir.steps.length} steps' node statuses alone), over the limit of ${limit.value} bytes on ${limit.title}`;
  } else {
    const built = buildWithinSize(o, configFits);
    const tooBig = o.ir.steps.length > 1 ? built.diagnostics.errors().find((d) => d.code === 'FLOWC603') : undefined;
    if (!tooBig) {
      diagnostics.addAll(built.diagnostics.items);
      return built.template ? [built.template] : null;
    }
    reason = tooBig.message;
    // Shared step templates hold text the steps have in common once: that may be enough.
    const shared = buildWithinSize({ ...o, preferShared: true }, configFits);
    if (!shared.diagnostics.errors().some((d) => d.code === 'FLOWC603')) {
      diagnostics.addAll(shared.diagnostics.items);
      return shared.template ? [shared.template] : null;
    }
  }
  return partitioned(o, configFits, reason, weight, diagnostics);
}

/** The least a run of the whole flow stores (run-size.ts): its overhead, then `stepRunFloor` per step. */
function runFloor(steps: IRStep[], weight: (s: IRStep) => number): number {
  let total = ARGO_RUN_LIMITS.runOverheadBytes;
  for (const s of steps) total += weight(s);
  return total;
}

/**
 * The least one step adds to a run, in whatever layout: its node statuses (a pod, a retry node
 * when it retries, a task group and one pod per static item for a foreach; run-size.ts
 * `nodeCount`) and its DAG task's JSON (`{"name":..,"template":..,"dependencies":[..]}` with a
 * template name of at least one character). Every figure is below what `estimatedRunBytes` counts
 * for the same step, so a flow whose floor is over the limit would get FLOWC603 built whole.
 */
export function stepRunFloor(step: IRStep, taskNames: Map<string, string>): number {
  const perCall = step.retry ? 2 : 1;
  const items = step.foreach && step.foreach.from === null ? step.foreach.items.length : 1;
  const nodes = step.foreach ? 1 + items * perCall : perCall;
  const name = (id: string) => (taskNames.get(id) ?? id).length;
  let task = 26 + name(step.id);
  if (step.needs.length > 0) task += 17 + step.needs.reduce((n, d) => n + name(d) + 3, 0);
  return nodes * ARGO_RUN_LIMITS.nodeStatusBytes + task;
}

/** Part `index`'s deployed name: the flow's with `-part-<n>`, kept to Argo's name limit (names.ts). */
export function partName(flowName: string, index: number): string {
  return workflowName(`${flowName}-part-${index + 1}`, ARGO_LIMITS.workflowName);
}

interface PartsBuild {
  templates: Record<string, unknown>[];
  warnings: Diagnostic[];
  /** The first part too big for one run, with what its build said. */
  tooBig?: { part: FlowPart; diagnostics: Diagnostic[] };
  errors: Diagnostic[];
  /** A part left FLOWC_CONFIG out to fit (FLOWC606), though the flow's config fits a process. */
  configLeftOut?: Diagnostic;
}

function partitioned(o: WholeFlow, configFits: boolean, reason: string, weight: (s: IRStep) => number, diagnostics: DiagnosticBag): Record<string, unknown>[] | null {
  const { ir } = o;
  const budget = ARGO_RUN_LIMITS.maxWorkflowBytes - ARGO_RUN_LIMITS.runOverheadBytes;
  const heavy = ir.steps.filter((s) => weight(s) > budget);
  for (const s of heavy) reportStepTooBig(diagnostics, s, [`its node statuses and DAG task alone are at least ${weight(s)} bytes, and a run holds ${budget} besides its own fields`]);
  if (heavy.length > 0) return null;

  let maxSteps: number = ARGO_LIMITS.dagTasks;
  for (let cut = 0; cut < MAX_CUTS; cut++) {
    const partition = partitionFlow(ir, { maxSteps, weight, maxWeight: budget, name: (i) => partName(ir.flow.name, i) });
    if (partition.crossOutputReads.length > 0) {
      const byId = new Map(ir.steps.map((s) => [s.id, s]));
      for (const r of partition.crossOutputReads) {
        diagnostics.report(
          'FLOWC681',
          `steps.${r.reader} reads \${steps.${r.producer}.outputs.${r.output}}, but the flow is too large for one Argo run and flowc put '${r.producer}' in part ${(partition.partOf.get(r.producer) as number) + 1} and '${r.reader}' in part ${(partition.partOf.get(r.reader) as number) + 1}; flowc passes step outputs only within one part`,
          originSpan((byId.get(r.reader) as IRStep).origin),
          [`why the flow is cut: ${reason}`, 'pass the value through storage both steps can reach, or make the flow smaller'],
        );
      }
      return null;
    }
    let build = buildParts(o, partition.parts, configFits);
    if (!build.tooBig && build.configLeftOut && configFits) {
      // Every step sees the same environment: when one part leaves FLOWC_CONFIG out, all do.
      const first = build.configLeftOut;
      build = buildParts(o, partition.parts, false);
      build.warnings = [first, ...build.warnings.filter((d) => d.code !== 'FLOWC606')];
    }
    if (build.tooBig) {
      const { part, diagnostics: said } = build.tooBig;
      if (part.ir.steps.length === 1) {
        reportStepTooBig(diagnostics, ir.steps.find((s) => s.id === part.ir.steps[0]?.id) as IRStep, said.map((d) => `${d.code}: ${d.message}`));
        return null;
      }
      maxSteps = Math.max(1, Math.floor(Math.min(maxSteps, part.ir.steps.length) / 2));
      continue;
    }
    if (build.errors.length > 0) {
      diagnostics.addAll(build.errors);
      return null;
    }
    const parent = parentTemplate({ ir, name: o.name, meta: o.meta, options: o.options, parts: partition.parts.map((p) => ({ name: p.ir.flow.name, needs: p.needs })) });
    const size = estimatedRunBytes(parent);
    const subject = `a run of the parent WorkflowTemplate of ${partition.parts.length} parts (its spec plus ${size.nodes} node statuses)`;
    if (checkLimit({ diagnostics, limit: ARGO_LIMIT_TABLE.maxWorkflowBytes, subject, actual: size.bytes, span: flowFileSpan(ir) })) return null;
    diagnostics.report(
      'FLOWC680',
      `the flow is too large for one Argo run, so flowc compiled it as a workflow of workflows: the WorkflowTemplate '${o.name}' runs ${partition.parts.length} part WorkflowTemplates ('${partition.parts[0]?.ir.flow.name}' to '${partition.parts[partition.parts.length - 1]?.ir.flow.name}', at most ${maxSteps} steps each) as child Workflows; ${partition.crossEdges.length} need(s) cross parts, and a step after such a need waits for the whole earlier part`,
      flowFileSpan(ir),
      [
        `why: ${reason}`,
        `the parent's service account (${o.options.serviceAccountName ?? "the namespace's default"}) must be allowed to create and get workflows.argoproj.io (docs/targets/argo.md#partitioning)`,
      ],
    );
    diagnostics.addAll(build.warnings);
    return [...build.templates, parent];
  }
  throw new Error(`argo partitioning: no cut within ${MAX_CUTS} attempts`);
}

/** Builds every part, stopping at the first one too big for a run. Warnings are kept once per code. */
function buildParts(o: WholeFlow, parts: FlowPart[], configFits: boolean): PartsBuild {
  const out: PartsBuild = { templates: [], warnings: [], errors: [] };
  const warned = new Set<string>();
  // A child deleted by its own TTL before the parent's executor has read its phase (it polls with
  // GET) would fail the parent's task; children go with their parent (setOwnerReference) instead.
  const options: ArgoOptions = { ...o.options, ttlSecondsAfterFinished: undefined };
  for (const part of parts) {
    const name = part.ir.flow.name;
    // The part renders `${flow.name}` and FLOWC_FLOW as the flow's; only its object is named apart.
    const ir: IR = { ...part.ir, flow: { ...part.ir.flow, name: o.ir.flow.name } };
    const taskNames = new Map(part.ir.steps.map((s) => [s.id, o.taskNames.get(s.id) as string]));
    const meta = objectMeta({ ir, name, options });
    meta.labels = { ...meta.labels, 'flowc.dev/part-of': o.name };
    const built = buildWithinSize({ ir, name, taskNames, meta, options, preferShared: true, memo: o.memo }, configFits);
    const errors = built.diagnostics.errors();
    if (errors.some((d) => TOO_BIG.has(d.code))) {
      out.tooBig = { part, diagnostics: errors };
      return out;
    }
    out.errors.push(...errors);
    for (const d of built.diagnostics.items) {
      if (d.severity === 'error') continue;
      if (d.code === 'FLOWC606' && configFits) out.configLeftOut ??= d;
      if (warned.has(d.code)) continue;
      warned.add(d.code);
      out.warnings.push(d);
    }
    if (built.template) out.templates.push(built.template);
  }
  return out;
}

function reportStepTooBig(diagnostics: DiagnosticBag, step: IRStep, notes: string[]): void {
  diagnostics.report(
    'FLOWC682',
    `steps.${step.id} alone does not fit in one Argo run (a Workflow the controller stores within MAX_WORKFLOW_SIZE, ${ARGO_RUN_LIMITS.maxWorkflowBytes} bytes by default), so flowc cannot place it in any part of a workflow of workflows`,
    originSpan(step.origin),
    notes,
  );
}
