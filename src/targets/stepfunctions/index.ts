import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { exactLowering, loweredGraph } from '../lowered.js';
import type { IR, IROrigin } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { Artifact, Target, TargetContext } from '../target.js';
import type { Block, LoweredGraph } from '../../ir/blocks.js';
import { SFN_LIMITS, checkDefinition, checkItems, checkNumbers, checkOverrides, DEFINITION_MAX_BYTES, OVERRIDES_MAX_CHARS, overridesChars, overridesLimit } from './limits.js';
import { fitConfig, type LimitExcess } from '../config-env.js';
import { checkCompute } from './compute-checks.js';
import { type MapMode, planMaps } from './history.js';
import { planJobDefinitions } from './job-definitions.js';
import { buildMachine, type Machine } from './machine.js';
import { readOptions, SFN_OPTIONS_SCHEMA, SFN_PER_STEP_OPTIONS, readStepOptions, type SfnOptions } from './options.js';
import { resolvePartition } from './partition.js';
import { checkSecrets } from './secret-checks.js';
import { SFN_SECRET_SUPPORT } from './secrets.js';
import { usedSecrets } from '../../ir/secrets.js';
import { scheduleRequest, toAwsCron } from './schedule.js';
import { toFittingJsonText, toJsonText, utf8Bytes } from './serialize.js';
import { checkDatastorePresent, checkDatastoreWritten } from './datastore.js';
import { checkDynamicItems } from './dynamic-checks.js';
import { compileInParts } from './child-machines.js';
import { chooseBatchDag, stepFunctionsLowering, type BatchDagPlan } from './batch-dag-plan.js';
import { buildBatchDagMachine } from './batch-dag.js';

/** How many added orderings the FLOWC605 warning lists before summarising. */
const LIST_CAP = 20;

const span = (o: IROrigin): Span => ({ file: o.file, line: o.line, col: o.col });

/**
 * `--target stepfunctions` (alias `sfn`): an Amazon States Language state machine
 * (`<name>.asl.json`) running each step as an AWS Batch job (or ECS task), the Batch job
 * definitions it submits to (`<name>.batch.json`), plus an EventBridge Scheduler
 * `CreateSchedule` request (`<name>.schedule.json`) when the flow has a schedule.
 * SPEC section 6; docs/targets/stepfunctions.md.
 */
export const stepFunctionsTarget: Target = {
  id: 'stepfunctions',
  aliases: ['sfn'],
  description: 'AWS Step Functions state machine (ASL) running each step as an AWS Batch job or ECS task',
  engine: 'AWS Step Functions',
  files: ['<name>.asl.json', '<name>.schedule.json', '<name>.batch.json'],
  optionsSchema: SFN_OPTIONS_SCHEMA,
  limits: SFN_LIMITS,
  perStepOptions: SFN_PER_STEP_OPTIONS,
  secrets: SFN_SECRET_SUPPORT,
  stepOutputs: true,
  checkWrittenOptions: ({ node, path, diagnostics }) => {
    // `datastore` is flow-level only: a step's is FLOWC609 already.
    if (!path.startsWith('steps.')) checkDatastoreWritten({ node, path, diagnostics });
  },
  // The default state machine name (the stateMachineName option, set per binding, replaces it).
  deployment: { what: 'state machine name', name: (flowName) => flowName },
  lowering: stepFunctionsLowering,
  compile(ir: IR, ctx: TargetContext): Artifact[] {
    // A flow over a state machine's limits runs as parts started by a parent (child-machines.ts).
    const parted = compileInParts(ir, ctx, { compile: (part, c) => stepFunctionsTarget.compile(part, c), schedule: buildSchedule, evidence: partitionEvidence });
    if (parted) return parted;
    const { diagnostics } = ctx;
    const before = diagnostics.errors().length;
    const flowSpan = span({ file: ir.flow.source, line: 1, col: 1 });
    const read = readOptions(ir);
    const partition = resolvePartition({ options: ir.targets.stepfunctions, extra: partitionEvidence(ir), span: flowSpan, diagnostics });
    checkCompute({ ir, options: read, flowSpan, diagnostics });
    checkSecrets({ ir, options: read, flowSpan, diagnostics });
    if (!read.datastoreWritten) checkDatastorePresent({ ir, datastore: null, flowSpan, diagnostics });
    // The machine cannot be built around an item path it cannot address.
    if (!checkDynamicItems({ ir, diagnostics })) return [];
    const jobDefinitions = read.compute === 'batch' ? planJobDefinitions({ ir, options: read.batch, span: flowSpan, diagnostics }) : null;
    const options: SfnOptions = { ...read, partition, jobDefinitionFor: jobDefinitions ? jobDefinitions.nameFor : read.jobDefinitionFor };
    // Batch job dependencies keep the exact graph where blocks would not (docs/targets/stepfunctions.md, "Exact DAGs").
    // Whether blocks are exact is found without choosing cuts (lowerIfExact): a flow that runs as a
    // Batch DAG needs no blocks, and choosing the cuts is nearly all of a lowering's time.
    let exactBlocks: LoweredGraph | null | undefined;
    const dag = chooseBatchDag({ ir, options, exact: () => (exactBlocks = exactLowering(ir)) !== null, flowSpan, diagnostics });
    const lowered: LoweredGraph | null = dag.plan ? null : (exactBlocks ?? loweredGraph(ir));
    if (lowered && !lowered.exact) {
      const ps = lowered.addedOrderings;
      const listed = ps.slice(0, LIST_CAP).map(([a, b]) => `${b} waits for ${a}`).join(', ');
      const more = ps.length > LIST_CAP ? `, and ${ps.length - LIST_CAP} more` : '';
      // Point at the first step made to wait: that is where the flow's shape costs concurrency.
      const waiting = ir.steps.find((s) => s.id === ps[0]?.[1]);
      diagnostics.report(
        'FLOWC605',
        `the step graph is not series-parallel, so nested Parallel states cannot express it exactly; added orderings: ${listed}${more}`,
        waiting ? span(waiting.origin) : flowSpan,
        ['docs/lowering.md explains the lowering; it never runs slower than level-by-level flattening', ...dag.whyNot],
      );
    }
    if (options.compute === 'ecs') warnSharedDefinitions(ir, options, diagnostics);
    const { modes } = lowered ? planMaps({ ir, block: lowered.block, flowSpan, diagnostics }) : { modes: new Map<string, MapMode>() };
    const shape = lowered ? { block: lowered.block } : { dag: dag.plan as BatchDagPlan };
    const { machine, asl } = fitDefinition({ ir, options, shape, mapModes: modes, diagnostics });
    for (const { step, state } of machine.itemLists) checkItems({ step, state, span: span(step.origin), diagnostics });
    for (const step of ir.steps) checkNumbers({ step, span: span(step.origin), diagnostics });
    checkDefinition({ text: asl, span: flowSpan, diagnostics });
    const schedule = buildSchedule(ir, options, diagnostics);
    if (diagnostics.errors().length > before) return [];
    const out: Artifact[] = [{ path: `${ir.flow.name}.asl.json`, contents: asl, primary: true }];
    if (schedule) out.push({ path: `${ir.flow.name}.schedule.json`, contents: toJsonText(schedule) });
    if (jobDefinitions) out.push({ path: `${ir.flow.name}.batch.json`, contents: toJsonText({ jobDefinitions: jobDefinitions.requests }) });
    return out;
  },
};

/**
 * Besides the flow's options, the ARNs a step's own options give and those of the secrets the
 * flow's steps use: one state machine's jobs run in one partition, and cannot read a secret in
 * another.
 */
export function partitionEvidence(ir: IR): { value: unknown; path: string }[] {
  const out: { value: unknown; path: string }[] = [];
  for (const step of ir.steps) {
    if (Object.hasOwn(step.targets, 'stepfunctions')) out.push({ value: step.targets.stepfunctions, path: `steps.${step.id}.targets.stepfunctions` });
  }
  const credentials = new Set(ir.steps.map((s) => readStepOptions(ir, s).repositoryCredentials));
  for (const s of ir.secrets) {
    const used = usedSecrets(ir).includes(s) || credentials.has(s.name);
    if (used && Object.hasOwn(s.locators, 'stepfunctions')) out.push({ value: s.locators.stepfunctions, path: `secrets.${s.name}.stepfunctions` });
  }
  return out;
}

/** Machines with at most this many tasks are written pretty first (toFittingJsonText): a speed choice only. */
const PRETTY_FIRST_TASKS = 50;

/**
 * Builds the machine and its text so it fits, in this order of preference: FLOWC_CONFIG in every
 * step, pretty-printed; compact (serialize.ts); without FLOWC_CONFIG (the shared policy,
 * src/targets/config-env.ts), when it pushes a step's container overrides over their limit or the
 * definition over 1 MB. What still does not fit is an error (checkOverrides here, checkDefinition
 * by the caller).
 */
function fitDefinition(o: { ir: IR; options: SfnOptions; shape: { block: Block } | { dag: BatchDagPlan }; mapModes: ReadonlyMap<string, MapMode>; diagnostics: DiagnosticBag }): { machine: Machine; asl: string } {
  // A machine of a few tasks is nearly always far below 1 MB pretty-printed (serialize.ts).
  const text = (m: Machine) => toFittingJsonText(m.definition, DEFINITION_MAX_BYTES, m.tasks.length <= PRETTY_FIRST_TASKS);
  const { built } = fitConfig({
    diagnostics: o.diagnostics,
    build: (includeConfig) => {
      const request = { ir: o.ir, options: o.options, includeConfig, mapModes: o.mapModes };
      const machine = 'dag' in o.shape ? buildBatchDagMachine({ ...request, plan: o.shape.dag }) : buildMachine({ ...request, block: o.shape.block });
      // Counted once per build: both the fit and the limit check below read them.
      return { machine, asl: text(machine), overrides: machine.tasks.map((t) => overridesChars(t.task.overrides)) };
    },
    excess: ({ machine, asl, overrides }): LimitExcess | undefined => {
      const tooBig = overrides.findIndex((chars) => chars > OVERRIDES_MAX_CHARS);
      if (tooBig >= 0) {
        const { step } = machine.tasks[tooBig] as Machine['tasks'][number];
        return { limit: overridesLimit(o.options.compute), subject: `step '${step.id}': the size of its container overrides`, actual: overrides[tooBig] as number, span: span(step.origin) };
      }
      const bytes = utf8Bytes(asl);
      if (bytes > DEFINITION_MAX_BYTES) return { limit: SFN_LIMITS.definitionBytes, subject: 'the state machine definition', actual: bytes, span: span({ file: o.ir.flow.source, line: 1, col: 1 }) };
      return undefined;
    },
  });
  built.machine.tasks.forEach(({ step }, i) => {
    checkOverrides({ step, chars: built.overrides[i] as number, compute: o.options.compute, span: span(step.origin), diagnostics: o.diagnostics });
  });
  return built;
}

/**
 * An ECS task cannot override its image: say so when images share a task definition. (Batch job
 * definitions are written by flowc, one per image: job-definitions.ts.)
 */
function warnSharedDefinitions(ir: IR, options: SfnOptions, diagnostics: DiagnosticBag): void {
  const byDefinition = new Map<string, string[]>();
  for (const step of ir.steps) {
    const def = options.ecs.taskDefinitionFor(step.image);
    const images = byDefinition.get(def) ?? [];
    if (!images.includes(step.image)) images.push(step.image);
    byDefinition.set(def, images);
  }
  const kind = 'task definition';
  const mapKey = 'targets.stepfunctions.ecs.taskDefinitions';
  for (const [def, images] of byDefinition) {
    if (images.length < 2) continue;
    diagnostics.report(
      'FLOWC624',
      `steps with images ${images.map((i) => `'${i}'`).join(', ')} all run ${kind} '${def}', whose image they cannot override; map each image to its own ${kind} with ${mapKey}`,
      span({ file: ir.flow.source, line: 1, col: 1 }),
    );
  }
}

export function buildSchedule(ir: IR, options: SfnOptions, diagnostics: DiagnosticBag): Record<string, unknown> | null {
  const schedule = ir.schedule;
  if (!schedule) return null;
  const at = span(schedule.origin);
  const cron = toAwsCron(schedule.cron);
  if (!cron.ok) {
    diagnostics.report('FLOWC622', cron.error, at);
    return null;
  }
  const { stateMachineArn, roleArn } = options.schedule;
  if (stateMachineArn === null || roleArn === null) {
    const missing = [
      stateMachineArn === null ? 'stateMachineArn (or region and account)' : null,
      roleArn === null ? 'scheduleRoleArn' : null,
    ].filter((x) => x !== null);
    diagnostics.report(
      'FLOWC623',
      `no ${ir.flow.name}.schedule.json written: the EventBridge Scheduler schedule must name the state machine and the role that starts it; set targets.stepfunctions.${missing.join(' and ')}`,
      at,
    );
    return null;
  }
  return scheduleRequest({ ir, schedule, expression: cron.expression, options: { ...options.schedule, stateMachineArn, roleArn } });
}
