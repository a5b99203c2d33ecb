import { stepOutputRefs } from '../../ir/shell.js';
import type { IR, IROutput, IROutputRef, IRStep } from '../../ir/types.js';
import type { Datastore } from './datastore.js';
import { outputKeyParts } from './datastore.js';
import type { StateNames } from './names.js';
import { escapeIntrinsicLiteral } from './render-string.js';
import type { AslState } from './task.js';

/**
 * Step outputs in the state machine (docs/targets/stepfunctions.md, "Step outputs"). After a step
 * whose outputs some later step reads, one Task per read output fetches it with the S3 GetObject
 * SDK integration (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html)
 * and puts it at `$.outputs.<step>.<output>.value` in the state: the text for a `string` output,
 * the value parsed with `States.StringToJson`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html) for a `json`
 * one, and for a foreach step the list of every task's value in item order (the Map's results,
 * which Step Functions keeps in item order). Outputs nobody reads are uploaded but never read.
 *
 * `$.outputs` need not exist first: a ResultPath that addresses a missing field creates it, "with
 * intervening fields constructed as necessary" (https://states-language.net/#filters).
 *
 * Everything later reads from there: a reference renders as that path (or `States.JsonToString`
 * of it), a dynamic foreach's Map iterates over it. Task, Map and Parallel states keep their
 * input, so the values reach every later state; a Parallel state gathers its branches' new
 * values back into `$.outputs` (parallelResult).
 */
export const OUTPUTS_PATH = '$.outputs';
/**
 * Where a foreach task's read outputs gather before the iteration returns them (with OutputPath):
 * `ResultPath: "$"` would say the same, but aws-local-stepfunctions 3.0.0 stores such a result
 * under a key named `$`, and the tests execute there.
 */
const ITERATION_RESULT_PATH = '$.flowcResult';
/** The foreach task's index in a Map iteration's input (the ItemSelector passes it). */
export const INDEX_PATH = '$.index';
/** A dynamic foreach's current element in a Map iteration's input. */
export const VALUE_PATH = '$.value';
/** Where the list check of a dynamic foreach puts the list's text. */
const CHECK_PATH = '$.flowcCheck';

export const OUTPUT_UNREADABLE_ERROR = 'flowc.OutputUnreadable';

/**
 * Transient S3 failures (throttling, 5xx, the network) are retried before the read gives up:
 * the SDK integration names errors `S3.<exception>`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html); a missing
 * object is `S3.NoSuchKeyException`, which is not listed and fails at once.
 */
const READ_RETRIER = { ErrorEquals: ['S3.SdkClientException', 'S3.S3Exception'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' };
export const NOT_A_LIST_ERROR = 'flowc.NotAList';

/** Which outputs are read, and where their values sit. */
export interface OutputPlan {
  /** The outputs of a step some step reads (a reference or a dynamic foreach), in declared order. */
  readsOf(stepId: string): IROutput[];
  /** The JSONPath of an output's value. */
  valuePath(ref: IROutputRef): string;
  /** True when the value is JSON, not text: a `json` output, or any output of a foreach step. */
  isJson(ref: IROutputRef): boolean;
}

/** `$.outputs.<step>.<output>.value`: step ids and output names are JSONPath identifiers. */
export function planOutputs(ir: IR): OutputPlan {
  const read = new Set<string>();
  const key = (r: IROutputRef) => `${r.step}\u0000${r.output}`;
  for (const s of ir.steps) for (const r of stepOutputRefs(s)) read.add(key(r));
  const steps = new Map(ir.steps.map((s) => [s.id, s]));
  return {
    readsOf: (id) => (steps.get(id)?.outputs ?? []).filter((o) => read.has(key({ step: id, output: o.name }))),
    valuePath: (r) => `${OUTPUTS_PATH}.${member(r.step)}.${member(r.output)}.value`,
    isJson: (r) => {
      const s = steps.get(r.step);
      return s?.foreach != null || s?.outputs.find((o) => o.name === r.output)?.type === 'json';
    },
  };
}

function member(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`internal: '${name}' is not a JSONPath member name`);
  return name;
}

export interface ReadContext {
  datastore: Datastore;
  flowName: string;
  partition: string;
  names: StateNames;
  /** Where the run id is read (the parent's, in a Distributed Map's child execution). */
  runIdPath: string;
}

/**
 * The states that read a step's outputs, in order, then their Fail states. For a plain step
 * each lands in `$.outputs.<step>`; inside a foreach iteration (`inIteration`) they gather in
 * the iteration's result, `{ <output>: { value } }`, which the Map collects.
 */
export function readStates(step: IRStep, reads: readonly IROutput[], ctx: ReadContext, inIteration: boolean): [string, AslState][] {
  const states: [string, AslState][] = [];
  const fails: [string, AslState][] = [];
  const { beforeRun, afterRun } = outputKeyParts({ datastore: ctx.datastore, flowName: ctx.flowName, stepId: step.id, foreach: inIteration });
  reads.forEach((o, i) => {
    const name = ctx.names.fixed(fitName(`${step.id}-read-${o.name}`, `${step.id}-read-${i}`));
    const fail = ctx.names.fixed(fitName(`${step.id}-unreadable-${o.name}`, `${step.id}-unreadable-${i}`));
    const json = o.type === 'json';
    const e = escapeIntrinsicLiteral;
    const template = inIteration ? `${e(beforeRun)}{}${e(afterRun)}{}${e(`/${o.name}`)}` : `${e(beforeRun)}{}${e(`${afterRun}/${o.name}`)}`;
    const args = inIteration ? `${ctx.runIdPath}, ${INDEX_PATH}` : ctx.runIdPath;
    const state: AslState = {
      Type: 'Task',
      Resource: `arn:${ctx.partition}:states:::aws-sdk:s3:getObject`,
      Parameters: { Bucket: ctx.datastore.bucket, 'Key.$': `States.Format('${template}', ${args})` },
      ResultSelector: { 'value.$': json ? 'States.StringToJson($.Body)' : '$.Body' },
      ResultPath: inIteration ? `${ITERATION_RESULT_PATH}.${member(o.name)}` : `${OUTPUTS_PATH}.${member(step.id)}.${member(o.name)}`,
    };
    // Only the iteration's outputs go back to the Map, however large its input.
    if (inIteration && i === reads.length - 1) state.OutputPath = ITERATION_RESULT_PATH;
    state.Retry = [READ_RETRIER];
    state.Catch = [{ ErrorEquals: ['States.ALL'], Next: fail }];
    states.push([name, state]);
    const where = `s3://${ctx.datastore.bucket}/${beforeRun}<run id>${afterRun}${inIteration ? '<task index>/' : '/'}${o.name}`;
    fails.push([
      fail,
      {
        Type: 'Fail',
        Error: OUTPUT_UNREADABLE_ERROR,
        Cause: `step '${step.id}': cannot read its output '${o.name}' from ${where}: the step did not upload it (its log says why), or the state machine's role lacks s3:GetObject there`,
      },
    ]);
  });
  return [...states, ...fails];
}

/** A Map state's ResultSelector: each read output as the list of the tasks' values, in item order. */
export function mapResultSelector(reads: readonly IROutput[]): Record<string, unknown> {
  return Object.fromEntries(reads.map((o) => [member(o.name), { 'value.$': `$[*].${member(o.name)}.value` }]));
}

/** The values a foreach step with no task publishes: every read output an empty list. */
export function emptyResult(reads: readonly IROutput[]): Record<string, unknown> {
  return Object.fromEntries(reads.map((o) => [member(o.name), { value: [] }]));
}

/**
 * A Parallel state's ResultSelector and ResultPath: every step whose values are in `$.outputs`
 * after it, taken from the branch that read them (values from before the Parallel from branch 0,
 * which got them in its input). Null when no branch read a new value.
 */
export function parallelResult(byBranch: readonly ReadonlySet<string>[], before: ReadonlySet<string>): { ResultSelector: Record<string, string>; ResultPath: string } | null {
  // Nothing new: the input's `$.outputs` is still right, so the result is discarded as before.
  if (byBranch.every((set) => [...set].every((id) => before.has(id)))) return null;
  const selector: Record<string, string> = {};
  for (const id of before) selector[`${member(id)}.$`] = `$[0].outputs.${id}`;
  byBranch.forEach((set, i) => {
    for (const id of set) if (!before.has(id)) selector[`${member(id)}.$`] = `$[${i}].outputs.${id}`;
  });
  if (Object.keys(selector).length === 0) return null;
  return { ResultSelector: selector, ResultPath: OUTPUTS_PATH };
}

/** `full` when it fits the 80-character state name limit, else `short`. */
function fitName(full: string, short: string): string {
  return full.length <= 80 ? full : short;
}

/**
 * The states before a dynamic foreach's Map: a Pass that writes the list's JSON text, and a
 * Choice that fails the run (before any task) when it is not a list, naming the step, and sends
 * an empty list to `empty` when given (a foreach step whose outputs are read must still publish
 * its empty lists, which a Map's ResultSelector cannot do over no result). Returns the states
 * and the names the caller links: the Choice defaults to `map`.
 */
export function listCheckStates(o: { step: IRStep; from: IROutputRef; plan: OutputPlan; names: { prefix: string; choice: string; fail: string }; map: string; empty: string | null }): [string, AslState][] {
  const { prefix: check, choice, fail } = o.names;
  const text = `${CHECK_PATH}.text`;
  const choices: AslState[] = [{ Not: { Variable: text, StringMatches: '[*' }, Next: fail }];
  if (o.empty !== null) choices.push({ Variable: text, StringEquals: '[]', Next: o.empty });
  return [
    [check, { Type: 'Pass', Parameters: { 'text.$': `States.JsonToString(${o.plan.valuePath(o.from)})` }, ResultPath: CHECK_PATH }],
    [choice, { Type: 'Choice', Choices: choices, Default: o.map }],
    [
      fail,
      {
        Type: 'Fail',
        Error: NOT_A_LIST_ERROR,
        Cause: `step '${o.step.id}': foreach needs a JSON list, but output '${o.from.output}' of step '${o.from.step}' is not one`,
      },
    ],
  ];
}

/**
 * The Pass after a dynamic foreach's Map (where its empty-list path joins too): the state again
 * as every step sees it, `{ params, outputs }`, without the list check's text.
 */
export function rejoinState(hasParams: boolean): AslState {
  const parameters: Record<string, string> = {};
  if (hasParams) parameters['params.$'] = '$.params';
  parameters['outputs.$'] = OUTPUTS_PATH;
  return { Type: 'Pass', Parameters: parameters };
}

/**
 * The states at the start of a dynamic foreach iteration that turn the element (`$.value`) into
 * the text of each item path the step uses, at `$.item.<key>.t`: a string as is, anything else as
 * compact JSON (`States.JsonToString`), a path the element lacks as ''. A Choice per path, since
 * the element's type is known only at run time.
 */
export function itemTextStates(o: { step: IRStep; paths: { key: string; path: (string | number)[] }[]; names: StateNames; after: string }): [string, AslState][] {
  const out: [string, AslState][] = [];
  const choices = o.paths.map((_, i) => o.names.fixed(`${o.step.id}-item-${i}`));
  o.paths.forEach(({ key, path }, i) => {
    const at = `${VALUE_PATH}${path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${member(seg)}`)).join('')}`;
    const choice = choices[i] as string;
    const text = o.names.fixed(`${o.step.id}-item-${i}-text`);
    const json = o.names.fixed(`${o.step.id}-item-${i}-json`);
    const none = o.names.fixed(`${o.step.id}-item-${i}-none`);
    const resultPath = `$.item.${key}`;
    const next = choices[i + 1] ?? o.after;
    // IsPresent first: any other test of a missing path is a run-time error.
    out.push([choice, { Type: 'Choice', Choices: [{ Not: { Variable: at, IsPresent: true }, Next: none }, { Variable: at, IsString: true, Next: text }], Default: json }]);
    out.push([text, { Type: 'Pass', Parameters: { 't.$': at }, ResultPath: resultPath, Next: next }]);
    out.push([json, { Type: 'Pass', Parameters: { 't.$': `States.JsonToString(${at})` }, ResultPath: resultPath, Next: next }]);
    out.push([none, { Type: 'Pass', Parameters: { t: '' }, ResultPath: resultPath, Next: next }]);
  });
  return out;
}

/** An item path a dynamic foreach can read: JSONPath members and indices only. */
export function readableItemPath(path: readonly (string | number)[]): boolean {
  return path.every((seg) => typeof seg === 'number' || /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg));
}
