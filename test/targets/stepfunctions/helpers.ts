import { getOwn, setOwn } from '../../../src/source/own-keys.js';
import { lit, makeIR as makeBaseIR } from '../../helpers/ir-builders.js';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { stepEnv } from '../../../src/ir/env.js';
import { shellScript } from '../../../src/ir/shell.js';
import type { IR, IRStep, IRString } from '../../../src/ir/types.js';
import { canonicalJson } from '../../../src/source/canonical-json.js';
import type { Json } from '../../../src/source/tree.js';
import { stepFunctionsTarget } from '../../../src/targets/stepfunctions/index.js';
import type { Artifact } from '../../../src/targets/target.js';
import { evaluatePayloadValue, type JsonValue } from './intrinsics.js';

// ---------------------------------------------------------------------------------------------
// Building IRs by hand

export { lit, ORIGIN, param, step } from '../../helpers/ir-builders.js';

/** An IR from steps (edges from their `needs`) and extras, with this target's options. */
export function makeIR(steps: IRStep[], over: Partial<IR> = {}): IR {
  return makeBaseIR(steps, { targets: { stepfunctions: { jobQueue: 'queue-1', jobDefinition: 'jobdef-1' } }, ...over });
}

// ---------------------------------------------------------------------------------------------
// Compiling

export interface Compiled {
  artifacts: Artifact[];
  diagnostics: DiagnosticBag;
  /** The primary artifact's text ('' when the target refused the flow). */
  text: string;
  definition: Record<string, any> | null;
}

export function compile(ir: IR): Compiled {
  const diagnostics = new DiagnosticBag();
  const artifacts = stepFunctionsTarget.compile(ir, { diagnostics });
  const text = artifacts.find((a) => a.primary)?.contents ?? '';
  return { artifacts, diagnostics, text, definition: text === '' ? null : (JSON.parse(text) as Record<string, any>) };
}

// ---------------------------------------------------------------------------------------------
// asl-validator, with its two documented false rejections neutralised narrowly

interface AslError {
  'Error code': string;
  Message: string;
  schemaError?: { instancePath?: string };
}

const validated = new Map<string, string[]>();

/**
 * asl-validator 4.0.0 errors for a definition, [] when valid.
 *
 * Two of its rejections are wrong (ORACLES.md, issue 4), and are worked around here only:
 * 1. a string inside an array that contains a line terminator or is empty, such as a multi-line
 *    `run` script in a Batch `Command` (its schema's patterns are JavaScript regexes, whose `.`
 *    and `$` stop at every ECMAScript line terminator: LF, CR, U+2028 and U+2029): ASL payload templates are plain JSON
 *    (https://states-language.net/#payload-template) and Batch takes any string
 *    (https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerOverrides.html);
 * 2. `\\` in an intrinsic-function string literal, which AWS requires for a literal backslash
 *    (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, "Reserved
 *    characters in intrinsic functions").
 * The definition is validated as is; every error must sit exactly where a copy was neutralised
 * (such strings replaced by `x`, `\\` by `/`), and the neutralised copy must be valid.
 */
export function aslErrors(definition: object): string[] {
  const key = JSON.stringify(definition);
  const hit = validated.get(key);
  if (hit) return hit;
  const problems: string[] = [];
  // asl-validator may add QueryLanguage fields to what it is given: validate copies.
  const first = aslValidator(structuredClone(definition) as never) as { isValid: boolean; errors: AslError[] };
  if (!first.isValid) {
    const touched = new Set<string>();
    const copy = neutralise(structuredClone(definition), '', touched);
    for (const e of first.errors) {
      const at = e.schemaError?.instancePath ?? '';
      if (!touched.has(at)) problems.push(`${e['Error code']}: ${e.Message}`);
    }
    const second = aslValidator(copy as never) as { isValid: boolean; errors: AslError[] };
    for (const e of second.errors ?? []) problems.push(`${e['Error code']}: ${e.Message}`);
  }
  validated.set(key, problems);
  return problems;
}

function neutralise(v: unknown, pointer: string, touched: Set<string>): unknown {
  if (Array.isArray(v)) {
    return v.map((x, i) => {
      const p = `${pointer}/${i}`;
      if (typeof x === 'string' && (x === '' || /[\n\r\u2028\u2029]/.test(x))) {
        touched.add(p);
        return 'x';
      }
      return neutralise(x, p, touched);
    });
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (k.endsWith('.$') && typeof x === 'string' && x.startsWith('States.') && x.includes('\\\\')) {
        touched.add(p);
        out[k] = x.replaceAll('\\\\', '/');
      } else out[k] = neutralise(x, p, touched);
    }
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Running in aws-local-stepfunctions

export interface TaskRecord {
  /** The Task state's name (the step id). */
  state: string;
  /** What the Task state sent to Batch/ECS (its evaluated Parameters). */
  input: any;
  start: number;
  end: number;
}

export interface RunResult {
  records: TaskRecord[];
  output?: unknown;
  error?: { name: string; message: string };
}

/** Every Task state of a definition (in branches and Map processors too), by name. */
export function taskStates(definition: Record<string, any>): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  const visit = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Task') out.set(name, s);
      for (const b of s.Branches ?? []) visit(b.States);
      if (s.ItemProcessor) visit(s.ItemProcessor.States);
    }
  };
  visit(definition.States);
  return out;
}

/**
 * Executes a definition with a local handler per Task that records its input and, on a logical
 * clock, when it started and ended; each handler waits `delayMs(state)` real milliseconds so
 * concurrent branches interleave.
 */
export async function runMachine(definition: Record<string, any>, input: unknown, o: { runId: string; delayMs?: (state: string, n: number) => number }): Promise<RunResult> {
  let clock = 0;
  const records: TaskRecord[] = [];
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  for (const name of taskStates(definition).keys()) {
    let calls = 0;
    handlers[name] = async (taskInput: any) => {
      const start = ++clock;
      const n = calls++;
      await new Promise((r) => setTimeout(r, o.delayMs?.(name, n) ?? 1));
      records.push({ state: name, input: taskInput, start, end: ++clock });
      // What submitJob.sync returns looks like this; it must not reach later states.
      return { JobId: `job-${name}-${n}`, Status: 'SUCCEEDED' };
    };
  }
  // The interpreter rewrites the definition it is given while it runs: give it a copy.
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { noValidate: true } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers },
    context: { Execution: { Name: o.runId } },
  } as never);
  try {
    const output = await execution.result;
    return { records, output };
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    return { records, error: { name: cause?.name ?? (e as Error).name, message: cause?.message ?? (e as Error).message } };
  }
}

// ---------------------------------------------------------------------------------------------
// The order a definition imposes, read from its structure

/** Pairs `a>b` of step ids where the definition makes b start after a finished. */
export function aslOrder(definition: Record<string, any>): Set<string> {
  const pairs = new Set<string>();
  // Step Tasks are named by the step id; every state flowc adds (an output read, a dynamic item's
  // texts) has a '-', which step ids cannot have (names.ts).
  const isStep = (name: string) => !name.includes('-');
  const stepsOf = (name: string, s: Record<string, any>): string[] => {
    if (s.Type === 'Task') return isStep(name) ? [name] : [];
    if (s.Type === 'Map') return Object.keys(s.ItemProcessor.States).filter(isStep);
    if (s.Type === 'Parallel') return s.Branches.flatMap((b: any) => chain(b.StartAt, b.States));
    return [];
  };
  /** Follows Next (and a Choice's Default) from `start`; returns every step met. */
  const chain = (start: string, states: Record<string, any>): string[] => {
    const units: string[][] = [];
    let name: string | undefined = start;
    while (name !== undefined) {
      const s: Record<string, any> = states[name];
      units.push(stepsOf(name, s));
      name = s.End ? undefined : s.Type === 'Choice' ? s.Default : s.Next;
    }
    for (let i = 0; i < units.length; i++) {
      for (let j = i + 1; j < units.length; j++) for (const a of units[i] as string[]) for (const b of units[j] as string[]) pairs.add(`${a}>${b}`);
    }
    return units.flat();
  };
  chain(definition.StartAt, definition.States);
  return pairs;
}

/** The transitive closure of the IR's edges, as `a>b`. */
export function closure(ir: IR): Set<string> {
  const succ = new Map(ir.steps.map((s) => [s.id, [] as string[]]));
  for (const [a, b] of ir.edges) succ.get(a)?.push(b);
  const out = new Set<string>();
  for (const s of ir.steps) {
    const stack = [...(succ.get(s.id) ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const v = stack.pop() as string;
      if (seen.has(v)) continue;
      seen.add(v);
      out.add(`${s.id}>${v}`);
      stack.push(...(succ.get(v) ?? []));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What each step must receive, computed from the IR alone

/** The run's parameter values: the input over the defaults. */
export function effectiveParams(ir: IR, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of ir.parameters) if (p.default !== undefined) setOwn(out, p.name, p.default);
  return { ...out, ...input };
}

/** docs/ir.md: strings as they are, anything else as canonical JSON. */
function itemText(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : canonicalJson(v as Json);
}

function at(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : getOwn(cur as Record<string, unknown>, String(seg));
  }
  return cur;
}

/** The text an IR string must become in the container. */
export function expectedText(ir: IR, s: IRString, c: { params: Record<string, unknown>; item: unknown; runId: string; stepId: string }): string {
  return s
    .map((p) => {
      switch (p.kind) {
        case 'lit':
          return p.value;
        case 'param':
          return String(c.params[p.name]);
        case 'item':
          return itemText(at(c.item, p.path));
        case 'run':
          return c.runId;
        case 'flow':
          return ir.flow.name;
        case 'step':
          return c.stepId;
      }
    })
    .join('');
}

export interface ExpectedOverrides {
  command: string[];
  environment: { Name: string; Value: string }[];
}

/**
 * The command and environment a step's container must get (docs/ir.md, "Run scripts"): a `run`
 * script is `sh -c` of `shellScript(...).script`, literal text in which run-time values are
 * `${FLOWC_...}` references, and its variables follow the FLOWC_* system variables in the
 * environment, before the user's env; an exec-form argv carries its values itself.
 */
export function expectedOverrides(ir: IR, s: IRStep, c: { params: Record<string, unknown>; item: unknown; runId: string; includeConfig: boolean }): ExpectedOverrides {
  const ctx = { ...c, stepId: s.id };
  const base = stepEnv(ir, s, { includeConfig: c.includeConfig });
  const system = base.slice(0, base.length - s.env.length);
  let argv: IRString[];
  let env = base;
  if (s.exec.kind === 'run') {
    const shell = shellScript(s.exec.script);
    argv = [lit('sh'), lit('-c'), lit(shell.script)];
    env = [...system, ...shell.env, ...s.env];
  } else argv = s.exec.argv;
  return {
    command: argv.map((a) => expectedText(ir, a, ctx)),
    environment: env.map((v) => ({ Name: v.name, Value: expectedText(ir, v.value, ctx) })),
  };
}

/**
 * aws-local-stepfunctions 3.0.0 deletes every backslash from a string an intrinsic function
 * returns, and leaves `\'`-style escapes inside `States.Array` literals
 * (node_modules/aws-local-stepfunctions/build/main.node.esm.js, BaseIntrinsicFunction.call and
 * parseArguments). Values that went through an intrinsic are compared without backslashes; the
 * spec evaluator in intrinsics.ts checks the same values exactly.
 */
export const withoutBackslashes = (s: string): string => s.replaceAll('\\', '');

/** The container overrides a Task's Parameters carry (Batch or ECS). */
function overridesOf(parameters: any): any {
  return parameters.ContainerOverrides ?? parameters.Overrides?.ContainerOverrides?.[0];
}

/**
 * Everything the execution must show (issue 4): each step ran exactly once (a foreach step once
 * per item, at most `parallelism` at once), every `needs` edge held in time, and each step got
 * exactly the command and environment the IR asks for, parameters and defaults included.
 * Returns the problems found.
 */
export function checkExecution(ir: IR, definition: Record<string, any>, run: RunResult, c: { input: Record<string, unknown>; runId: string; includeConfig: boolean }): string[] {
  const problems: string[] = [];
  if (run.error) return [`execution failed: ${run.error.name}: ${run.error.message}`];
  const params = effectiveParams(ir, c.input);
  const tasks = taskStates(definition);
  const byStep = new Map<string, TaskRecord[]>();
  for (const r of run.records) byStep.set(r.state, [...(byStep.get(r.state) ?? []), r]);
  for (const s of ir.steps) {
    const records = byStep.get(s.id) ?? [];
    const want = s.foreach ? s.foreach.items.length : 1;
    if (records.length !== want) problems.push(`step ${s.id} ran ${records.length} times, expected ${want}`);
    const state = tasks.get(s.id);
    if (!state) {
      problems.push(`no Task state named ${s.id}`);
      continue;
    }
    const rendered = overridesOf(state.Parameters);
    const viaIntrinsic = (field: string) => typeof rendered[`${field}.$`] === 'string' && rendered[`${field}.$`].startsWith('States.');
    const remaining = s.foreach ? [...s.foreach.items] : [null];
    for (const r of records) {
      const got = overridesOf(r.input);
      const itemEnv = (got.Environment as { Name: string; Value: string }[]).find((e) => e.Name === 'FLOWC_ITEM')?.Value;
      // Which item this was: the first not yet seen whose text matches FLOWC_ITEM.
      const idx = s.foreach ? remaining.findIndex((it) => itemText(it) === itemEnv) : 0;
      if (idx < 0) {
        problems.push(`step ${s.id} ran for an unknown or repeated item ${JSON.stringify(itemEnv)}`);
        continue;
      }
      const item = remaining.splice(idx, 1)[0];
      const want = expectedOverrides(ir, s, { params, item, runId: c.runId, includeConfig: c.includeConfig });
      const norm = viaIntrinsic('Command') ? (xs: string[]) => xs.map(withoutBackslashes) : (xs: string[]) => xs;
      if (JSON.stringify(norm(got.Command)) !== JSON.stringify(norm(want.command))) {
        problems.push(`step ${s.id}: Command ${JSON.stringify(got.Command)}, expected ${JSON.stringify(want.command)}`);
      }
      const envRendered = new Map<string, any>((rendered.Environment as any[]).map((e) => [e.Name, e]));
      const gotEnv = (got.Environment as { Name: string; Value: string }[]).map((e) => {
        const dyn = envRendered.get(e.Name)?.['Value.$'];
        return typeof dyn === 'string' && dyn.startsWith('States.') ? { Name: e.Name, Value: withoutBackslashes(e.Value), loose: true } : { ...e, loose: false };
      });
      const wantEnv = want.environment.map((e, i) => (gotEnv[i]?.loose ? { Name: e.Name, Value: withoutBackslashes(e.Value) } : e));
      const strip = gotEnv.map(({ Name, Value }) => ({ Name, Value }));
      if (JSON.stringify(strip) !== JSON.stringify(wantEnv)) {
        problems.push(`step ${s.id}: Environment ${JSON.stringify(strip)}, expected ${JSON.stringify(wantEnv)}`);
      }
    }
    if (s.foreach?.parallelism) {
      const most = maxOverlap(records);
      if (most > s.foreach.parallelism) problems.push(`step ${s.id}: ${most} items ran at once, parallelism is ${s.foreach.parallelism}`);
    }
  }
  for (const [a, b] of ir.edges) {
    const as = byStep.get(a) ?? [];
    const bs = byStep.get(b) ?? [];
    const lastEnd = Math.max(...as.map((r) => r.end));
    const firstStart = Math.min(...bs.map((r) => r.start));
    if (as.length > 0 && bs.length > 0 && !(lastEnd < firstStart)) problems.push(`edge ${a} -> ${b}: ${b} started at ${firstStart} before ${a} ended at ${lastEnd}`);
  }
  return problems;
}

function maxOverlap(records: TaskRecord[]): number {
  const events = records.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  events.sort((x, y) => (x[0] as number) - (y[0] as number));
  let cur = 0;
  let most = 0;
  for (const [, d] of events) {
    cur += d as number;
    most = Math.max(most, cur);
  }
  return most;
}

/**
 * Evaluates every `.$` value of a step's overrides with the spec evaluator (intrinsics.ts) and
 * returns the overrides as the real service would send them.
 */
export function specOverrides(state: Record<string, any>, ctx: { input: JsonValue; context: JsonValue }): any {
  const resolve = (v: any): any => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k.endsWith('.$')) out[k.slice(0, -2)] = evaluatePayloadValue(x as string, ctx);
        else out[k] = resolve(x);
      }
      return out;
    }
    return v;
  };
  return overridesOf(resolve(state.Parameters));
}

/** Sample execution input: required parameters get a value of their type. */
export function sampleInput(ir: IR): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const p of ir.parameters) {
    if (!p.required) continue;
    setOwn(input, p.name, p.enum?.[0] ?? (p.type === 'string' ? 'sample' : p.type === 'boolean' ? true : p.type === 'integer' ? 3 : 1.5));
  }
  return input;
}

/** Execution input that overrides every parameter, defaults included. */
export function fullInput(ir: IR): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const p of ir.parameters) {
    setOwn(input, p.name, p.enum?.[p.enum.length - 1] ?? (p.type === 'string' ? `given-${p.name}` : p.type === 'boolean' ? true : p.type === 'integer' ? 42 : 2.5));
  }
  return input;
}

/** Finds a state by name anywhere in a definition. */
export function findState(definition: Record<string, any>, name: string): Record<string, any> | undefined {
  let found: Record<string, any> | undefined;
  const visit = (states: Record<string, any>) => {
    for (const [n, s] of Object.entries(states)) {
      if (n === name) found = s;
      for (const b of s.Branches ?? []) visit(b.States);
      if (s.ItemProcessor) visit(s.ItemProcessor.States);
    }
  };
  visit(definition.States);
  return found;
}

/**
 * Evaluates every step's overrides with the spec evaluator (not the local interpreter) and
 * compares them with the IR's texts exactly, backslashes included: the exact test of escaping.
 */
export function specProblems(ir: IR, definition: Record<string, any>, c: { input: Record<string, unknown>; runId: string; includeConfig: boolean }): string[] {
  const problems: string[] = [];
  const params = effectiveParams(ir, c.input) as JsonValue;
  const context = { Execution: { Name: c.runId } } as JsonValue;
  for (const s of ir.steps) {
    const state = findState(definition, s.id);
    if (!state) {
      problems.push(`no state ${s.id}`);
      continue;
    }
    // A Distributed Map's ItemSelector also passes the parent's run id as `run` (map.ts).
    const distributed = findState(definition, `${s.id}-foreach`)?.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
    const extra: Record<string, JsonValue> = distributed ? { run: c.runId } : {};
    const cases: { item: unknown; input: JsonValue }[] = s.foreach
      ? s.foreach.items.map((item, i) => ({ item, input: { params, item: (findState(definition, `${s.id}-items`)?.Result as JsonValue[])[i] as JsonValue, ...extra } }))
      : [{ item: null, input: { params } }];
    for (const k of cases) {
      let got: any;
      try {
        got = specOverrides(state, { input: k.input, context });
      } catch (e) {
        problems.push(`step ${s.id}: ${(e as Error).message}`);
        continue;
      }
      const want = expectedOverrides(ir, s, { params: params as Record<string, unknown>, item: k.item, runId: c.runId, includeConfig: c.includeConfig });
      if (JSON.stringify(got.Command) !== JSON.stringify(want.command)) problems.push(`step ${s.id}: Command ${JSON.stringify(got.Command)} != ${JSON.stringify(want.command)}`);
      if (JSON.stringify(got.Environment) !== JSON.stringify(want.environment)) problems.push(`step ${s.id}: Environment ${JSON.stringify(got.Environment)} != ${JSON.stringify(want.environment)}`);
    }
  }
  return problems;
}
