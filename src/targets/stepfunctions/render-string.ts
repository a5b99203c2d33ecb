import type { IRParameter, IRString, ParamType } from '../../ir/types.js';

/**
 * IR strings in ASL (JSONPath query language). Literal text is never interpreted by Step
 * Functions as long as it sits in a plain value (a key without `.$`), so an all-literal string
 * stays plain whatever it contains. A string with run-time parts becomes a `.$` value: a bare
 * path when it is exactly one text-valued reference, else `States.Format` with the literal text
 * escaped as the intrinsic-function grammar requires (`\'`, `\{`, `\}`, `\\`; see
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, "Reserved
 * characters in intrinsic functions").
 */
export type Rendered =
  /** A plain value, written under the field's own key. */
  | { kind: 'plain'; value: string }
  /** A path or intrinsic function, written under `<key>.$`. */
  | { kind: 'dynamic'; expr: string };

/** Where the run-time parts of a step's strings live in the state's input. */
export interface RenderContext {
  flowName: string;
  stepId: string;
  /** Parameter types by name: a non-string parameter goes through States.Format to become text. */
  paramTypes: ReadonlyMap<string, ParamType>;
  /** The key (in `$.item`) of a foreach item path's precomputed text; see map.ts. */
  itemKey(path: (string | number)[]): string;
  /** Where the run id is read; RUN_ID_PATH unless the state runs in a child execution. */
  runIdPath?: string;
  /** Where step outputs sit in the state (outputs.ts); absent when the flow reads none. */
  outputs?: { valuePath(ref: { step: string; output: string }): string; isJson(ref: { step: string; output: string }): boolean };
}

/** The JSONPath of the run's parameter values in every state's input (carried from the first state). */
export const PARAMS_PATH = '$.params';
/** The JSONPath of the current item's texts inside a Map iteration. */
export const ITEM_PATH = '$.item';
/** The run id: the execution's name (SPEC section 6). */
export const RUN_ID_PATH = '$$.Execution.Name';
/**
 * The run id inside a Distributed Map's child execution, whose own `$$.Execution.Name` is the
 * child's: the Map's ItemSelector, evaluated in the parent, passes the parent's name as `run`.
 */
export const CHILD_RUN_ID_PATH = '$.run';

export function paramTypes(params: readonly IRParameter[]): Map<string, ParamType> {
  return new Map(params.map((p) => [p.name, p.type]));
}

/** Renders one IR string for a field of a step's state. */
export function renderString(s: IRString, ctx: RenderContext): Rendered {
  // Deploy-time parts (flow and step names) are literal text already.
  const pieces: ({ lit: string } | { path: string; isText: boolean })[] = [];
  for (const part of s) {
    switch (part.kind) {
      case 'lit':
        pushLit(pieces, part.value);
        break;
      case 'flow':
        pushLit(pieces, ctx.flowName);
        break;
      case 'step':
        pushLit(pieces, ctx.stepId);
        break;
      case 'param':
        // Parameter names match ^[A-Za-z_][A-Za-z0-9_]*$ (flow schema), a plain JSONPath member.
        pieces.push({ path: `${PARAMS_PATH}.${part.name}`, isText: ctx.paramTypes.get(part.name) === 'string' });
        break;
      case 'item':
        pieces.push({ path: `${ITEM_PATH}.${ctx.itemKey(part.path)}`, isText: true });
        break;
      case 'run':
        pieces.push({ path: ctx.runIdPath ?? RUN_ID_PATH, isText: true });
        break;
      case 'output': {
        if (!ctx.outputs) throw new Error(`internal: \${steps.${part.step}.outputs.${part.output}} rendered without an output plan`);
        // A JSON value (a foreach step's list too) as its JSON text, a string output as itself.
        const path = ctx.outputs.valuePath(part);
        pieces.push({ path: ctx.outputs.isJson(part) ? `States.JsonToString(${path})` : path, isText: true });
        break;
      }
    }
  }
  const refs = pieces.filter((p): p is { path: string; isText: boolean } => 'path' in p);
  if (refs.length === 0) return { kind: 'plain', value: pieces.map((p) => ('lit' in p ? p.lit : '')).join('') };
  const only = pieces.length === 1 ? refs[0] : undefined;
  if (only?.isText) return { kind: 'dynamic', expr: only.path };
  const template = pieces.map((p) => ('lit' in p ? escapeIntrinsicLiteral(p.lit) : '{}')).join('');
  return { kind: 'dynamic', expr: `States.Format('${template}', ${refs.map((r) => r.path).join(', ')})` };
}

function pushLit(pieces: ({ lit: string } | { path: string; isText: boolean })[], text: string): void {
  if (text === '') return;
  const last = pieces[pieces.length - 1];
  if (last && 'lit' in last) last.lit += text;
  else pieces.push({ lit: text });
}

/**
 * Escapes text for a single-quoted string literal inside an intrinsic function: the four reserved
 * characters get a backslash. In a `States.Format` template this also keeps literal `{}` from
 * being read as a placeholder. Other characters, newlines included, stay as they are (JSON
 * escapes them in the file): the service accepts a newline inside an intrinsic argument (AWS's own
 * language service allows it since https://github.com/aws/amazon-states-language-service/pull/96),
 * while `\n` is not one of the documented escapes.
 */
export function escapeIntrinsicLiteral(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

/** An intrinsic-function argument for a rendered string (a quoted literal or the expression). */
export function intrinsicArg(r: Rendered): string {
  return r.kind === 'plain' ? `'${escapeIntrinsicLiteral(r.value)}'` : r.expr;
}

/** Sets `key` (or `key.$`) on `target` for a rendered string. */
export function setRendered(target: Record<string, unknown>, key: string, r: Rendered): void {
  if (r.kind === 'plain') target[key] = r.value;
  else target[`${key}.$`] = r.expr;
}
