import { configJson } from '../../ir/env.js';
import { type Diagnostic, DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { exceedsPartLimits, partitionFlow, type Partition } from '../../ir/partition.js';
import type { IR, IROrigin, IRStep, IRString } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { canonicalJson } from '../../source/canonical-json.js';
import type { Artifact, TargetContext } from '../target.js';
import { HISTORY_MAX_EVENTS } from './history.js';
import { planJobDefinitions } from './job-definitions.js';
import { checkDefinition, DEFINITION_MAX_BYTES } from './limits.js';
import { readOptions, type SfnOptions } from './options.js';
import { buildParent } from './parent-machine.js';
import { resolvePartition } from './partition.js';
import { toFittingJsonText, toJsonText } from './serialize.js';

/**
 * A flow over a state machine's limits (1 MB definition, 25,000 history events:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) compiled as a workflow
 * of workflows (issue 19, docs/partitioning.md): each part of `partitionFlow` is compiled by the
 * target's normal path as a child state machine, and a parent (parent-machine.ts) starts them in
 * order. A flow within the limits is compiled exactly as before.
 */

/** What one part may hold. The estimates below are rough, so the targets sit under the limits. */
export interface PartBudget {
  maxSteps: number;
  /** Estimated bytes of one part's definition (compact JSON). */
  definitionBytes: number;
  /** Estimated history events of one part's run, retries spent. */
  historyEvents: number;
}

export const PART_BUDGET: PartBudget = { maxSteps: 5000, definitionBytes: Math.floor(DEFINITION_MAX_BYTES * 0.75), historyEvents: Math.floor(HISTORY_MAX_EVENTS * 0.75) };

/** A part that still comes out too big is cut again this many times, each budget this much smaller. */
const RECUTS = 4;
const SHRINK = 0.6;

/**
 * The diagnostics a whole state machine gets for its size, what partitioning cures: its definition
 * over 1 MB (FLOWC603 is every limit check's code: only this subject counts, limits.ts
 * checkDefinition) and its history over 25,000 events (FLOWC660, history.ts).
 */
const isSize = (d: Diagnostic): boolean => (d.code === 'FLOWC603' && d.message.startsWith('the state machine definition ')) || d.code === 'FLOWC660';

/** IRs being compiled as one state machine (a part, a flow tried whole): not cut again meanwhile. */
const whole = new WeakSet<IR>();

/** The target's own compile of one state machine, and its schedule request (index.ts). */
export interface WholePath {
  compile(ir: IR, ctx: TargetContext): Artifact[];
  schedule(ir: IR, options: SfnOptions, diagnostics: DiagnosticBag): Record<string, unknown> | null;
  /** The ARNs besides the flow's options that fix the AWS partition (steps' options, secrets). */
  evidence(ir: IR): { value: unknown; path: string }[];
}

const spanOf = (o: IROrigin): Span => ({ file: o.file, line: o.line, col: o.col });

/**
 * The flow's artifacts when it must be partitioned; null when the caller compiles it as one state
 * machine. `budget` forces a smaller part size (tests); without it a flow is cut only when its
 * lower-bound estimate is over a limit, or its whole compile reports FLOWC603/FLOWC660.
 */
export function compileInParts(ir: IR, ctx: TargetContext, path: WholePath, budget?: PartBudget): Artifact[] | null {
  if (whole.has(ir)) return null;
  const b = budget ?? PART_BUDGET;
  let why: string;
  if (budget) {
    if (!exceedsPartLimits(ir, { maxSteps: b.maxSteps, weight: stepWeight(ir, b), maxWeight: 1 })) return null;
    why = `its estimated size is over the part budget given (${b.maxSteps} steps, ${b.definitionBytes} bytes, ${b.historyEvents} events)`;
  } else {
    const low = lowerBounds(ir);
    if (low.bytes > DEFINITION_MAX_BYTES) why = `its definition would be at least ${low.bytes} bytes (estimated), over Step Functions' limit of ${DEFINITION_MAX_BYTES}`;
    else if (low.events > HISTORY_MAX_EVENTS) why = `a run would write at least ${low.events} history events (estimated), over a Standard execution's limit of ${HISTORY_MAX_EVENTS}`;
    else {
      const scratch = new DiagnosticBag();
      const out = compileWhole(ir, ctx, scratch, path);
      const over = scratch.items.filter(isSize);
      if (over.length === 0) {
        ctx.diagnostics.addAll(scratch.items);
        return out;
      }
      why = over.map((d) => d.message.replace(/ \(.*$/, '')).join('; and ');
    }
  }
  return partitioned(ir, ctx, path, b, why);
}

function compileWhole(ir: IR, ctx: TargetContext, diagnostics: DiagnosticBag, path: WholePath): Artifact[] {
  whole.add(ir);
  try {
    return path.compile(ir, { ...ctx, diagnostics });
  } finally {
    // The same IR compiled again (a build, a test) is decided again.
    whole.delete(ir);
  }
}

/** A part's deployed state machine name: the parent's, suffixed; cut to the 80 characters a name may have. */
export function partMachineName(base: string, index: number, count: number): string {
  const suffix = `-part-${String(index + 1).padStart(String(count).length, '0')}`;
  return base.slice(0, 80 - suffix.length) + suffix;
}

/** The file of a part's definition. */
export function partFile(flowName: string, index: number, count: number): string {
  return `${partMachineName(flowName, index, count)}.asl.json`;
}

interface CompiledPart {
  asl: string;
  diagnostics: Diagnostic[];
  steps: IRStep[];
}

function partitioned(ir: IR, ctx: TargetContext, path: WholePath, b: PartBudget, why: string): Artifact[] {
  const { diagnostics } = ctx;
  const flowSpan = spanOf({ file: ir.flow.source, line: 1, col: 1 });
  const before = diagnostics.errors().length;
  const read = readOptions(ir);
  // Job definitions are planned on the whole flow and written once: a part planning its own would
  // name them after its own mix of images, and two parts could give one name two images.
  const jobs = read.compute === 'batch' ? planJobDefinitions({ ir, options: read.batch, span: flowSpan, diagnostics }) : null;
  const named = jobs ? withJobDefinitions(ir, jobs.nameFor) : ir;
  const weight = stepWeight(ir, b);

  let scale = 1;
  let cut: Partition;
  let compiled: CompiledPart[];
  for (let attempt = 0; ; attempt++) {
    // A step alone over the budget gets a part of its own; the compile says whether it fits.
    cut = partitionFlow(named, { maxSteps: Math.max(1, Math.floor(b.maxSteps * scale)), weight: (s) => Math.min(scale, weight(s)), maxWeight: scale, name: () => ir.flow.name });
    if (cut.crossOutputReads.length > 0) {
      reportCrossReads(ir, cut, diagnostics);
      return [];
    }
    compiled = cut.parts.map((part) => {
      const scratch = new DiagnosticBag();
      const out = compileWhole(part.ir, ctx, scratch, path);
      return { asl: out.find((a) => a.primary)?.contents ?? '', diagnostics: scratch.items, steps: part.ir.steps };
    });
    const over = compiled.filter((c) => c.diagnostics.some(isSize));
    if (over.length === 0) break;
    const alone = over.filter((c) => c.steps.length === 1);
    if (alone.length > 0 || attempt === RECUTS) {
      addUnique(diagnostics, compiled.flatMap((c) => c.diagnostics.filter((d) => !isSize(d) || (alone.length === 0 && c.steps.length > 1))));
      for (const c of alone) {
        const step = c.steps[0] as IRStep;
        const limits = c.diagnostics.filter(isSize).map((d) => d.message.replace(/ \(.*$/, ''));
        diagnostics.report('FLOWC686', `step '${step.id}' alone does not fit in a state machine, so no partition of the flow can run it: ${limits.join('; and ')}`, spanOf(step.origin), [
          'make the step smaller: a long foreach list can come from a step output (foreach.from), a long script can live in the image',
        ]);
      }
      return [];
    }
    scale *= SHRINK;
  }
  addUnique(diagnostics, compiled.flatMap((c) => c.diagnostics));

  const count = cut.parts.length;
  const base = machineName(ir);
  diagnostics.report(
    'FLOWC684',
    `the flow is compiled as ${count} state machines (${partFile(ir.flow.name, 0, count)} ...) started in order by ${ir.flow.name}.asl.json, because ${why}; ${cut.crossEdges.length} needs edges cross parts, and a step after such an edge waits for the whole part before it`,
    flowSpan,
    ['docs/targets/stepfunctions.md#partitioning: deploy the parts before the parent (flowc deploy does); the parent\'s role must be allowed to start them'],
  );
  // From the whole flow's ARNs, as the parts' own: a step's ARN in aws-cn puts the parent there too,
  // and two steps in different parts still cannot name two partitions (FLOWC626).
  const partitionBag = new DiagnosticBag();
  const partition = resolvePartition({ options: ir.targets.stepfunctions, extra: path.evidence(ir), span: flowSpan, diagnostics: partitionBag });
  addUnique(diagnostics, partitionBag.items);
  const parent = buildParent({
    ir,
    parts: cut.parts.map((p) => ({ machineName: partMachineName(base, p.index, count), needs: p.needs })),
    partition,
    comment: `${ir.flow.name}: runs the ${count} parts of the flow | generated by flowc ${ir.flowcVersion} from ${ir.flow.source} (sha256 ${ir.flow.sourceHash}) | config sha256 ${ir.config.hash}`,
  });
  const asl = toFittingJsonText(parent.definition, DEFINITION_MAX_BYTES);
  checkDefinition({ text: asl, span: flowSpan, diagnostics });
  if (parent.events > HISTORY_MAX_EVENTS) {
    diagnostics.report('FLOWC687', `the parent state machine of the ${count} parts writes about ${parent.events} history events in a run, ${parent.events - HISTORY_MAX_EVENTS} over a Standard execution's limit of ${HISTORY_MAX_EVENTS}`, flowSpan, [
      'the flow has too many parts for one parent: make its steps smaller, or split it into flows',
    ]);
  }
  // Only the parent is scheduled: the parts have no schedule (partIR).
  const request = path.schedule(ir, read, diagnostics);
  if (diagnostics.errors().length > before) return [];
  const out: Artifact[] = [{ path: `${ir.flow.name}.asl.json`, contents: asl, primary: true }];
  if (request) out.push({ path: `${ir.flow.name}.schedule.json`, contents: toJsonText(request) });
  if (jobs) out.push({ path: `${ir.flow.name}.batch.json`, contents: toJsonText({ jobDefinitions: jobs.requests }) });
  compiled.forEach((c, i) => out.push({ path: partFile(ir.flow.name, i, count), contents: c.asl }));
  return out;
}

/** The parent's deployed name: `stateMachineName` (set per binding, and by flowc deploy), else the flow's. */
export function machineName(ir: IR): string {
  const o = ir.targets.stepfunctions;
  const given = o !== null && typeof o === 'object' && !Array.isArray(o) ? o.stateMachineName : undefined;
  return typeof given === 'string' ? given : ir.flow.name;
}

/** The flow with each step naming its whole-flow job definition as its own (SFN_PER_STEP_OPTIONS). */
function withJobDefinitions(ir: IR, nameFor: (step: IRStep) => string): IR {
  const steps = ir.steps.map((s) => {
    const own = Object.hasOwn(s.targets, 'stepfunctions') ? s.targets.stepfunctions : {};
    const merged = own !== null && typeof own === 'object' && !Array.isArray(own) ? { ...own, jobDefinition: nameFor(s) } : { jobDefinition: nameFor(s) };
    return { ...s, targets: { ...s.targets, stepfunctions: merged } };
  });
  return { ...ir, steps };
}

function reportCrossReads(ir: IR, cut: Partition, diagnostics: DiagnosticBag): void {
  const steps = new Map(ir.steps.map((s) => [s.id, s]));
  for (const r of cut.crossOutputReads) {
    const reader = steps.get(r.reader) as IRStep;
    diagnostics.report(
      'FLOWC685',
      `step '${r.reader}' reads output '${r.output}' of step '${r.producer}', which the partition of this flow (too big for one state machine) puts in another state machine (part ${(cut.partOf.get(r.producer) as number) + 1}, not part ${(cut.partOf.get(r.reader) as number) + 1}); outputs do not cross state machines`,
      spanOf(reader.origin),
      ['make the flow smaller, or pass the value through a file the steps share (the datastore) instead of a step output'],
    );
  }
}

/** Adds diagnostics, each (code, place, message) once: flow-level checks run in every part. */
function addUnique(bag: DiagnosticBag, ds: Diagnostic[]): void {
  const seen = new Set(bag.items.map(key));
  for (const d of ds) {
    const k = key(d);
    if (seen.has(k)) continue;
    seen.add(k);
    bag.add(d);
  }
}

function key(d: Diagnostic): string {
  return `${d.code}\0${d.span?.file}:${d.span?.line}:${d.span?.col}\0${d.message}`;
}

function literalChars(s: IRString): number {
  let n = 0;
  for (const p of s) n += p.kind === 'lit' ? p.value.length : 24;
  return n;
}

function stringChars(step: IRStep): number {
  const exec = step.exec.kind === 'run' ? literalChars(step.exec.script) : step.exec.argv.reduce((a, x) => a + literalChars(x) + 4, 0);
  return exec + step.env.reduce((a, e) => a + e.name.length + literalChars(e.value) + 24, 0);
}

/**
 * Lower bounds of the whole flow's definition and history: over a limit here, the flow cannot be
 * one state machine, and is cut without compiling it whole first. A Task holds at least its type,
 * resource, job name, queue and system environment (~400 bytes) and writes at least 5 events (a
 * request-response submission of a Batch DAG, batch-dag.ts; a `.sync` Task writes 6: history.ts).
 */
function lowerBounds(ir: IR): { bytes: number; events: number } {
  let bytes = 0;
  let events = 2;
  for (const s of ir.steps) {
    bytes += 400 + stringChars(s) + (s.foreach ? canonicalJson(s.foreach.items).length : 0);
    events += 5;
  }
  return { bytes, events };
}

/**
 * A step's share of a part: the larger of its estimated definition bytes (compact JSON, with
 * FLOWC_CONFIG, a Parallel state's share, and its output reads) and its history events (retries
 * spent, a Parallel state's share) over the budget. Rough on purpose: a part that still comes out
 * too big is cut again.
 */
function stepWeight(ir: IR, b: PartBudget): (step: IRStep) => number {
  const fixed = 900 + 2 * ir.flow.name.length + configJson(ir.config.values).length;
  return (s) => {
    const retries = s.retry && s.retry.limit > 0 ? s.retry.limit : 0;
    const reads = s.outputs.length;
    const items = s.foreach ? canonicalJson(s.foreach.items).length : 0;
    const bytes = fixed + 3 * s.id.length + 1.3 * stringChars(s) + 1.3 * items + 800 * reads + (retries > 0 ? 200 : 0);
    const task = 6 + 4 * retries + 5 * reads;
    // A foreach the history cannot hold inline runs as a Distributed Map (history.ts): 8 events.
    const events = 4 + (s.foreach ? Math.min(4 + (s.foreach.items.length || 1) * (2 + task), 8) : task);
    return Math.max(bytes / b.definitionBytes, events / b.historyEvents);
  };
}
