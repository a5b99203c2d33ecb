import { registerMemo } from '../../source/process-memos.js';
import { paramVar } from '../../ir/shell.js';
import type { IRPart, IRString } from '../../ir/types.js';

/**
 * Rendering IR strings as Argo text that reaches a container's `command`, `args` or `env[].value`.
 *
 * Two engines rewrite that text before the process sees it, and neither has a general escape:
 *
 * 1. Argo replaces every `{{...}}` tag, in several passes over the JSON of the workflow and of each
 *    template (`util/template`: fasttemplate with `{{`/`}}`, no escape syntax; `{{=...}}` is an
 *    expression; unknown tags are kept in some passes and rejected by validation in others). Text
 *    substituted in one pass is scanned again by the next, so a value containing `{{` is not safe
 *    either.
 * 2. The kubelet expands `$(VAR)` in `command`, `args` and `env[].value` from the container's env,
 *    and turns `$$` into `$` (documented on `EnvVar.value` / `Container.args` in the Kubernetes API
 *    reference; code in kubernetes third_party/forked/golang/expansion). Its output is not expanded
 *    again.
 *
 * So literal text is encoded for the kubelet, which Argo leaves alone: every `$` that the kubelet
 * would treat specially is doubled, and every `{` that would start a `{{` pair is written as
 * `$(FLOWC_LBRACE)`, a variable flowc defines as `{` in the same container. Argo never sees `{{` in
 * literal text, and the kubelet turns the result back into exactly what the user wrote.
 */

/** The env var holding `{`, referenced as `$(FLOWC_LBRACE)` where literal text has `{{`. */
export const LBRACE_VAR = 'FLOWC_LBRACE';
const LBRACE_REF = `$(${LBRACE_VAR})`;

export interface EncodeOptions {
  /** The text may be preceded by something unknown at run time (a substituted `{{...}}` value). */
  openStart: boolean;
  /** The text may be followed by something unknown at run time. */
  openEnd: boolean;
}

/**
 * Encodes literal text so that Argo finds no `{{` in it and the kubelet's `$(VAR)` expansion yields
 * it unchanged. Where a neighbour is unknown (a run-time value), a `{` or `$` at that edge is
 * encoded too, since the neighbour could complete a `{{` or a `$(`.
 */
export function encodeLiteral(text: string, options: EncodeOptions): string {
  // Only `{` and `$` are ever rewritten; most text has neither (a 10,000-step flow renders ~100,000 strings).
  if (!text.includes('{') && !text.includes('$')) return text;
  const n = text.length;
  const braceEncoded: boolean[] = [];
  for (let i = 0; i < n; i++) {
    if (text[i] !== '{') {
      braceEncoded.push(false);
      continue;
    }
    const beforeUnknown = i === 0 && options.openStart;
    const afterBrace = i + 1 < n ? text[i + 1] === '{' : options.openEnd;
    braceEncoded.push(beforeUnknown || afterBrace);
  }
  let out = '';
  for (let i = 0; i < n; i++) {
    const c = text[i] as string;
    if (c === '{') {
      out += braceEncoded[i] ? LBRACE_REF : '{';
    } else if (c === '$') {
      // The kubelet reads `$$` as `$` and `$(` as a reference; a `$` before an encoded `{` would
      // swallow that reference's `$`. After a lone `$` it copies one *byte* converted to a rune
      // (`string(input[0])` in its expansion code), which garbles a multi-byte UTF-8 character, so
      // a `$` before non-ASCII text is escaped too. Anything else after a lone `$` is copied as is.
      const next = i + 1 < n ? text[i + 1] : undefined;
      const escape =
        next === undefined
          ? options.openEnd
          : next === '$' || next === '(' || next.charCodeAt(0) > 0x7f || braceEncoded[i + 1] === true;
      out += escape ? '$$' : '$';
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Parameter values (`argo submit -p`, or the default) are run-time text that Argo substitutes and
 * then scans again (a later pass and the pod pass, `substitutePodParams`), and that the kubelet
 * then expands; pasted as `{{workflow.parameters.x}}`, `pa$$word` arrives as `pa$word` and
 * `{{workflow.name}}` as the run's name. So a parameter's value reaches a container only through
 * its variable FLOWC_PARAM_<NAME>, whose env value is an Argo expression that encodes the value
 * at run time exactly as `encodeLiteral` encodes literal text: every `$` doubled, every `{` as
 * `$(FLOWC_LBRACE)`. Argo finds no `{` in the result, and the kubelet's expansion of the env value
 * yields the value byte for byte. Everywhere else (command, args, other env values) the parameter
 * is the kubelet reference `$(FLOWC_PARAM_<NAME>)`, which the kubelet replaces by that variable's
 * value without expanding it again (k8s.io/kubernetes third_party/forked/golang/expansion).
 * Expressions (`{{=...}}`, sprig's `replace old new src`) are evaluated by Argo since 3.1
 * (util/template/expression_template.go, util/expr/env/env.go).
 */
export function paramExpression(name: string): string {
  let known = paramExpressions.get(name);
  if (known === undefined) {
    known = paramExpressionOf(name);
    if (paramExpressions.size > 10_000) paramExpressions.clear();
    paramExpressions.set(name, known);
  }
  return known;
}

/** Every step that reads a parameter defines its variable with the same expression. */
const paramExpressions = new Map<string, string>();

function paramExpressionOf(name: string): string {
  const ref = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `workflow.parameters.${name}` : `workflow.parameters[${JSON.stringify(name)}]`;
  return `{{=sprig.replace("{", "${LBRACE_REF}", sprig.replace("$", "$$", ${ref}))}}`;
}

/** The kubelet reference to a parameter's variable. */
export function paramRef(name: string): string {
  return `$(${paramVarOf(name)})`;
}

/** `paramVar`, remembered: every step that reads a parameter renders its variable's name twice. */
function paramVarOf(name: string): string {
  let v = paramVars.get(name);
  if (v === undefined) {
    v = paramVar(name);
    if (paramVars.size > 10_000) paramVars.clear();
    paramVars.set(name, v);
  }
  return v;
}

const paramVars = new Map<string, string>();
registerMemo(() => {
  paramExpressions.clear();
  paramVars.clear();
});

/** True for the env entry that defines a parameter's variable (its value is the parameter alone). */
export function isParamDefinition(name: string, value: IRString): boolean {
  const only = value.length === 1 ? value[0] : undefined;
  return only?.kind === 'param' && paramVarOf(only.name) === name;
}

/** True when the encoded text relies on the FLOWC_LBRACE variable. */
export function usesLbrace(encoded: string): boolean {
  return encoded.includes(LBRACE_REF);
}

/** How run-time parts of a string are written in the place being rendered. */
export interface TagRenderer {
  /** The tag text for a foreach item (or a path into it), without braces: `item`, `inputs.parameters.item`. */
  item(path: (string | number)[]): string;
  /**
   * The env variable that carries a step output in this container (FLOWC_STEPS_<STEP>_<OUTPUT>,
   * outputs.ts): text reads it as the kubelet reference `$(VAR)`, as it reads a parameter.
   */
  output?(step: string, output: string): string;
}

export interface RenderStringOptions {
  flowName: string;
  stepId: string;
  tags: TagRenderer;
}

/**
 * Renders an IR string as Argo text for a container field: literals (and `${flow.name}`,
 * `${step.name}`, which are literals here) encoded by `encodeLiteral`, `${params.x}` as
 * `$(FLOWC_PARAM_X)` (see `paramExpression`), other run-time parts as Argo tags:
 * `${run.id}` -> `{{workflow.name}}`, `${item}` as the caller's renderer says.
 */
export function renderArgoString(value: IRString, options: RenderStringOptions): string {
  // A long literal alone (FLOWC_CONFIG, shared by every step: fields-memo.ts) renders the same
  // everywhere: encoded once, not once per step.
  const only = value.length === 1 ? value[0] : undefined;
  if (only?.kind === 'lit' && only.value.length >= LONG_LITERAL) {
    let encoded = longLiterals.get(value);
    if (encoded === undefined) {
      encoded = encodeLiteral(only.value, { openStart: false, openEnd: false });
      longLiterals.set(value, encoded);
    }
    return encoded;
  }
  const parts = literalize(value, options);
  let out = '';
  parts.forEach((part, i) => {
    if (part.kind === 'lit') {
      out += encodeLiteral(part.value, {
        openStart: i > 0,
        openEnd: i < parts.length - 1,
      });
    } else if (part.kind === 'param') {
      out += paramRef(part.name);
    } else if (part.kind === 'output') {
      const name = options.tags.output?.(part.step, part.output);
      if (name === undefined) throw new Error(`no variable for \${steps.${part.step}.outputs.${part.output}}`);
      out += `$(${name})`;
    } else {
      out += `{{${tagFor(part, options.tags)}}}`;
    }
  });
  return out;
}

const LONG_LITERAL = 1024;
const longLiterals = new WeakMap<IRString, string>();

type RuntimePart = Extract<IRPart, { kind: 'param' | 'item' | 'run' | 'output' }>;
type RenderPart = { kind: 'lit'; value: string } | RuntimePart;

/** Turns `${flow.name}` / `${step.name}` into literal text and merges adjacent literals. */
function literalize(value: IRString, options: RenderStringOptions): RenderPart[] {
  const only = value.length === 1 ? value[0] : undefined;
  if (only?.kind === 'lit') return only.value === '' ? [] : [only];
  const out: RenderPart[] = [];
  for (const part of value) {
    const text = part.kind === 'lit' ? part.value : part.kind === 'flow' ? options.flowName : part.kind === 'step' ? options.stepId : null;
    if (text === null) {
      out.push(part as RuntimePart);
      continue;
    }
    const last = out[out.length - 1];
    if (last?.kind === 'lit') out[out.length - 1] = { kind: 'lit', value: last.value + text };
    else out.push({ kind: 'lit', value: text });
  }
  return out.filter((p) => p.kind !== 'lit' || p.value !== '');
}

function tagFor(part: Exclude<RuntimePart, { kind: 'param' | 'output' }>, tags: TagRenderer): string {
  switch (part.kind) {
    case 'run':
      return 'workflow.name';
    case 'item':
      return tags.item(part.path);
  }
}

/** True when `text` contains `{{`, which Argo would read as a template tag. */
export function hasTemplateTag(text: string): boolean {
  return text.includes('{{');
}

/** The item paths (`${item}`, `${item.a}`) an IR string uses, in order of first use. */
export function itemPathsOf(value: IRString): (string | number)[][] {
  return value.filter((p): p is Extract<IRPart, { kind: 'item' }> => p.kind === 'item').map((p) => p.path);
}
