import { itemValueAt } from '../../ir/items.js';
import type { Json } from '../../source/tree.js';
import type { IRParameter, IRPart, IRString } from '../../ir/types.js';
import { setOwn } from '../../source/own-keys.js';

/**
 * Run-time strings in Workflows syntax.
 *
 * Workflows evaluates a value only when the whole value is one expression `${...}`; there is no
 * string interpolation and no documented escape for a literal `${` in plain text
 * (https://cloud.google.com/workflows/docs/reference/syntax/expressions). So:
 * - literal text without `${` stays a plain string (the YAML serializer quotes it as needed);
 * - anything else becomes one expression that concatenates double-quoted string literals (escaped
 *   with `\\`, `\"`, `\n`, `\r`, `\t`, `\uXXXX`) and run-time terms, where `${` is inert text;
 * - an expression may hold at most 400 characters (Workflows limits), so a longer string becomes
 *   a list of segments, each a plain string or an expression of at most 400 characters, that the
 *   shared `flowc_text` subworkflow joins at run time.
 */
export const MAX_EXPRESSION = 400;

/** A string value as written into the definition: one segment, or segments joined at run time. */
export type RenderedText = string | string[];

export interface RenderScope {
  /** Declared parameters, to format each by its type. */
  parameters: IRParameter[];
  /** The flow's name (`${flow.name}` is known at compile time). */
  flowName: string;
  /** The current step's id (`${step.name}`). */
  stepId: string;
  /** The foreach items of the current step, to choose how `${item...}` is formatted; null for a dynamic list or no foreach. */
  items: Json[] | null;
  /** The step outputs the current step read, each with the code that renders it (outputs.ts). */
  outputs?: { step: string; output: string; code: string }[];
}

/** The variable holding the execution id, assigned once in `main`. */
export const RUN_ID_VAR = 'flowc_run_id';
/** The variable holding the parameter values, assigned once in `main`. */
export const PARAMS_VAR = 'params';
/** The foreach loop variables. */
export const ITEM_VAR = 'item';
export const INDEX_VAR = 'flowc_index';

/** A Workflows expression string literal for `text`. */
export function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `${body}` */
export const expr = (body: string): string => `\${${body}}`;

/** True when literal text must not be written as a plain string. */
export const needsExpression = (text: string): boolean => text.includes('${');

type Term = { kind: 'lit'; text: string } | { kind: 'code'; code: string };

/** The expression reading a parameter as text: strings as they are, other types through `string()`. */
function paramCode(name: string, scope: RenderScope): string {
  const ref = `${PARAMS_VAR}[${quote(name)}]`;
  const p = scope.parameters.find((x) => x.name === name);
  return p?.type === 'string' ? ref : `string(${ref})`;
}


/**
 * `${item...}` as text. The items are known at compile time, so the formatting is chosen from the
 * values the path reaches: strings as they are, anything else as JSON text (numbers as `1`, `0.5`).
 */
function itemCode(path: (string | number)[], scope: RenderScope): string {
  if (scope.items === null) return dynamicItemCode(path);
  const values = (scope.items ?? []).map((i) => itemValueAt(i, path));
  // An item without the path reads as "" (docs/ir.md), but `item["k"]` raises KeyError on the
  // engine: such paths of map keys read through `map.get`, which gives null for a missing key
  // (https://cloud.google.com/workflows/docs/reference/stdlib/map/get).
  const missing = values.some((v) => v === undefined);
  if (missing && path.length > 0 && path.every((k) => typeof k === 'string')) {
    const got = `map.get(${ITEM_VAR}, ${path.length === 1 ? quote(path[0] as string) : `[${path.map((k) => quote(k as string)).join(', ')}]`})`;
    const present = values.filter((v) => v !== undefined);
    if (present.every((v) => typeof v === 'string')) return `default(${got}, "")`;
    if (present.every((v) => typeof v !== 'string')) return `if(${got} == null, "", json.encode_to_string(${got}))`;
    return `if(get_type(${got}) == "string", ${got}, if(${got} == null, "", json.encode_to_string(${got})))`;
  }
  const ref = ITEM_VAR + path.map((k) => (typeof k === 'number' ? `[${k}]` : `[${quote(k)}]`)).join('');
  const strings = values.filter((v) => typeof v === 'string').length;
  if (strings === values.length && values.length > 0) return ref;
  if (strings === 0) return `json.encode_to_string(${ref})`;
  return `if(get_type(${ref}) == "string", ${ref}, json.encode_to_string(${ref}))`;
}

/**
 * `${item...}` of a dynamic foreach, whose items are known only at run time: strings as they are,
 * anything else as JSON text, a path the item lacks as "" (a path of map keys reads through
 * `map.get`, which gives null for a missing key or a non-map level).
 */
function dynamicItemCode(path: (string | number)[]): string {
  if (path.length === 0) return `if(get_type(${ITEM_VAR}) == "string", ${ITEM_VAR}, json.encode_to_string(${ITEM_VAR}))`;
  const got = path.every((k) => typeof k === 'string')
    ? `map.get(${ITEM_VAR}, ${path.length === 1 ? quote(path[0] as string) : `[${path.map((k) => quote(k as string)).join(', ')}]`})`
    : ITEM_VAR + path.map((k) => (typeof k === 'number' ? `[${k}]` : `[${quote(k)}]`)).join('');
  return `if(get_type(${got}) == "string", ${got}, if(${got} == null, "", json.encode_to_string(${got})))`;
}

function term(part: IRPart, scope: RenderScope): Term {
  switch (part.kind) {
    case 'lit':
      return { kind: 'lit', text: part.value };
    case 'param':
      return { kind: 'code', code: paramCode(part.name, scope) };
    case 'item':
      return { kind: 'code', code: itemCode(part.path, scope) };
    case 'run':
      return { kind: 'code', code: RUN_ID_VAR };
    case 'flow':
      return { kind: 'lit', text: scope.flowName };
    case 'step':
      return { kind: 'lit', text: scope.stepId };
    case 'output': {
      // The step's reads (outputs.ts) put every output it uses in a variable before its call.
      const read = scope.outputs?.find((o) => o.step === part.step && o.output === part.output);
      if (!read) throw new Error(`no variable holds \${steps.${part.step}.outputs.${part.output}} for step '${scope.stepId}'`);
      return { kind: 'code', code: read.code };
    }
  }
}

/** Terms with compile-time parts folded into adjacent literals. */
function terms(s: IRString, scope: RenderScope): Term[] {
  const out: Term[] = [];
  for (const p of s) {
    const t = term(p, scope);
    const last = out[out.length - 1];
    if (t.kind === 'lit' && last?.kind === 'lit') out[out.length - 1] = { kind: 'lit', text: last.text + t.text };
    else if (!(t.kind === 'lit' && t.text === '')) out.push(t);
  }
  return out;
}

const code = (t: Term): string => (t.kind === 'lit' ? quote(t.text) : t.code);

/** Splits literal text into pieces whose quoted form fits one expression, never inside a code point. */
function chunks(text: string): string[] {
  const room = MAX_EXPRESSION - 3; // `${` and `}`
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (quote(cur + ch).length > room) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * A run-time string: a plain string, one expression, or (past the expression limit) a list of
 * segments for `flowc_text` to join.
 */
export function renderText(s: IRString, scope: RenderScope): RenderedText {
  // Most strings are one literal: what the general path below returns for it, without its terms.
  const first = s[0];
  if (s.length === 1 && first?.kind === 'lit' && !needsExpression(first.value)) return first.value;
  const ts = terms(s, scope);
  if (ts.length === 0) return '';
  const only = ts[0] as Term;
  if (ts.length === 1 && only.kind === 'lit' && !needsExpression(only.text)) return only.text;
  const single = expr(ts.map(code).join(' + '));
  if (single.length <= MAX_EXPRESSION) return single;
  const segments: string[] = [];
  for (const t of ts) {
    if (t.kind === 'code') segments.push(expr(t.code));
    else if (!needsExpression(t.text)) segments.push(t.text);
    else segments.push(...chunks(t.text).map((c) => expr(quote(c))));
  }
  return segments;
}

/** Literal text as a single value; null when it needs more than one expression. */
export function renderLiteral(text: string): string | null {
  if (!needsExpression(text)) return text;
  const e = expr(quote(text));
  return e.length <= MAX_EXPRESSION ? e : null;
}

/**
 * A compile-time JSON value (a foreach list, a parameter default) written so Workflows reads it
 * back unchanged: strings holding `${` become expressions. Returns null when a string is too long
 * for one expression.
 */
export function renderJson(value: Json): unknown {
  if (typeof value === 'string') return renderLiteral(value) ?? TOO_LONG;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(renderJson);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, renderJson(v));
  return out;
}

/** Marks a string `renderJson` could not fit; `containsTooLong` finds it. */
export const TOO_LONG: unique symbol = Symbol('too long');

export function containsTooLong(v: unknown): boolean {
  if (v === TOO_LONG) return true;
  if (Array.isArray(v)) return v.some(containsTooLong);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsTooLong);
  return false;
}

/** A compile-time scalar as an expression operand (parameter defaults). */
export function literalCode(v: string | number | boolean): string {
  return typeof v === 'string' ? quote(v) : String(v);
}
