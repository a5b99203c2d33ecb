import type { IRParameter } from '../../ir/types.js';
import type { StateNames } from './names.js';
import { MAX_STATE_NAME } from './names.js';
import { PARAMS_PATH } from './render-string.js';
import type { AslState } from './task.js';
import { setOwn } from '../../source/own-keys.js';

/** Error names of the Fail states a run ends in when its input is wrong. */
export const MISSING_PARAMETER_ERROR = 'flowc.MissingParameter';
export const INVALID_PARAMETER_ERROR = 'flowc.InvalidParameter';

/**
 * The states that turn the execution input into `{ params }` before the first step (SPEC
 * section 6: parameters arrive in the execution input, defaults are merged at the first state):
 *
 * 1. `flowc-input` (Pass) wraps the input: `{ input }`.
 * 2. `flowc-defaults` (Pass) adds the defaults from `Result`, which Step Functions copies
 *    verbatim (no key or value is ever read as a path): `{ input, defaults }`.
 * 3. `flowc-parameters` (Pass) merges them with `States.JsonMerge`, the input winning: `{ params }`.
 * 4. `flowc-check-parameters` (Choice) sends a run with a required parameter missing, or a value
 *    of the wrong type or outside its enum, to a Fail state named for the parameter, with error
 *    `flowc.MissingParameter` or `flowc.InvalidParameter` and a cause that says what to pass.
 *
 * Every later state keeps `{ params }` as its input (Task, Parallel and Map states discard their
 * results), so steps read `$.params.NAME` anywhere, including inside Parallel and Map branches.
 */
export function parameterStates(o: { params: IRParameter[]; names: StateNames; next: string }): { startAt: string; states: [string, AslState][] } {
  const { names } = o;
  const input = names.fixed('flowc-input');
  const defaults = names.fixed('flowc-defaults');
  const merge = names.fixed('flowc-parameters');
  const check = names.fixed('flowc-check-parameters');
  const defaultValues: Record<string, unknown> = {};
  for (const p of o.params) if (p.default !== undefined) setOwn(defaultValues, p.name, p.default);
  const states: [string, AslState][] = [
    [input, { Type: 'Pass', Parameters: { 'input.$': '$' }, Next: defaults }],
    [defaults, { Type: 'Pass', Result: defaultValues, ResultPath: '$.defaults', Next: merge }],
    [merge, { Type: 'Pass', Parameters: { 'params.$': 'States.JsonMerge($.defaults, $.input, false)' }, Next: check }],
  ];
  const choices: AslState[] = [];
  const fails: [string, AslState][] = [];
  o.params.forEach((p, i) => {
    if (!p.required) return;
    const fail = names.fixed(failName('missing', p.name, i));
    choices.push({ Not: { Variable: variable(p), IsPresent: true }, Next: fail });
    fails.push([fail, { Type: 'Fail', Error: MISSING_PARAMETER_ERROR, Cause: `parameter '${p.name}' is required: start the execution with input like {"${p.name}": ${example(p)}}` }]);
  });
  o.params.forEach((p, i) => {
    const fail = names.fixed(failName('invalid', p.name, i));
    const wrongType = { Not: { Variable: variable(p), [typeTest(p)]: true } };
    const outside = p.enum && p.enum.length > 0 ? { Not: anyOf(p.enum.map((v) => equals(p, v))) } : null;
    choices.push({ ...(outside ? { Or: [wrongType, outside] } : wrongType), Next: fail });
    fails.push([fail, { Type: 'Fail', Error: INVALID_PARAMETER_ERROR, Cause: `parameter '${p.name}' must be ${expectation(p)}` }]);
  });
  states.push([check, { Type: 'Choice', Choices: choices, Default: o.next }]);
  states.push(...fails);
  return { startAt: input, states };
}

function variable(p: IRParameter): string {
  return `${PARAMS_PATH}.${p.name}`;
}

/** A Fail state's name; a parameter name too long for it is cut, with its index kept for uniqueness. */
function failName(kind: string, name: string, index: number): string {
  const full = `flowc-${kind}-${name}`;
  if (full.length <= MAX_STATE_NAME) return full;
  return `flowc-${kind}-${index}-${name}`.slice(0, MAX_STATE_NAME);
}

/** The Choice type test (https://states-language.net/#choice-state): integers are numbers there. */
function typeTest(p: IRParameter): string {
  return p.type === 'string' ? 'IsString' : p.type === 'boolean' ? 'IsBoolean' : 'IsNumeric';
}

function equals(p: IRParameter, v: string | number | boolean): AslState {
  const op = typeof v === 'string' ? 'StringEquals' : typeof v === 'number' ? 'NumericEquals' : 'BooleanEquals';
  return { Variable: variable(p), [op]: v };
}

/** `Or` needs two or more rules in practice; one rule stands alone. */
function anyOf(rules: AslState[]): AslState {
  return rules.length === 1 ? (rules[0] as AslState) : { Or: rules };
}

function expectation(p: IRParameter): string {
  const kind = p.type === 'string' ? 'a string' : p.type === 'boolean' ? 'a boolean' : p.type === 'integer' ? 'an integer' : 'a number';
  return p.enum && p.enum.length > 0 ? `${kind}, one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}` : kind;
}

function example(p: IRParameter): string {
  if (p.enum && p.enum.length > 0) return JSON.stringify(p.enum[0]);
  return p.type === 'string' ? '"..."' : p.type === 'boolean' ? 'true' : '1';
}
