import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { stepEnv } from '../../ir/env.js';
import { stepShellScript } from '../../ir/shell.js';
import type { IR, IRParameter, IRStep } from '../../ir/types.js';
import { canonicalJson } from '../../source/canonical-json.js';
import type { Span } from '../../source/span.js';
import { cancelSubworkflow, type Defaults, DEFAULTABLE, type JobArgs, jobLimits, retryPredicate, retryValues, stepSubworkflow, textSubworkflow, type WStep, wstep } from './batch-job.js';
import type { Fitted } from './fit-limits.js';
import { branchName, callName, CANCEL_SUBWORKFLOW, itemName, jobTag, joinName, joinVar, parallelName, readName, RETRY_PREDICATE, STEP_SUBWORKFLOW, stepName, TEXT_SUBWORKFLOW } from './names.js';
import { type GcpOptions, readStepOptions } from './options.js';
import { registryLogin, secretVariables } from './secrets.js';
import {
  containsTooLong,
  expr,
  INDEX_VAR,
  ITEM_VAR,
  literalCode,
  needsExpression,
  MAX_EXPRESSION,
  PARAMS_VAR,
  quote,
  renderJson,
  type RenderedText,
  renderText,
  type RenderScope,
  RUN_ID_VAR,
} from './render-string.js';
import { setOwn } from '../../source/own-keys.js';
import { OUTPUT_WRAPPER, wrapperArgs } from './output-wrapper.js';
import {
  collectSubworkflow,
  COLLECT_SUBWORKFLOW,
  datastoreVolume,
  dynamicListCheck,
  outputKey,
  outputsDir,
  parseDatastore,
  READ_SUBWORKFLOW,
  readPlan,
  type ReadPlan,
  readSubworkflow,
  valueCode,
  WRAPPER_VAR,
} from './outputs.js';
import { GCP_LIMIT_TABLE } from './limits.js';
import type { DagChains } from './dag-chains.js';
import { renderDag } from './dag-scheduler.js';

/** FLOWC_* variables with the same value in every step, written once in `flowc_step`. */
const SHARED_ENV = new Set(['FLOWC_FLOW', 'FLOWC_RUN_ID', 'FLOWC_CONFIG_HASH', 'FLOWC_CONFIG']);
/** Workflows allows at most 50 conditions in one switch. */
const MAX_CONDITIONS = 50;

/**
 * How calls are written: `full` writes every value of the job at its call site, block style, for a
 * reader; `compact` leaves out values equal to `flowc_step`'s defaults (the values most steps share)
 * and writes each call on one line, to fit the 128 KB source limit (index.ts picks).
 */
export type Layout = 'full' | 'compact';

export interface BuildOptions {
  ir: IR;
  options: GcpOptions;
  block: Fitted;
  diagnostics: DiagnosticBag;
  /** False when FLOWC_CONFIG is left out to fit the source limit (src/targets/config-env.ts). */
  includeConfig?: boolean;
  layout?: Layout;
  /** An exact schedule of a graph that is not series-parallel (dag-scheduler.ts), run instead of `block`. */
  dag?: DagChains | null;
}

/** What the limit estimates (budget.ts) need to know about one step's call. */
export interface CallInfo {
  /** Bytes of the call's arguments as written (run-time values counted as their expressions). */
  argBytes: number;
  /** Steps the `flowc_text` joins before the call take (each: the call, 3 steps, one per segment). */
  joinSteps: number;
  /** Whether the call passes `env` (one more step inside `flowc_step`). */
  hasEnv: boolean;
  maxRetries: number;
  /** Steps the step's output reads take (outputs.ts) with the step that holds them; 0 when it reads none. */
  readSteps: number;
  /** Tasks of a dynamic foreach (`maxDynamicItems`, which the run checks), null otherwise; the check before the loop is one step. */
  dynamicItems: number | null;
}

export interface Built {
  definition: Record<string, unknown>;
  calls: Map<string, CallInfo>;
  /** Bytes of the FLOWC_* env every job carries (FLOWC_CONFIG included when it is). */
  sharedEnvBytes: number;
  /** Bytes `main` keeps for the whole run: parameter defaults and foreach item lists. */
  mainBytes: number;
  /** Steps `flowc_step` takes to join shared FLOWC_* values past the expression limit (each: call, set, 3 steps, one per segment). */
  sharedJoinSteps: number;
}

export const originSpan = (o: { file: string; line: number; col: number }): Span => ({ file: o.file, line: o.line, col: o.col });

const isList = (v: unknown): v is string[] => Array.isArray(v);
const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');

/**
 * The Workflows definition: `main(args)` reads the parameters, then runs the lowered graph; each
 * step is a call to `flowc_step` that names the job's image, command, env, resources, timeout and
 * retry values, with run-time values (parameters, the foreach item, the run id) as expressions.
 * https://cloud.google.com/workflows/docs/reference/syntax
 */
export function buildWorkflow(o: BuildOptions): Built {
  return assembleWorkflow(prepareJobs(o), o);
}

interface Job {
  args: JobArgs;
  joins: WStep[];
  joinSteps: number;
  plan: ReadPlan;
}

/** What every layout of one definition shares: each step's job, rendered once (`prepareJobs`). */
export interface PreparedJobs {
  ir: IR;
  options: GcpOptions;
  jobs: Map<string, Job>;
  store: ReturnType<typeof parseDatastore> | null;
  sharedEnv: Record<string, unknown>;
  textUsed: boolean;
}

/**
 * Renders every step's job (image, command, env, limits, retries) and reports what is wrong with
 * them. The layouts differ only in how the calls are written (`assembleWorkflow`), so a caller
 * that tries both renders the jobs once.
 */
export function prepareJobs({ ir, options, diagnostics, includeConfig = true }: Pick<BuildOptions, 'ir' | 'options' | 'diagnostics' | 'includeConfig'>): PreparedJobs {
  const jobs = new Map<string, Job>();
  const store = options.datastore ? parseDatastore(options.datastore) : null;
  const sharedEnv: Record<string, unknown> = {};
  let textUsed = false;

  const first = ir.steps[0] as IRStep;
  for (const v of stepEnv(ir, first, { includeConfig })) {
    if (!SHARED_ENV.has(v.name)) continue;
    const text = renderText(v.value, { parameters: ir.parameters, flowName: ir.flow.name, stepId: first.id, items: null });
    setOwn(sharedEnv, v.name, text);
    textUsed ||= isList(text);
  }

  for (const step of ir.steps) {
    const plan: ReadPlan = store ? readPlan(ir, step, options.maxDynamicItems) : { values: [], steps: [], reads: 0, collections: [], cost: 0 };
    const scope: RenderScope = {
      parameters: ir.parameters,
      flowName: ir.flow.name,
      stepId: step.id,
      items: step.foreach && !step.foreach.from ? step.foreach.items : null,
      outputs: plan.values.map((v) => ({ ...v.ref, code: valueCode(v) })),
    };
    const joins: WStep[] = [];
    let joinSteps = 0;
    // A value past the expression limit is joined by `flowc_text` just before the call, into a
    // variable the call reads: the call site still shows where it goes.
    const joined = (text: RenderedText): unknown => {
      if (!isList(text)) return text;
      const n = joins.length;
      joinSteps += 4 + text.length;
      joins.push(wstep(joinName(step.id, n), { call: TEXT_SUBWORKFLOW, args: { value: text }, result: joinVar(step.id, n) }));
      return expr(joinVar(step.id, n));
    };
    const env: Record<string, unknown> = {};
    const wraps = store !== null && step.outputs.length > 0;
    if (wraps) env.FLOWC_OUTPUTS = outputsDir(store, ir.flow.name, step.id, step.foreach !== null, INDEX_VAR);
    const shell = stepShellScript(step);
    for (const v of stepEnv(ir, step, { includeConfig, scriptEnv: shell?.env ?? [] })) {
      if (SHARED_ENV.has(v.name) || v.name === 'FLOWC_STEP') continue;
      setOwn(env, v.name, joined(renderText(v.value, scope)));
    }
    // A run script is literal text (its run-time parts are `${FLOWC_...}` shell references), so
    // values reach the shell as env data and never as script text (docs/ir.md, "Run scripts").
    const argv =
      step.exec.kind === 'run'
        ? ['/bin/sh', '-c', renderText([{ kind: 'lit', value: shell?.script ?? '' }], scope)]
        : step.exec.argv.map((a) => renderText(a, scope));
    // A step with outputs runs inside the checking wrapper, its own argv passed on unchanged.
    const wrapped = wraps ? ['/bin/sh', '-c', expr(WRAPPER_VAR), ...wrapperArgs(step.id, step.outputs, GCP_LIMIT_TABLE.outputBytes.value), ...argv] : argv;
    const [entrypoint, ...commands] = wrapped.map(joined);
    if (step.retry && step.retry.limit > 98) {
      diagnostics.report(
        'FLOWC645',
        `step '${step.id}': retry limit ${step.retry.limit} is over 98; each attempt needs its own Batch job id, which holds at most 63 characters (2 digits for the attempt)`,
        originSpan(step.origin),
      );
    }
    const image = renderJson(step.image);
    if (containsTooLong(image)) tooLong(diagnostics, `step '${step.id}': the image`, originSpan(step.origin));
    const args: JobArgs = {
      image: image as string,
      entrypoint,
      commands,
      env: Object.keys(env).length > 0 ? env : null,
      secrets: secretVariables(ir, step),
      volumes: wraps ? [datastoreVolume(store)] : null,
      ...jobLimits(step, readStepOptions(ir, step)),
      ...retryValues(step.retry),
    };
    textUsed ||= joins.length > 0;
    jobs.set(step.id, { args, joins, joinSteps, plan });
  }
  checkJobTags(ir, diagnostics);
  return { ir, options, jobs, store, sharedEnv, textUsed };
}

/** The definition in one layout from prepared jobs; what it reports goes to `diagnostics`. */
export function assembleWorkflow(prepared: PreparedJobs, { block, diagnostics, layout = 'full', dag = null }: Pick<BuildOptions, 'block' | 'diagnostics' | 'layout' | 'dag'>): Built {
  const { ir, options, jobs, store, sharedEnv, textUsed } = prepared;
  const byId = new Map(ir.steps.map((s) => [s.id, s]));
  const textOf = canonicalText();
  const defaults = commonDefaults([...jobs.values()].map((j) => j.args), textOf);
  // Only the compact layout leaves defaults out; the full one keeps every value without comparing.
  const defaultText = layout === 'full' ? null : new Map(DEFAULTABLE.map((k) => [k, textOf(defaults[k])]));
  const calls = new Map<string, CallInfo>();
  const callArgs = new Map<string, Record<string, unknown>>();
  for (const step of ir.steps) {
    const { args: job, joinSteps, plan } = jobs.get(step.id) as { args: JobArgs; joinSteps: number; plan: ReadPlan };
    const keep = (k: keyof Defaults): boolean => defaultText === null || textOf(job[k]) !== defaultText.get(k);
    const args: Record<string, unknown> = { step: step.id };
    if (jobTag(step.id) !== step.id.replaceAll('_', '-')) args.job = jobTag(step.id);
    if (keep('image')) args.image = job.image;
    args.entrypoint = job.entrypoint;
    args.commands = job.commands;
    if (job.env) args.env = job.env;
    if (keep('cpu_milli')) args.cpu_milli = job.cpu_milli;
    if (keep('memory_mib')) args.memory_mib = job.memory_mib;
    if (job.secrets) args.secrets = job.secrets;
    if (job.volumes) args.volumes = job.volumes;
    if (job.instances) args.instances = job.instances;
    if (job.location) args.location = job.location;
    for (const k of ['max_run_duration', 'timeout', 'max_retries', 'initial_delay', 'max_delay', 'multiplier'] as const) if (keep(k)) args[k] = job[k];
    if (step.foreach) args.index = expr(INDEX_VAR);
    callArgs.set(step.id, args);
    calls.set(step.id, {
      // The call names the wrapper by its variable, but at run time its arguments hold the text.
      argBytes: jsonBytes(args) + (job.volumes ? jsonBytes(OUTPUT_WRAPPER) : 0),
      joinSteps,
      hasEnv: job.env !== null,
      maxRetries: job.max_retries,
      readSteps: plan.reads > 0 ? 1 + plan.cost + (step.foreach?.from ? 1 : 0) : 0,
      dynamicItems: step.foreach?.from ? options.maxDynamicItems : null,
    });
  }

  let parallels = 0;
  let mainBytes = 0;
  const call = (id: string, name: string): WStep => wstep(name, { call: STEP_SUBWORKFLOW, args: callArgs.get(id) });
  const callSteps = (id: string, name: string): WStep[] => [...(jobs.get(id)?.joins ?? []), call(id, name)];
  const render = (b: Fitted): WStep[] => {
    if (b.kind === 'seq') return b.items.flatMap(render);
    if (b.kind === 'par') {
      const n = parallels++;
      return [wstep(parallelName(n), { parallel: { branches: b.branches.map((x, m) => ({ [branchName(n, m)]: { steps: render(x) } })) } })];
    }
    const step = byId.get(b.id) as IRStep;
    return [...reads(step), ...run(step, b.items)];
  };
  // The outputs a step uses, read into its own variables just before it runs (outputs.ts).
  const reads = (step: IRStep): WStep[] => {
    const plan = jobs.get(step.id)?.plan;
    if (!plan || plan.steps.length === 0) return [];
    const from = step.foreach?.from;
    const list = from ? plan.values.find((v) => outputKey(v.ref) === outputKey(from)) : undefined;
    return [wstep(readName(step.id), { steps: [...plan.steps, ...(list ? [dynamicListCheck(step, list, options.maxDynamicItems)] : [])] })];
  };
  const run = (step: IRStep, mode: Extract<Fitted, { kind: 'step' }>['items']): WStep[] => {
    if (!step.foreach || mode === null) {
      const joins = jobs.get(step.id)?.joins ?? [];
      return joins.length === 0 ? [call(step.id, stepName(step.id))] : [wstep(stepName(step.id), { steps: callSteps(step.id, callName(step.id)) })];
    }
    const from = step.foreach.from;
    let items: unknown;
    if (from) items = expr(jobs.get(step.id)?.plan.values.find((v) => outputKey(v.ref) === outputKey(from))?.variable ?? 'null');
    else {
      items = renderJson(step.foreach.items);
      if (containsTooLong(items)) tooLong(diagnostics, `step '${step.id}': a foreach item`, originSpan(step.origin));
      mainBytes += jsonBytes(step.foreach.items);
    }
    const loop = { value: ITEM_VAR, index: INDEX_VAR, in: items, steps: callSteps(step.id, itemName(step.id)) };
    if (mode === 'sequential') return [wstep(stepName(step.id), { for: loop })];
    const parallel: Record<string, unknown> = {};
    if (step.foreach.parallelism !== null) parallel.concurrency_limit = step.foreach.parallelism;
    parallel.for = loop;
    return [wstep(stepName(step.id), { parallel })];
  };
  const stepOf = (id: string): IRStep => byId.get(id) as IRStep;
  const graph = dag ? renderDag(dag, (id) => [...reads(stepOf(id)), ...run(stepOf(id), stepOf(id).foreach ? 'parallel' : null)]) : render(block);
  // The schedule's shared map ends with a key per step (dag-scheduler.ts).
  if (dag) mainBytes += jsonBytes(Object.fromEntries(ir.steps.map((s) => [s.id, true])));

  const params = paramValues(ir.parameters, diagnostics);
  const wrapping = [...jobs.values()].some((j) => j.args.volumes !== null);
  if (wrapping) mainBytes += jsonBytes(OUTPUT_WRAPPER);
  mainBytes += jsonBytes(ir.parameters.map((p) => p.default ?? null));
  const main: WStep[] = [
    wstep('flowc_args', { switch: [{ condition: expr('args == null'), steps: [wstep('flowc_no_args', { assign: [{ args: {} }] })] }] }),
    ...requiredChecks(ir.parameters),
    wstep('flowc_init', {
      assign: [{ [RUN_ID_VAR]: expr('sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")') }, { [PARAMS_VAR]: params }, ...(wrapping ? [{ [WRAPPER_VAR]: OUTPUT_WRAPPER }] : [])],
    }),
    ...graph,
  ];
  const definition: Record<string, unknown> = {
    main: { params: ['args'], steps: main },
    [STEP_SUBWORKFLOW]: stepSubworkflow({
      sharedEnv,
      defaults,
      options,
      location: [...jobs.values()].some((j) => j.args.location !== null),
      secrets: [...jobs.values()].some((j) => j.args.secrets !== null),
      volumes: wrapping,
      login: registryLogin(ir, options, diagnostics, originSpan({ file: ir.flow.source, line: 1, col: 1 })),
    }),
    [CANCEL_SUBWORKFLOW]: cancelSubworkflow(),
    [RETRY_PREDICATE]: retryPredicate(),
  };
  if (textUsed) definition[TEXT_SUBWORKFLOW] = textSubworkflow();
  const plans = [...jobs.values()].map((j) => j.plan);
  if (store && plans.some((p) => p.reads > 0)) definition[READ_SUBWORKFLOW] = readSubworkflow(store, ir.flow.name);
  if (plans.some((p) => p.collections.length > 0)) definition[COLLECT_SUBWORKFLOW] = collectSubworkflow();
  const sharedJoinSteps = Object.values(sharedEnv).reduce<number>((n, v) => n + (isList(v) ? 5 + v.length : 0), 0);
  return { definition, calls, sharedEnvBytes: jsonBytes(sharedEnv), mainBytes, sharedJoinSteps };
}

/**
 * For each defaultable value, the one most steps have (the first step's on a tie): what `compact`
 * leaves out. A parameter default is taken as written, never evaluated, so a value that needs an
 * expression (an image holding `${`) is never a default: its default is null and every call names it.
 */
function commonDefaults(all: JobArgs[], textOf: (v: unknown) => string): Defaults {
  const out: Record<string, unknown> = {};
  for (const k of DEFAULTABLE) {
    const counts = new Map<string, { value: unknown; n: number }>();
    for (const a of all) {
      if (typeof a[k] === 'string' && needsExpression(a[k])) continue;
      const key = textOf(a[k]);
      const c = counts.get(key) ?? { value: a[k], n: 0 };
      c.n++;
      counts.set(key, c);
    }
    let best: { value: unknown; n: number } | undefined;
    for (const c of counts.values()) if (!best || c.n > best.n) best = c;
    out[k] = best?.value ?? null;
  }
  return out as unknown as Defaults;
}

/**
 * `canonicalJson`, remembered per scalar: the defaultable values of every step are compared by it,
 * and most steps share them. A Map key is the value itself, so equal scalars share one entry
 * (0 and -0 too, which canonicalJson writes alike).
 */
function canonicalText(): (v: unknown) => string {
  const known = new Map<unknown, string>();
  return (v) => {
    if (v !== null && typeof v === 'object') return canonicalJson(v as never);
    let text = known.get(v);
    if (text === undefined) {
      text = canonicalJson(v as never);
      known.set(v, text);
    }
    return text;
  };
}

function tooLong(diagnostics: DiagnosticBag, what: string, span: Span): void {
  diagnostics.report(
    'FLOWC641',
    `${what} holds literal text with '\${' that needs a Workflows expression longer than ${MAX_EXPRESSION} characters, and this value cannot be split`,
    span,
  );
}

/** `main`'s parameters: `default(map.get(args, "x"), DEFAULT)` (Workflows expression helpers). */
export function paramValues(parameters: IRParameter[], diagnostics: DiagnosticBag): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of parameters) {
    const get = `map.get(args, ${quote(p.name)})`;
    const value = expr(p.default === undefined ? get : `default(${get}, ${literalCode(p.default)})`);
    if (value.length > MAX_EXPRESSION) {
      diagnostics.report('FLOWC641', `parameter '${p.name}': its default needs an expression longer than ${MAX_EXPRESSION} characters`, originSpan(p.origin));
    }
    setOwn(out, p.name, value);
  }
  return out;
}

/** A required parameter without a value stops the run at once with a clear message. */
export function requiredChecks(parameters: IRParameter[]): WStep[] {
  const required = parameters.filter((p) => p.required && p.default === undefined);
  const out: WStep[] = [];
  for (let i = 0; i < required.length; i += MAX_CONDITIONS) {
    const group = required.slice(i, i + MAX_CONDITIONS);
    out.push(
      wstep(`flowc_required_${i / MAX_CONDITIONS}`, {
        switch: group.map((p) => ({
          condition: expr(`map.get(args, ${quote(p.name)}) == null`),
          steps: [
            wstep(`flowc_missing_${p.name}`, {
              raise: `flowc: the required parameter '${p.name}' has no value; pass it in the execution argument, e.g. {"${p.name}": ...}`,
            }),
          ],
        })),
      }),
    );
  }
  return out;
}

/** Distinct steps must get distinct job-id tags (a hash collision is the only way they could not). */
function checkJobTags(ir: IR, diagnostics: DiagnosticBag): void {
  const seen = new Map<string, string>();
  for (const s of ir.steps) {
    const tag = jobTag(s.id);
    const other = seen.get(tag);
    if (other !== undefined) {
      diagnostics.report('FLOWC602', `steps '${other}' and '${s.id}' both become Batch job-id tag '${tag}'`, originSpan(s.origin));
    } else seen.set(tag, s.id);
  }
}
