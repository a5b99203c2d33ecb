import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { stepEnv, SYSTEM_ENV_NAMES } from '../../ir/env.js';
import { stepShellScript } from '../../ir/shell.js';
import type { IR, IREnvVar, IRParameter, IRStep } from '../../ir/types.js';
import { canonicalJson } from '../../source/canonical-json.js';
import type { Span } from '../../source/span.js';
import { baseAllocation, DEFAULT_PROFILE, jobLimits, type Profile, retryPredicate, retryValues, stepSubworkflow, textSubworkflow, type WStep, wstep } from './batch-job.js';
import type { Fitted } from './fit-limits.js';
import { branchName, itemName, jobTag, parallelName, RETRY_PREDICATE, STEP_SUBWORKFLOW, stepName, TEXT_SUBWORKFLOW } from './names.js';
import type { GcpOptions } from './options.js';
import {
  containsTooLong,
  expr,
  INDEX_VAR,
  ITEM_VAR,
  literalCode,
  MAX_EXPRESSION,
  PARAMS_VAR,
  quote,
  renderJson,
  renderText,
  type RenderScope,
  RUN_ID_VAR,
} from './render-string.js';
import { setOwn } from '../../source/own-keys.js';

/** FLOWC_* variables with the same value in every step, kept once in `main` (`flowc.env`). */
const SHARED_ENV = new Set(['FLOWC_FLOW', 'FLOWC_RUN_ID', 'FLOWC_CONFIG_HASH', 'FLOWC_CONFIG']);
/** Workflows allows at most 50 conditions in one switch. */
const MAX_CONDITIONS = 50;

export interface BuildOptions {
  ir: IR;
  options: GcpOptions;
  block: Fitted;
  diagnostics: DiagnosticBag;
}

export const originSpan = (o: { file: string; line: number; col: number }): Span => ({ file: o.file, line: o.line, col: o.col });

const isList = (v: unknown): boolean => Array.isArray(v);

/**
 * The Workflows definition: `main(args)` reads the parameters, builds the shared job settings
 * once, then runs the lowered graph, each step a call to `flowc_step`.
 * https://cloud.google.com/workflows/docs/reference/syntax
 */
export function buildWorkflow({ ir, options, block, diagnostics }: BuildOptions): Record<string, unknown> {
  const profiles = new Map<string, { name: string; profile: Profile }>();
  const calls = new Map<string, Record<string, unknown>>();
  let sharedJoin = false;
  const sharedEnv: Record<string, unknown> = {};

  const first = ir.steps[0] as IRStep;
  for (const v of stepEnv(ir, first)) {
    if (!SHARED_ENV.has(v.name)) continue;
    const text = renderText(v.value, { parameters: ir.parameters, flowName: ir.flow.name, stepId: first.id, items: null });
    setOwn(sharedEnv, v.name, text);
    sharedJoin ||= isList(text);
  }

  for (const step of ir.steps) {
    const scope: RenderScope = { parameters: ir.parameters, flowName: ir.flow.name, stepId: step.id, items: step.foreach?.items ?? null };
    const userEnv: Record<string, unknown> = {};
    let join = sharedJoin;
    // Values that read the foreach item can only be built inside the loop: they go with the call,
    // after FLOWC_ITEM, in `stepEnv` order.
    const callEnv: Record<string, unknown> = {};
    // The variables a run script reads go with the call too, so a script never splits a profile
    // that steps would otherwise share.
    const shell = stepShellScript(step);
    const scriptVars = new Set((shell?.env ?? []).map((v) => v.name));
    for (const v of withScriptEnv(stepEnv(ir, step), shell?.env ?? [])) {
      if (SHARED_ENV.has(v.name) || v.name === 'FLOWC_STEP') continue;
      const text = renderText(v.value, scope);
      join ||= isList(text);
      if (scriptVars.has(v.name) || v.value.some((p) => p.kind === 'item')) setOwn(callEnv, v.name, text);
      else setOwn(userEnv, v.name, text);
    }
    // A run script is literal text (its run-time parts are `${FLOWC_...}` shell references), so
    // values reach the shell as env data and never as script text (docs/ir.md, "Run scripts").
    const argv =
      step.exec.kind === 'run'
        ? ['/bin/sh', '-c', renderText([{ kind: 'lit', value: shell?.script ?? '' }], scope)]
        : step.exec.argv.map((a) => renderText(a, scope));
    join ||= argv.some(isList);
    if (step.retry && step.retry.limit > 98) {
      diagnostics.report(
        'FLOWC645',
        `step '${step.id}': retry limit ${step.retry.limit} is over 98; each attempt needs its own Batch job id, which holds at most 63 characters (2 digits for the attempt)`,
        originSpan(step.origin),
      );
    }
    const image = renderJson(step.image);
    if (containsTooLong(image)) tooLong(diagnostics, `step '${step.id}': the image`, originSpan(step.origin));
    const profile: Profile = { image: image as string, ...jobLimits(step, options), retry: retryValues(step.retry), env: userEnv };
    const key = canonicalJson(profile as never);
    let entry = profiles.get(key);
    if (!entry) {
      entry = { name: `p${profiles.size}`, profile };
      profiles.set(key, entry);
    }
    // Arguments equal to the subworkflow's defaults are left out to keep the source small.
    const args: Record<string, unknown> = { flowc: expr('flowc'), step: step.id };
    if (entry.name !== DEFAULT_PROFILE) args.profile = entry.name;
    if (jobTag(step.id) !== step.id.replaceAll('_', '-')) args.job = jobTag(step.id);
    args.argv = argv;
    if (Object.keys(callEnv).length > 0) args.env = callEnv;
    if (step.foreach) args.index = expr(INDEX_VAR);
    if (join) args.join = true;
    calls.set(step.id, args);
  }
  checkJobTags(ir, diagnostics);

  let parallels = 0;
  const callStep = (id: string, name: string): WStep => wstep(name, { call: STEP_SUBWORKFLOW, args: calls.get(id) });
  const render = (b: Fitted): WStep[] => {
    if (b.kind === 'seq') return b.items.flatMap(render);
    if (b.kind === 'par') {
      const n = parallels++;
      return [wstep(parallelName(n), { parallel: { branches: b.branches.map((x, m) => ({ [branchName(n, m)]: { steps: render(x) } })) } })];
    }
    const step = ir.steps.find((s) => s.id === b.id) as IRStep;
    if (!step.foreach || b.items === null) return [callStep(b.id, stepName(b.id))];
    const items = renderJson(step.foreach.items);
    if (containsTooLong(items)) tooLong(diagnostics, `step '${step.id}': a foreach item`, originSpan(step.origin));
    const loop = { value: ITEM_VAR, index: INDEX_VAR, in: items, steps: [callStep(b.id, itemName(b.id))] };
    if (b.items === 'sequential') return [wstep(stepName(b.id), { for: loop })];
    const parallel: Record<string, unknown> = {};
    if (step.foreach.parallelism !== null) parallel.concurrency_limit = step.foreach.parallelism;
    parallel.for = loop;
    return [wstep(stepName(b.id), { parallel })];
  };
  const graph = render(block);

  const flowc: Record<string, unknown> = {
    run_id: expr(RUN_ID_VAR),
    parent: batchParent(options),
    gpu_type: options.gpuType,
    allocation: baseAllocation(options),
    env: sharedEnv,
    profiles: Object.fromEntries([...profiles.values()].map((p) => [p.name, p.profile])),
  };
  const main: WStep[] = [
    wstep('flowc_args', { switch: [{ condition: expr('args == null'), steps: [wstep('flowc_no_args', { assign: [{ args: {} }] })] }] }),
    ...requiredChecks(ir.parameters),
    wstep('flowc_init', {
      assign: [
        { [RUN_ID_VAR]: expr('sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")') },
        { [PARAMS_VAR]: paramValues(ir.parameters, diagnostics) },
        { flowc },
      ],
    }),
    ...graph,
  ];
  return {
    main: { params: ['args'], steps: main },
    [STEP_SUBWORKFLOW]: stepSubworkflow(options),
    [TEXT_SUBWORKFLOW]: textSubworkflow(),
    [RETRY_PREDICATE]: retryPredicate(),
  };
}

/**
 * A step's env with the variables its run script reads (`shellScript(...).env`, sorted by name)
 * placed after the FLOWC_* system variables and before the user's own env, the order the other
 * targets use. User env cannot use FLOWC_* names (a flow check), so no name appears twice.
 */
function withScriptEnv(env: IREnvVar[], scriptEnv: IREnvVar[]): IREnvVar[] {
  const isSystem = (v: IREnvVar): boolean => (SYSTEM_ENV_NAMES as readonly string[]).includes(v.name);
  return [...env.filter(isSystem), ...scriptEnv, ...env.filter((v) => !isSystem(v))];
}

function tooLong(diagnostics: DiagnosticBag, what: string, span: Span): void {
  diagnostics.report(
    'FLOWC641',
    `${what} holds literal text with '\${' that needs a Workflows expression longer than ${MAX_EXPRESSION} characters, and this value cannot be split`,
    span,
  );
}

/** `projects/P/locations/R`; a missing option is read from the workflow's own project or location. */
function batchParent(options: GcpOptions): string {
  if (options.project && options.region) return `projects/${options.project}/locations/${options.region}`;
  const project = options.project ? quote(options.project) : 'sys.get_env("GOOGLE_CLOUD_PROJECT_ID")';
  const region = options.region ? quote(options.region) : 'sys.get_env("GOOGLE_CLOUD_LOCATION")';
  return expr(`"projects/" + ${project} + "/locations/" + ${region}`);
}

/** `main`'s parameters: `default(map.get(args, "x"), DEFAULT)` (Workflows expression helpers). */
function paramValues(parameters: IRParameter[], diagnostics: DiagnosticBag): Record<string, unknown> {
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
function requiredChecks(parameters: IRParameter[]): WStep[] {
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
