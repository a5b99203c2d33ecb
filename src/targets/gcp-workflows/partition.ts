import { type Diagnostic, DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { type Partition, partitionFlow } from '../../ir/partition.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Artifact, TargetContext } from '../target.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import { type GcpOptions, readOptions } from './options.js';
import { buildParent, partId } from './parent.js';
import { certainlyOver, leastWhole, stepWeight } from './part-size.js';
import { buildSchedulerJob } from './scheduler.js';
import { serializeJson } from './serialize.js';
import { originSpan } from './workflow.js';

/**
 * A flow over Workflows' per-workflow limits (128 KB of source, 100,000 steps per execution:
 * https://cloud.google.com/workflows/quotas) compiled as a workflow of workflows (issue 19,
 * docs/partitioning.md): `src/ir/partition.ts` cuts it into parts, each part is compiled by this
 * target's own path as a child workflow, and a parent (parent.ts) runs the children in order.
 * A flow within the limits is compiled as before, untouched: this returns null for it.
 */

type CompileOne = (ir: IR, ctx: TargetContext) => Artifact[];

/** IRs compiled as one workflow whatever their size: the parts, and a whole flow being tried. */
const WHOLE = new WeakSet<IR>();
/** Child workflows of a partitioned flow: they keep the blocks (see isChildWorkflow). */
const CHILDREN = new WeakSet<IR>();
/**
 * Whether `ir` is compiled as a child workflow. Children keep the series-parallel blocks rather
 * than the exact DAG schedule (dag-scheduler.ts): the part sizes here are estimated for blocks.
 */
export const isChildWorkflow = (ir: IR): boolean => CHILDREN.has(ir);
/** Whether `ir` is a whole flow compiled only to learn whether it fits (compilePartitioned): when it does not, its text is thrown away. */
export const isWholeTry = (ir: IR): boolean => WHOLE.has(ir) && !CHILDREN.has(ir);
/** Whole flows whose try ran a DAG schedule (chains or the worker pool), marked by the compile. */
const SCHEDULED = new WeakSet<IR>();
export const markScheduled = (ir: IR): void => void SCHEDULED.add(ir);
/**
 * Whole flows tried again as parallel branches, with why (FLOWC656): a DAG schedule writes
 * several times the text of the blocks (the pool's tables and waits), so a flow whose schedule is
 * over the source limit may fit as blocks, and one workflow of blocks beats the same blocks cut
 * into children that wait for each other whole.
 */
const BLOCKS_ONLY = new WeakMap<IR, string>();
export const blocksOnlyReason = (ir: IR): string | undefined => BLOCKS_ONLY.get(ir);

/** Cuts with a part limit halved each time a compiled part is still over a limit. */
const MAX_ATTEMPTS = 6;

/** The FLOWC603 errors partitioning can cure: source size and steps per execution (memory is per running job, not per part). */
function curable(bag: DiagnosticBag): Diagnostic[] {
  const titles = [GCP_LIMIT_TABLE.sourceBytes.title, GCP_LIMIT_TABLE.executionSteps.title].map((t) => ` on ${t} (`);
  return bag.errors().filter((d) => d.code === 'FLOWC603' && titles.some((t) => d.message.includes(t)));
}

/**
 * The artifacts of a partitioned flow, or null when the flow compiles as one workflow (the caller's
 * usual path). A flow over a limit for certain (lower bounds, part-size.ts) is cut at once;
 * any other is compiled whole first, and cut only when that build is over the source or step
 * limit, so a flow that fits compiles exactly as before.
 */
export function compilePartitioned({ ir, ctx, compileOne }: { ir: IR; ctx: TargetContext; compileOne: CompileOne }): Artifact[] | null {
  // One step cannot be cut: the whole flow's own FLOWC603 says what to change.
  if (WHOLE.has(ir) || ir.steps.length < 2) return null;
  const options = readOptions(ir);
  let reason: string;
  const least = leastWhole(ir, options);
  if (certainlyOver(least)) reason = certainReason(least);
  else {
    const tryWhole = (): { whole: Artifact[]; bag: DiagnosticBag; forced: Diagnostic | undefined } => {
      const bag = new DiagnosticBag();
      SCHEDULED.delete(ir);
      WHOLE.add(ir);
      const whole = compileOne(ir, { ...ctx, diagnostics: bag });
      WHOLE.delete(ir);
      return { whole, bag, forced: curable(bag)[0] };
    };
    let attempt = tryWhole();
    if (attempt.forced && SCHEDULED.has(ir)) {
      BLOCKS_ONLY.set(ir, `the step graph is not series-parallel, and its DAG schedule does not fit one workflow (${attempt.forced.message}) while parallel branches do; it runs as parallel branches with added orderings (FLOWC605)`);
      const blocks = tryWhole();
      BLOCKS_ONLY.delete(ir);
      if (!blocks.forced) attempt = blocks;
    }
    const { whole, bag, forced } = attempt;
    if (!forced) {
      ctx.diagnostics.addAll(bag.items);
      return whole;
    }
    reason = `as one workflow, ${forced.message}`;
  }
  return partitioned({ ir, ctx, compileOne, options, reason });
}

function certainReason({ bytes, count }: { bytes: number; count: number }): string {
  const { sourceBytes, executionSteps } = GCP_LIMIT_TABLE;
  return bytes > sourceBytes.value
    ? `as one workflow its source would be at least ${bytes} bytes, over the limit of ${sourceBytes.value} bytes on ${sourceBytes.title} (${sourceBytes.doc})`
    : `as one workflow one execution would take at least ${count} steps, over the limit of ${executionSteps.value} on ${executionSteps.title} (${executionSteps.doc})`;
}

interface CompiledPart {
  id: string;
  artifacts: Artifact[];
  bag: DiagnosticBag;
  over: Diagnostic | undefined;
  steps: IRStep[];
}

interface CutRequest {
  ir: IR;
  ctx: TargetContext;
  compileOne: CompileOne;
  options: GcpOptions;
  /** Why the flow is cut, for FLOWC688. */
  reason: string;
}

function partitioned(r: CutRequest): Artifact[] {
  const { ir, ctx, compileOne, options } = r;
  // Once per step: partitionFlow asks for a step's weight more than once, and every cut again.
  const estimate = stepWeight(ir, options);
  const weights = new Map(ir.steps.map((s) => [s.id, estimate(s)]));
  const weight = (s: IRStep): number => weights.get(s.id) ?? estimate(s);
  const total = ir.steps.reduce((n, s) => n + weight(s), 0);
  // Near the limits the estimates may say one part holds it all, yet the build was over: two at least.
  let scale = Math.min(1, total / 2);
  let last: CompiledPart | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const cap = scale;
    const partition = partitionFlow(ir, {
      maxSteps: ir.steps.length,
      // A step heavier than the cap gets a part of its own; its build says whether it fits.
      weight: (s) => Math.min(weight(s), cap),
      maxWeight: cap,
      name: (i) => partId(ir.flow.name, i),
    });
    if (partition.crossOutputReads.length > 0) return refuseCrossReads({ ir, partition, ctx });
    const compiled: CompiledPart[] = [];
    let failed: CompiledPart | undefined;
    for (const part of partition.parts) {
      const id = part.ir.flow.name;
      // Steps keep the flow's name (FLOWC_FLOW, the datastore folder); the part's id is its file and workflow id.
      const child: IR = { ...part.ir, flow: { ...part.ir.flow, name: ir.flow.name } };
      WHOLE.add(child);
      CHILDREN.add(child);
      const bag = new DiagnosticBag();
      const artifacts = compileOne(child, { diagnostics: bag });
      const c: CompiledPart = { id, artifacts, bag, over: curable(bag)[0], steps: child.steps };
      compiled.push(c);
      // The other parts are cut again anyway.
      if (c.over) {
        failed = c;
        break;
      }
    }
    if (!failed) return assemble({ ...r, partition, compiled });
    last = failed;
    if (failed.steps.length === 1) {
      const step = failed.steps[0] as IRStep;
      ctx.diagnostics.report(
        'FLOWC690',
        `step '${step.id}' alone is over a limit of one Workflows workflow, so no partition of the flow fits it: ${failed.over?.message ?? ''}`,
        originSpan(step.origin),
        failed.over?.notes,
      );
      return [];
    }
    scale /= 2;
  }
  ctx.diagnostics.report(
    'FLOWC691',
    `the flow was cut ${MAX_ATTEMPTS} times, each time into parts half as large, and part '${last?.id ?? '?'}' (${last?.steps.length ?? 0} steps) is still over a limit: ${last?.over?.message ?? ''}`,
    originSpan({ file: ir.flow.source, line: 1, col: 1 }),
  );
  return [];
}

/**
 * FLOWC689: each part is an execution of its own, whose step outputs live under its own execution
 * id (outputs.ts), so a step cannot read an output of a step in another part. Reported at the reader.
 */
function refuseCrossReads({ ir, partition, ctx }: { ir: IR; partition: Partition; ctx: TargetContext }): Artifact[] {
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  for (const r of partition.crossOutputReads) {
    const reader = byId.get(r.reader) as IRStep;
    const [a, b] = [partition.partOf.get(r.producer) ?? 0, partition.partOf.get(r.reader) ?? 0];
    ctx.diagnostics.report(
      'FLOWC689',
      `step '${r.reader}' reads output '${r.output}' of step '${r.producer}', but the flow is over a Workflows limit and is split into child workflows, and the two steps land in different ones (${partId(ir.flow.name, a)} and ${partId(ir.flow.name, b)}); a child workflow reads only the outputs of its own steps`,
      originSpan(reader.origin),
      ['make the flow smaller (for example move independent steps to a flow of their own), or pass the value another way (a file in Cloud Storage the reader opens itself)'],
    );
  }
  return [];
}

/** The parent, its scheduler job, and every child; the children's diagnostics once each. */
function assemble({ ir, ctx, options, partition, compiled, reason }: CutRequest & { partition: Partition; compiled: CompiledPart[] }): Artifact[] {
  const flowFile = ir.flow.source;
  const seen = new Set<string>();
  // A warning about a whole child (at the top of the file, FLOWC605 or FLOWC640 say) comes once per
  // code, naming the first child it is about and how many more it holds for.
  const wholeWarnings = new Map<string, { first: Diagnostic; others: string[] }>();
  for (const c of compiled) {
    for (const d of c.bag.items) {
      const whole = d.span !== undefined && d.span.file === flowFile && d.span.line === 1 && d.span.col === 1;
      if (whole && d.severity === 'warning') {
        const group = wholeWarnings.get(d.code);
        if (!group) {
          const first = { ...d, message: `child workflow '${c.id}': ${d.message}` };
          wholeWarnings.set(d.code, { first, others: [] });
          ctx.diagnostics.add(first);
        } else if (!group.others.includes(c.id)) group.others.push(c.id);
        continue;
      }
      const item = whole ? { ...d, message: `child workflow '${c.id}': ${d.message}` } : d;
      const key = `${item.code}\0${item.message}\0${item.span?.line ?? 0}:${item.span?.col ?? 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.diagnostics.add(item);
    }
  }
  for (const { first, others } of wholeWarnings.values()) {
    if (others.length > 0) first.notes = [...(first.notes ?? []), `the same in ${others.length} more child workflow${others.length === 1 ? '' : 's'}: ${others.join(', ')}`];
  }
  if (compiled.some((c) => c.bag.hasErrors())) return [];
  const parent = buildParent({ ir, parts: partition.parts.map((p) => ({ id: compiled[p.index]?.id as string, needs: p.needs })), diagnostics: ctx.diagnostics });
  const scheduler = buildSchedulerJob({ ir, options, diagnostics: ctx.diagnostics });
  if (!parent) return [];
  const waits = partition.parts.reduce((n, p) => n + p.needs.length, 0);
  ctx.diagnostics.report(
    'FLOWC688',
    `the flow runs as a parent workflow and ${compiled.length} child workflows (${compiled[0]?.id} .. ${compiled[compiled.length - 1]?.id}), because ${reason}; ${partition.crossEdges.length} needs edges cross children, so ${waits} times a whole child waits for a whole earlier one${parent.addedOrderings.length > 0 ? ` (and ${parent.addedOrderings.length} more such waits fit the parent into parallel steps)` : ''}`,
    originSpan({ file: flowFile, line: 1, col: 1 }),
    ['deploy the children before the parent (flowc deploy does); only the parent is scheduled', 'docs/targets/gcp-workflows.md#partitioning'],
  );
  const out: Artifact[] = [{ path: `${ir.flow.name}.gcp.yaml`, contents: parent.yaml, primary: true }];
  if (scheduler) out.push({ path: `${ir.flow.name}.scheduler.json`, contents: serializeJson(scheduler) });
  for (const c of compiled) {
    for (const a of c.artifacts) {
      if (!a.primary) continue;
      out.push({ path: `${c.id}.gcp.yaml`, contents: a.contents });
    }
  }
  return out;
}
