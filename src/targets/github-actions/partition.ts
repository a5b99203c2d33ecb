import { DiagnosticBag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { partitionFlow, type Partition } from '../../ir/partition.js';
import type { IR, IRStep } from '../../ir/types.js';
import { configJson } from '../../ir/env.js';
import type { Artifact } from '../target.js';
import { checkLimit, flowFileSpan } from '../limits.js';
import { GHA_LIMIT_TABLE } from './limits.js';
import { originSpan } from './origin.js';
import { buildParent, compiledPart, partInputs, type CompiledPart } from './parent.js';
import { ordered, serializeWorkflow } from './serialize.js';
import { buildWorkflow } from './workflow.js';

/**
 * GitHub Actions' side of issue 19 (docs/partitioning.md): a flow whose workflow file would be over
 * GitHub's 500 KiB is compiled as a parent workflow that calls parts, each a reusable workflow
 * within the limit. A flow that fits compiles exactly as before, through the same path.
 * Docs: docs/targets/github-actions.md#partitioning.
 */

const LIMIT = GHA_LIMIT_TABLE.workflowBytes;
const MAX_PARTS = GHA_LIMIT_TABLE.reusableWorkflows;
/**
 * A flow whose estimate is over this many times the limit is split without compiling it whole
 * first. The estimate is near the real size (within ~25% on generated flows), so a flow this far
 * over cannot fit, and a flow that fits never takes this branch: its output stays as before.
 */
const SURELY_OVER = 1.5;
/** Parts are cut to this share of the limit's room, so a part's estimate may be off by that much. */
const FILL = 0.95;
/** Cuts tried before giving up; each one shrinks the budget by what the last one overshot. */
const MAX_CUTS = 6;

/** A whole-flow compile: the flow's single workflow file, or [] after an error. */
export type CompileWhole = (ir: IR, diagnostics: DiagnosticBag) => { text: string; artifacts: Artifact[] };

/**
 * The flow's workflow files: one as before when it fits (or when it fails for any reason but
 * size), else a parent and its parts.
 */
export function compileWithParts(ir: IR, diagnostics: DiagnosticBag, whole: CompileWhole): Artifact[] {
  // Estimated once: every cut below weighs the same steps again.
  const weights = new Map(ir.steps.map((s) => [s, stepBytes(s)]));
  let estimate = overheadBytes(ir);
  for (const w of weights.values()) estimate += w;
  if (ir.steps.length < 2 || estimate <= SURELY_OVER * LIMIT.value) {
    const scratch = new DiagnosticBag();
    const { text, artifacts } = whole(ir, scratch);
    const overOnly = scratch.items.every((d) => d.severity !== 'error' || d.code === 'FLOWC603') && Buffer.byteLength(text) > LIMIT.value;
    if (!overOnly || ir.steps.length < 2) {
      diagnostics.addAll(scratch.items);
      return artifacts;
    }
  }
  return compileParts(ir, diagnostics, (s) => weights.get(s) ?? stepBytes(s));
}

/** The file name of part `index` (0-based): `.` never occurs in a flow name, so no flow's file can be a part's. */
export function partFileName(flowName: string, index: number): string {
  return `${partName(flowName, index)}.gha.yml`;
}

function partName(flowName: string, index: number): string {
  return `${flowName}.part-${index + 1}`;
}

function compileParts(ir: IR, diagnostics: DiagnosticBag, weight: (s: IRStep) => number): Artifact[] {
  const room = Math.max(LIMIT.value - overheadBytes(ir), LIMIT.value / 10);
  let budget = room * FILL;
  for (let cut = 0; cut < MAX_CUTS; cut++) {
    const max = budget;
    // A step over the budget gets a part of its own (weight clamped to the budget): whether it
    // fits alone is known only once that part is compiled.
    const partition = partitionFlow(ir, { maxSteps: ir.steps.length, weight: (s) => Math.min(weight(s), max), maxWeight: max, name: (i) => partName(ir.flow.name, i) });
    if (partition.crossOutputReads.length > 0) return refuseCrossReads(ir, partition, diagnostics);
    if (partition.parts.length > MAX_PARTS.value) {
      diagnostics.report(
        'FLOWC694',
        `the GitHub Actions workflow for '${ir.flow.name}' is too large for one file and would need ${partition.parts.length} parts, ${partition.parts.length - MAX_PARTS.value} over the limit of ${MAX_PARTS.value} ${MAX_PARTS.unit} on ${MAX_PARTS.title} (${MAX_PARTS.doc})`,
        flowFileSpan(ir),
        ['the limit counts every reusable workflow in the tree a run calls, so nesting parents does not raise it; split the flow into flows that run apart'],
      );
      return [];
    }
    const bag = new DiagnosticBag();
    const compiled = partition.parts.map((part) => compilePart(ir, part, partition.parts.length, bag));
    const over = compiled.filter((c) => c.bytes > LIMIT.value);
    const alone = over.filter((c) => c.part.part.ir.steps.length === 1);
    for (const c of alone) {
      const step = c.part.part.ir.steps[0] as IRStep;
      bag.report(
        'FLOWC695',
        `step '${step.id}' alone makes a GitHub Actions workflow of ${c.bytes} bytes, ${c.bytes - LIMIT.value} over the limit of ${LIMIT.value} bytes on ${LIMIT.title} (${LIMIT.doc}): no split of the flow can hold it`,
        originSpan(step.origin),
        ['make the step smaller: a long script can live in the image or the repository, and large config values in a file the step reads'],
      );
    }
    if (over.length > alone.length) {
      const worst = Math.max(...over.map((c) => c.bytes));
      budget *= (0.95 * LIMIT.value) / worst;
      continue;
    }
    addUnique(diagnostics, bag.items);
    if (bag.hasErrors()) return [];
    return finish(ir, partition, compiled, diagnostics);
  }
  diagnostics.report('FLOWC603', `the GitHub Actions workflow for '${ir.flow.name}' could not be split into parts under the limit of ${LIMIT.value} bytes on ${LIMIT.title} in ${MAX_CUTS} tries (${LIMIT.doc})`, flowFileSpan(ir));
  return [];
}

/** The parent, the FLOWC692 warning, and every file: the parent first (it is the one to dispatch). */
function finish(ir: IR, partition: Partition, compiled: { part: CompiledPart; text: string }[], diagnostics: DiagnosticBag): Artifact[] {
  const text = serializeWorkflow(ir, buildParent(ir, compiled.map((c) => c.part)), [
    `It calls ${compiled.length} parts, ${partFileName(ir.flow.name, 0)} to ${partFileName(ir.flow.name, compiled.length - 1)}: put every file flowc wrote for this flow in .github/workflows/, under the names they have.`,
  ]);
  if (checkLimit({ diagnostics, limit: LIMIT, subject: `the GitHub Actions parent workflow for '${ir.flow.name}'`, actual: Buffer.byteLength(text), span: flowFileSpan(ir) })) return [];
  diagnostics.report(
    'FLOWC692',
    `the GitHub Actions workflow for '${ir.flow.name}' would be over the limit of ${LIMIT.value} bytes on ${LIMIT.title} (${LIMIT.doc}), so it is split into ${compiled.length} reusable workflows that ${ir.flow.name}.gha.yml calls; ${partition.crossEdges.length} needs edges cross parts, and across each one a step waits for the whole part before it`,
    flowFileSpan(ir),
    [
      `copy all ${compiled.length + 1} files into .github/workflows/ under their names (compile with --out DIR to get them all; stdout shows the parent only)`,
      'https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows; see docs/targets/github-actions.md#partitioning',
    ],
  );
  return [{ path: `${ir.flow.name}.gha.yml`, contents: text, primary: true }, ...compiled.map((c) => ({ path: c.part.file, contents: c.text }))];
}

/**
 * One part through the flow's own compile path, under the flow's name (so FLOWC_FLOW and
 * `${flow.name}` read the same in every part), then made a reusable workflow: called only
 * (`workflow_call`, no dispatch: run alone it would run a fragment of the flow), and no
 * concurrency group, since the parent's holds the run and a part in the same group would wait on
 * its own caller.
 */
function compilePart(ir: IR, part: Partition['parts'][number], total: number, diagnostics: DiagnosticBag): { part: CompiledPart; text: string; bytes: number } {
  const partIr: IR = { ...part.ir, flow: ir.flow };
  const built = buildWorkflow(partIr, diagnostics);
  const call = (built.on as { workflow_call: { secrets?: unknown } }).workflow_call;
  const workflow = ordered('workflow', {
    ...built,
    name: `${ir.flow.name} (part ${part.index + 1} of ${total})`,
    on: ordered('on', { workflow_call: ordered('workflowCall', { inputs: partInputs(ir), secrets: call.secrets }) }),
    concurrency: undefined,
  });
  const file = partFileName(ir.flow.name, part.index);
  const text = serializeWorkflow(partIr, workflow, [`Part ${part.index + 1} of ${total}: a reusable workflow that ${ir.flow.name}.gha.yml calls as ./.github/workflows/${file}.`]);
  return { part: compiledPart(part, file, workflow), text, bytes: Buffer.byteLength(text) };
}

/** FLOWC693 at each step that reads an output of a step in another part. */
function refuseCrossReads(ir: IR, partition: Partition, diagnostics: DiagnosticBag): Artifact[] {
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  for (const r of partition.crossOutputReads) {
    const reader = byId.get(r.reader) as IRStep;
    diagnostics.report(
      'FLOWC693',
      `step '${r.reader}' reads output '${r.output}' of step '${r.producer}', but the flow is too large for one GitHub Actions workflow file and the two steps land in different parts (${partition.partOf.get(r.producer) as number + 1} and ${partition.partOf.get(r.reader) as number + 1} of ${partition.parts.length}); flowc does not carry step outputs between parts`,
      originSpan(reader.origin),
      ['keep the flow under the workflow size limit, or pass the value through a file or artifact the steps share'],
    );
  }
  return [];
}

/** Each diagnostic once: every part reports the flow-level ones (parameters, secrets, config) again. */
function addUnique(diagnostics: DiagnosticBag, items: readonly Diagnostic[]): void {
  const seen = new Set<string>();
  for (const d of items) {
    const key = `${d.code}\0${d.message}\0${d.span?.file}:${d.span?.line}:${d.span?.col}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.add(d);
  }
}

/**
 * What every workflow file of the flow carries besides its jobs: the header, triggers and inputs,
 * the workflow env with FLOWC_CONFIG (the config's JSON), the secrets. An estimate, not a bound.
 */
function overheadBytes(ir: IR): number {
  const params = ir.parameters.reduce((sum, p) => sum + 160 + 2 * p.name.length + 2 * (p.description?.length ?? 0), 0);
  return 1500 + params + 80 * ir.secrets.length + configJson(ir.config.values).length;
}

/**
 * The estimated bytes of a step's job(s): the fixed lines of a job, its id (key, FLOWC_STEP and
 * step name), the image, its needs, and the text of everything it renders. Step outputs and
 * foreach add helper jobs and a matrix, counted as a flat sum.
 */
export function stepBytes(step: IRStep): number {
  let bytes = 130 + 3 * step.id.length + step.image.length;
  for (const n of step.needs) bytes += n.length + 2;
  bytes += textBytes(step.exec) + textBytes(step.env) + textBytes(step.secretEnv) + textBytes(step.targets);
  if (step.retry) bytes += 700;
  if (step.timeoutSeconds !== null) bytes += 25;
  if (step.foreach) bytes += 300 + textBytes(step.foreach);
  if (step.outputs.length > 0) bytes += 2500 + 300 * step.outputs.length;
  return bytes;
}

/** The characters of the strings inside a value, plus a few per entry: near its rendered size. */
function textBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 4;
  let bytes = 0;
  // Arrays (IR strings, argv, env) walked by index: no copy of their values per step.
  // Objects walked by key: Object.values would copy every value of every step into a new array.
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) bytes += 2 + textBytes(value[i]);
  else for (const k in value) if (Object.hasOwn(value, k)) bytes += 2 + textBytes((value as Record<string, unknown>)[k]);
  return bytes;
}
