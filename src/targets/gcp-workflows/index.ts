import { lowerGraph } from '../../ir/lower-blocks.js';
import { loweredGraph } from '../lowered.js';
import type { Artifact, Target, TargetContext } from '../target.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import { checkLimit } from '../limits.js';
import { fitConfig } from '../config-env.js';
import type { IR } from '../../ir/types.js';
import { fitLimits } from './fit-limits.js';
import { GCP_OPTIONS_SCHEMA, PER_STEP_OPTIONS, readOptions } from './options.js';
import { checkDefaultGpuFit } from './placement.js';
import { checkWrittenOptions } from './written-options.js';
import { GCP_SECRET_SUPPORT } from './secrets.js';
import { buildSchedulerJob } from './scheduler.js';
import { leastYamlBytes, serializeJson, serializeYaml } from './serialize.js';
import { workflowId } from './names.js';
import { assembleWorkflow, type Built, originSpan, prepareJobs } from './workflow.js';
import { estimateMemory, estimateSteps } from './budget.js';
import { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { Span } from '../../source/span.js';
import type { Fitted } from './fit-limits.js';
import type { GcpOptions } from './options.js';
import { outputRefs, usesOutputs } from './outputs.js';
import type { DagChains } from './dag-chains.js';
import { dagAsBlock, dagSteps, laneMessage, noDagReason, planDag } from './dag-scheduler.js';
import { blocksOnlyReason, compilePartitioned, isChildWorkflow, isWholeTry, markScheduled } from './partition.js';
import { leastFullStepBytes, leastWhole } from './part-size.js';

/** Workflows rejects a definition whose source is over 128 KB (limits.ts). */
export const MAX_SOURCE_BYTES = GCP_LIMIT_TABLE.sourceBytes.value;

/**
 * The full layout is kept while the definition is at most half the source limit (about 150 plain
 * steps): a flow that size is read step by step; a larger one reads better one line a step, and
 * keeps room to grow before the hard limit.
 */
const FULL_LAYOUT_BYTES = MAX_SOURCE_BYTES / 2;

/** Flows of more steps have their full layout's least size counted before it is written (buildFitting): a speed choice only. */
const COUNT_FIRST_STEPS = 20;

/** How many added orderings a warning lists before summarising. */
const LIST_CAP = 20;

const pairs = (ps: [string, string][]): string =>
  ps.slice(0, LIST_CAP).map(([a, b]) => `${b} waits for ${a}`).join(', ') + (ps.length > LIST_CAP ? `, and ${ps.length - LIST_CAP} more` : '');

/**
 * `--target gcp-workflows`: a Google Cloud Workflows definition (`<name>.gcp.yaml`) whose steps
 * run as Cloud Batch jobs, plus `<name>.scheduler.json` when the flow has a schedule (SPEC 6).
 */
export const gcpWorkflowsTarget: Target = {
  id: 'gcp-workflows',
  aliases: [],
  description: 'Google Cloud Workflows definition running each step as a Cloud Batch job',
  engine: 'Google Cloud Workflows',
  files: ['<name>.gcp.yaml', '<name>.scheduler.json'],
  optionsSchema: GCP_OPTIONS_SCHEMA,
  limits: GCP_LIMIT_TABLE,
  perStepOptions: PER_STEP_OPTIONS,
  secrets: GCP_SECRET_SUPPORT,
  checkWrittenOptions,
  deployment: { what: 'Cloud Workflows workflow id', name: workflowId },
  stepOutputs: true,
  // What `flowc graph` and `flowc explain` draw: the chain schedule adds nothing (lanes list theirs).
  lowering: (ir) => {
    const lowered = lowerGraph(ir);
    const dag = lowered.exact ? null : planDag(ir, lowered.block);
    return dag ? { ...lowered, exact: dag.added.length === 0, addedOrderings: dag.added } : lowered;
  },
  compile(ir: IR, ctx: TargetContext): Artifact[] {
    // Over the per-workflow limits: a parent and child workflows, each compiled below (partition.ts).
    const parted = compilePartitioned({ ir, ctx, compileOne: (part, c) => gcpWorkflowsTarget.compile(part, c) });
    if (parted) return parted;
    const { diagnostics } = ctx;
    const before = diagnostics.errors().length;
    const flowSpan = originSpan({ file: ir.flow.source, line: 1, col: 1 });
    // Without a datastore the flow is still built, against a stand-in bucket, so its other
    // problems are reported in the same run; nothing is written (FLOWC677 is an error).
    const options = checkDatastore(ir, readOptions(ir), diagnostics);
    checkDefaultGpuFit(ir, diagnostics, flowSpan);
    const lowered = loweredGraph(ir);
    // Not series-parallel: run it as an exact DAG schedule when one fits (dag-scheduler.ts).
    const blocksOnly = blocksOnlyReason(ir);
    const dag = lowered.exact || isChildWorkflow(ir) || blocksOnly !== undefined ? null : planDag(ir, lowered.block);
    if (dag && isWholeTry(ir)) markScheduled(ir);
    if (dag && (dag.added.length > 0 || dag.pool)) diagnostics.report('FLOWC657', laneMessage(dag, pairs), flowSpan);
    if (!lowered.exact && !dag) {
      if (!isChildWorkflow(ir)) diagnostics.report('FLOWC656', blocksOnly ?? noDagReason(ir), flowSpan);
      diagnostics.report(
        'FLOWC605',
        `the step graph is not series-parallel, so Workflows parallel branches cannot express it exactly; added orderings: ${pairs(lowered.addedOrderings)}`,
        flowSpan,
      );
    }
    const byId = new Map(ir.steps.map((s) => [s.id, s]));
    const fitted = dag ? { block: dagAsBlock(ir, dag), addedOrderings: [], sequentialForeach: [] } : fitLimits(lowered.block, (id) => byId.get(id)?.foreach != null);
    if (fitted.addedOrderings.length > 0) {
      diagnostics.report(
        'FLOWC640',
        `Workflows allows 10 branches per parallel step and parallel steps 2 deep; to fit, ${pairs(fitted.addedOrderings)}`,
        flowSpan,
      );
    }
    for (const id of fitted.sequentialForeach) {
      const step = byId.get(id);
      diagnostics.report(
        'FLOWC640',
        `step '${id}': its foreach items run one at a time, because it sits inside two parallel steps already (Workflows nests parallel steps 2 deep)`,
        step ? originSpan(step.origin) : flowSpan,
      );
    }
    const header = [
      `Generated by flowc ${ir.flowcVersion} from ${ir.flow.source}; do not edit.`,
      `flow: ${ir.flow.name}`,
      `config sha256: ${ir.config.hash}`,
    ];
    const scheduleSteps = dag ? dagSteps(dag) : 0;
    // Asked of the build that fits (fitConfig) and again of the one written: estimated once.
    const memories = new WeakMap<Built, ReturnType<typeof estimateMemory>>();
    const memoryOf = (w: Built): ReturnType<typeof estimateMemory> => {
      let m = memories.get(w);
      if (!m) memories.set(w, (m = estimateMemory(ir, fitted.block, w)));
      return m;
    };
    // The whole flow tried before it is cut (partition.ts): over a limit for certain, it is not written out.
    if (isWholeTry(ir) && mayBeOver(ir, options) && diagnostics.errors().length === before && overForCertain({ ir, options, block: fitted.block, dag, scheduleSteps, span: flowSpan }, diagnostics)) return [];
    const { built } = fitConfig({
      diagnostics,
      build: (includeConfig, bag) => buildFitting({ ir, options, block: fitted.block, dag, includeConfig, header }, bag),
      excess: ({ yaml, workflow }) => {
        const bytes = Buffer.byteLength(yaml, 'utf8');
        if (bytes > MAX_SOURCE_BYTES) return { limit: GCP_LIMIT_TABLE.sourceBytes, subject: 'the Workflows definition', actual: bytes, span: flowSpan };
        const memory = workflow ? memoryOf(workflow) : null;
        if (memory && memory.bytes > GCP_LIMIT_TABLE.variableBytes.value) return { limit: GCP_LIMIT_TABLE.variableBytes, subject: memorySubject(memory), actual: memory.bytes, span: flowSpan };
        return undefined;
      },
    });
    const { yaml, workflow } = built;
    const scheduler = buildSchedulerJob({ ir, options, diagnostics });
    if (diagnostics.errors().length > before || !workflow) return [];
    checkLimit({ diagnostics, limit: GCP_LIMIT_TABLE.sourceBytes, subject: 'the Workflows definition', actual: Buffer.byteLength(yaml, 'utf8'), span: flowSpan });
    const memory = memoryOf(workflow);
    checkLimit({ diagnostics, limit: GCP_LIMIT_TABLE.variableBytes, subject: memorySubject(memory), actual: memory.bytes, span: flowSpan });
    checkSteps(ir, fitted.block, workflow, diagnostics, flowSpan, scheduleSteps);
    if (diagnostics.errors().length > before) return [];
    const out: Artifact[] = [{ path: `${ir.flow.name}.gcp.yaml`, contents: yaml, primary: true }];
    if (scheduler) out.push({ path: `${ir.flow.name}.scheduler.json`, contents: serializeJson(scheduler) });
    return out;
  },
};

interface FittingRequest {
  ir: IR;
  options: GcpOptions;
  block: Fitted;
  dag: DagChains | null;
  includeConfig: boolean;
  header: string[];
}

/**
 * The definition with every call's job written out in full when that fits the source limit, else
 * with values equal to `flowc_step`'s defaults left out of the calls (workflow.ts, `Layout`). The
 * jobs are rendered once for both layouts.
 */
function buildFitting(r: FittingRequest, bag: DiagnosticBag): { yaml: string; workflow: Built | null } {
  const jobs = new DiagnosticBag();
  const prepared = prepareJobs({ ir: r.ir, options: r.options, diagnostics: jobs, includeConfig: r.includeConfig });
  // Steps that alone take more than the full layout may hold: it is not assembled only to be measured.
  let least = 0;
  for (const s of r.ir.steps) least += leastFullStepBytes(s);
  let last: { yaml: string; workflow: Built | null; items: DiagnosticBag } | null = null;
  for (const layout of ['full', 'compact'] as const) {
    if (layout === 'full' && !jobs.hasErrors() && least > FULL_LAYOUT_BYTES) continue;
    const items = new DiagnosticBag();
    items.addAll(jobs.items);
    const workflow = assembleWorkflow(prepared, { block: r.block, dag: r.dag, diagnostics: items, layout });
    // Certainly over as a full layout: not written out only to be measured (a partitioned flow's parts are this size).
    // A flow of a few steps is nearly always under, and writing it out says the same (its bytes
    // are at least leastYamlBytes), so it is not counted first.
    if (layout === 'full' && !items.hasErrors() && r.ir.steps.length > COUNT_FIRST_STEPS && leastYamlBytes(workflow.definition) > FULL_LAYOUT_BYTES) continue;
    // A definition with errors may hold placeholders the serializer cannot write.
    const yaml = items.hasErrors() ? '' : serializeYaml(workflow.definition, r.header, layout);
    last = { yaml, workflow: items.hasErrors() ? null : workflow, items };
    if (items.hasErrors() || Buffer.byteLength(yaml, 'utf8') <= FULL_LAYOUT_BYTES) break;
  }
  const done = last as { yaml: string; workflow: Built | null; items: DiagnosticBag };
  bag.addAll(done.items.items);
  return { yaml: done.yaml, workflow: done.workflow };
}

/**
 * Whether the flow is large enough that `overForCertain` is worth its build: a small flow (most
 * flows, every fixture) is compiled as before with no extra build. Only a speed choice: a flow
 * this lets through is still measured whole and cut when over. The margins are wide because a
 * DAG schedule writes several times the steps' own text (7x at 1,000 synthetic steps).
 */
function mayBeOver(ir: IR, options: GcpOptions): boolean {
  const least = leastWhole(ir, options);
  return least.bytes * 16 > MAX_SOURCE_BYTES || least.count * 4 > GCP_LIMIT_TABLE.executionSteps.value;
}

interface ProbeRequest {
  ir: IR;
  options: GcpOptions;
  block: Fitted;
  dag: DagChains | null;
  scheduleSteps: number;
  span: Span;
}

/**
 * Whether the whole flow is over the source or step limit even in its smallest form (compact,
 * without FLOWC_CONFIG), from a lower bound of its bytes (`leastYamlBytes`) and its step count,
 * so a flow that is cut anyway is never written out whole. Reports the limit (FLOWC603) when so;
 * partition.ts then cuts. A build with errors says nothing here: the whole flow's own path
 * reports them.
 */
function overForCertain(r: ProbeRequest, diagnostics: DiagnosticBag): boolean {
  const bag = new DiagnosticBag();
  const workflow = assembleWorkflow(prepareJobs({ ir: r.ir, options: r.options, diagnostics: bag, includeConfig: false }), { block: r.block, dag: r.dag, diagnostics: bag, layout: 'compact' });
  buildSchedulerJob({ ir: r.ir, options: r.options, diagnostics: bag });
  if (bag.hasErrors()) return false;
  const least = leastYamlBytes(workflow.definition);
  const { sourceBytes } = GCP_LIMIT_TABLE;
  if (least > sourceBytes.value) {
    diagnostics.report('FLOWC603', `the Workflows definition would be at least ${least} bytes, over the limit of ${sourceBytes.value} bytes on ${sourceBytes.title} (${sourceBytes.doc})`, r.span);
    return true;
  }
  const steps = new DiagnosticBag();
  checkSteps(r.ir, r.block, workflow, steps, r.span, r.scheduleSteps);
  const over = steps.errors();
  diagnostics.addAll(over);
  return over.length > 0;
}

/**
 * FLOWC677: a flow that declares or reads step outputs needs the `datastore` option, since Batch
 * jobs can hand values back only through Cloud Storage (outputs.ts). Reported at the first output
 * declared in the file, else at the first step that reads one.
 */
function checkDatastore(ir: IR, options: GcpOptions, diagnostics: DiagnosticBag): GcpOptions {
  if (options.datastore !== undefined || !usesOutputs(ir)) return options;
  // IRStep.outputs are sorted by name: the first in the file is the one a reader looks for.
  const declared = ir.steps.flatMap((s) => s.outputs).sort((a, b) => a.origin.line - b.origin.line || a.origin.col - b.origin.col)[0];
  const reader = ir.steps.find((s) => outputRefs(ir, s).length > 0);
  const at = declared?.origin ?? reader?.origin ?? { file: ir.flow.source, line: 1, col: 1 };
  diagnostics.report(
    'FLOWC677',
    'the flow uses step outputs, which a Cloud Batch job can hand to the workflow only through Cloud Storage: set the gcp-workflows option datastore to a bucket folder the jobs may write and the workflow may read',
    originSpan(at),
    ['for example, in the flow: targets: { gcp-workflows: { datastore: "gs://my-bucket/flowc" } }'],
  );
  return { ...options, datastore: 'gs://flowc-datastore-unset' };
}

function memorySubject(m: { concurrent: number; perCall: number }): string {
  return `the variables of one execution, with ${m.concurrent} job${m.concurrent === 1 ? '' : 's'} running at once (the largest holding about ${m.perCall} bytes: its arguments, env and job body),`;
}

/**
 * The step count of one execution: an error when even a run whose first attempts all succeed goes
 * over the limit, a warning (FLOWC648) when only a run that uses every retry would.
 */
function checkSteps(ir: IR, block: Fitted, workflow: Built, diagnostics: DiagnosticBag, span: Span, scheduleSteps: number): void {
  const est = estimateSteps(ir, block, workflow);
  est.least += scheduleSteps;
  est.most += scheduleSteps;
  const limit = GCP_LIMIT_TABLE.executionSteps;
  const heaviest = est.heaviest.map((h) => (h.jobs === 1 ? `step '${h.id}': ${h.perJob} steps` : `step '${h.id}': ${h.jobs} items x ${h.perJob} steps = ${h.total}`)).join('; ');
  const notes = [`the steps that take the most: ${heaviest}`, 'split the foreach list across several executions (for example by a parameter), or run several items in one job'];
  if (checkLimit({ diagnostics, limit, subject: 'one execution, with every job succeeding at its first attempt,', actual: est.least, span, notes })) return;
  if (est.most > limit.value) {
    diagnostics.report(
      'FLOWC648',
      `one execution takes ${est.least} steps when every job succeeds at its first attempt, but ${est.most} if every retry is used: over the limit of ${limit.value} ${limit.unit} on ${limit.title} (${limit.doc}), where Workflows stops the run`,
      span,
      notes,
    );
  }
}
