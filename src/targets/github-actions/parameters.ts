import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRParameter } from '../../ir/types.js';
import { renderLiteral, stringLiteral } from './expressions.js';
import { originSpan } from './origin.js';
import { defaultText, paramVar, valueText } from './runtime-vars.js';
import { setOwn } from '../../source/own-keys.js';

/**
 * Parameters as `workflow_dispatch` and `workflow_call` inputs, and the expression that gives a
 * parameter's value as text inside a job (SPEC section 6, parameters row).
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_dispatchinputs
 */

type InputMap = Record<string, Record<string, unknown>>;

/** `on.workflow_dispatch.inputs`: string, number, boolean, or choice for an enum. */
export function dispatchInputs(params: readonly IRParameter[]): InputMap {
  const out: InputMap = {};
  for (const p of params) {
    const input: Record<string, unknown> = {};
    if (p.description !== undefined) input.description = renderLiteral(p.description).text;
    // GitHub has no integer input type; an integer parameter is a `number` input.
    const choice = p.enum !== undefined && p.type !== 'boolean';
    input.type = choice ? 'choice' : p.type === 'integer' ? 'number' : p.type;
    input.required = p.required;
    if (p.default !== undefined) input.default = choice || p.type === 'string' ? renderLiteral(valueText(p.default)).text : p.default;
    // Choice options are strings in GitHub; numbers are written as their text.
    if (choice) input.options = (p.enum ?? []).map((v) => renderLiteral(valueText(v)).text);
    setOwn(out, p.name, input);
  }
  return out;
}

/** `on.workflow_call.inputs`: GitHub allows only string, number and boolean here. */
export function callInputs(params: readonly IRParameter[]): InputMap {
  const out: InputMap = {};
  for (const p of params) {
    const input: Record<string, unknown> = {};
    if (p.description !== undefined) input.description = renderLiteral(p.description).text;
    input.type = p.type === 'integer' ? 'number' : p.type;
    input.required = p.required;
    if (p.default !== undefined) input.default = p.type === 'string' ? renderLiteral(p.default as string).text : p.default;
    setOwn(out, p.name, input);
  }
  return out;
}

/**
 * The expression for a parameter's value. A scheduled run has no inputs (`inputs.x` is null),
 * so in a scheduled flow a parameter with a default reads
 * `toJSON(inputs.x) == 'null' && 'default' || inputs.x`. `toJSON` tells "not given" apart from a
 * given false, 0 or '' (GitHub's `==` coerces null, false, 0 and '' to the same number); a given
 * value is always the last operand, so it comes through whatever it is, and an empty default
 * falls through to null, which GitHub writes as ''.
 */
export function paramExpression(p: IRParameter, scheduled: boolean): string {
  const ref = `inputs.${p.name}`;
  const dflt = defaultText(p);
  if (!scheduled || dflt === null) return ref;
  return `toJSON(${ref}) == 'null' && ${stringLiteral(dflt)} || ${ref}`;
}

/**
 * FLOWC630: a scheduled run supplies no inputs, so a required parameter without a default could
 * never get a value. FLOWC602: two parameters whose env variable names or input ids (GitHub
 * ignores case in input ids) would be the same.
 */
export function checkParameters(ir: IR, diagnostics: DiagnosticBag): void {
  const vars = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const p of ir.parameters) {
    if (ir.schedule && p.default === undefined) {
      diagnostics.report(
        'FLOWC630',
        `parameter '${p.name}' is required and has no default, but the flow has a schedule: a scheduled GitHub Actions run has no inputs, so give '${p.name}' a default`,
        originSpan(p.origin),
      );
    }
    const v = paramVar(p.name);
    const otherVar = vars.get(v);
    const otherId = ids.get(p.name.toLowerCase());
    if (otherVar !== undefined || otherId !== undefined) {
      diagnostics.report(
        'FLOWC602',
        `parameters '${otherVar ?? otherId}' and '${p.name}' collide in GitHub Actions (input ids ignore case; both need the variable ${v})`,
        originSpan(p.origin),
      );
    }
    vars.set(v, p.name);
    ids.set(p.name.toLowerCase(), p.name);
  }
}
