import type { HelperDelegate, HelperOptions } from 'handlebars';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { stepEnv } from '../ir/env.js';
import { shellScript, type ShellScript } from '../ir/shell.js';
import { stableTopologicalOrder } from '../ir/toposort.js';
import type { IR, IROrigin, IRStep, IRString } from '../ir/types.js';
import type { Span } from '../source/span.js';
import { checkLimit, type Limit } from '../targets/limits.js';
import type { Json } from '../source/tree.js';
import { indentText, jsonText, pyStr, pyValue, shellQuote, UnencodableText, yamlText } from './escape.js';
import { renderString, UnmappedPart, type RenderMapping } from './render-string.js';
import type { TemplateView } from './view.js';

/**
 * The helper set (docs/templates.md): code-generation helpers, each escaping for its language,
 * plus `refuse`/`warn` through which a template reports what its engine cannot express. A helper
 * never throws at a template: a problem is reported at the template's line (or at the flow
 * location passed as `at=`) and rendering goes on, so one run shows every problem.
 */
export interface HelperContext {
  ir: IR;
  view: TemplateView;
  targetId: string;
  file: string;
  render: RenderMapping;
  limits: Readonly<Record<string, Limit>> | null;
  diagnostics: DiagnosticBag;
}

type Options = HelperOptions & { loc?: { start: { line: number; column: number } }; name?: string };

/** Names of every helper, for Handlebars' `knownHelpers` (with `knownHelpersOnly`, a typo is a compile error). */
export const HELPER_NAMES = [
  'json', 'yaml', 'py', 'pyStr', 'shellQuote', 'indent', 'toposort', 'eachStep', 'render', 'env', 'script', 'locator',
  'refuse', 'warn', 'checkLimit', 'eq', 'ne', 'and', 'or', 'not', 'gt', 'concat', 'length', 'matches', 'hasItem', 'join',
] as const;

function isOrigin(v: unknown): v is IROrigin {
  return v !== null && typeof v === 'object' && typeof (v as IROrigin).file === 'string' && typeof (v as IROrigin).line === 'number' && typeof (v as IROrigin).col === 'number';
}

function isIRString(v: unknown): v is IRString {
  return Array.isArray(v) && v.every((p) => p !== null && typeof p === 'object' && typeof (p as { kind?: unknown }).kind === 'string');
}

export function makeHelpers(ctx: HelperContext): Record<(typeof HELPER_NAMES)[number], HelperDelegate> {
  const here = (o: Options): Span => ({ file: ctx.file, line: o.loc?.start.line ?? 1, col: (o.loc?.start.column ?? 0) + 1 });
  const misuse = (o: Options, message: string): string => {
    ctx.diagnostics.report('FLOWC807', `template helper '${o.name ?? '?'}': ${message}`, here(o));
    return '';
  };
  const opts = (args: unknown[]): { values: unknown[]; o: Options } => ({ values: args.slice(0, -1), o: args[args.length - 1] as Options });
  /** Runs an escaper; text it cannot encode is reported where the flow wrote it (`at=`) or here. */
  const escaping = (o: Options, f: () => string): string => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof UnencodableText || e instanceof UnmappedPart)) throw e;
      const at = o.hash?.at;
      ctx.diagnostics.report(e instanceof UnmappedPart ? 'FLOWC806' : 'FLOWC808', `${ctx.targetId}: ${e.message}`, isOrigin(at) ? { ...at } : here(o));
      return '';
    }
  };
  const stepById = (id: unknown) => ctx.ir.steps.find((s) => s.id === id);
  const stepOf = (v: unknown) => (typeof v === 'string' ? stepById(v) : v !== null && typeof v === 'object' ? stepById((v as { id?: unknown }).id) : undefined);

  return {
    json: (...args) => {
      const { values, o } = opts(args);
      return values.length === 1 && values[0] !== undefined ? jsonText(values[0] as Json) : misuse(o, 'takes one value');
    },
    yaml: (...args) => {
      const { values, o } = opts(args);
      return values.length === 1 && values[0] !== undefined ? yamlText(values[0] as Json) : misuse(o, 'takes one value');
    },
    py: (...args) => {
      const { values, o } = opts(args);
      return values.length === 1 && values[0] !== undefined ? pyValue(values[0] as Json) : misuse(o, 'takes one value');
    },
    pyStr: (...args) => {
      const { values, o } = opts(args);
      return typeof values[0] === 'string' && values.length === 1 ? pyStr(values[0]) : misuse(o, `takes one string, got ${JSON.stringify(values[0])}`);
    },
    shellQuote: (...args) => {
      const { values, o } = opts(args);
      return typeof values[0] === 'string' && values.length === 1 ? escaping(o, () => shellQuote(values[0] as string)) : misuse(o, 'takes one string');
    },
    indent: (...args) => {
      const { values, o } = opts(args);
      return typeof values[0] === 'string' && Number.isInteger(values[1]) ? indentText(values[0], values[1] as number) : misuse(o, 'takes a string and a number of spaces');
    },
    toposort: () => {
      const order = stableTopologicalOrder(ctx.view.steps.map((s) => s.id), ctx.view.edges);
      return order.map((id) => ctx.view.steps.find((s) => s.id === id));
    },
    eachStep: (...args) => {
      const { o } = opts(args);
      const steps = ctx.view.steps;
      return steps.map((s, index) => o.fn(s, { data: { ...o.data, index, first: index === 0, last: index === steps.length - 1 }, blockParams: [s, index] })).join('');
    },
    render: (...args) => {
      const { values, o } = opts(args);
      const value = values[0];
      if (values.length !== 1 || !(typeof value === 'string' || isIRString(value))) return misuse(o, 'takes one typed string (an IR string such as exec.script, or text)');
      const step = o.hash?.step;
      const stepId = typeof step === 'string' ? step : step !== null && typeof step === 'object' ? (step as { id?: string }).id : undefined;
      const hasItem = o.hash !== undefined && Object.hasOwn(o.hash, 'item');
      return escaping(o, () =>
        renderString(value, ctx.render, {
          flowName: ctx.ir.flow.name,
          ...(stepId !== undefined ? { stepId } : {}),
          ...(hasItem ? { item: { value: o.hash.item as Json } } : {}),
          paramType: (name) => ctx.ir.parameters.find((p) => p.name === name)?.type,
        }),
      );
    },
    env: (...args) => {
      const { values, o } = opts(args);
      const step = stepOf(values[0]);
      if (!step) return misuse(o, 'takes a step');
      const shell = step.exec.kind === 'run' || o.hash?.shell === true;
      return stepEnv(ctx.ir, step, shell ? { scriptEnv: scriptEnvOf(step) } : {});
    },
    script: (...args) => {
      const { values, o } = opts(args);
      const step = stepOf(values[0]);
      if (!step) return misuse(o, 'takes a step');
      return escaping(o, () => stepScript(step).script);
    },
    locator: (...args) => {
      const { values, o } = opts(args);
      const secret = ctx.ir.secrets.find((s) => s.name === values[0]);
      if (!secret || !Object.hasOwn(secret.locators, ctx.targetId)) return misuse(o, `no ${ctx.targetId} locator for secret ${JSON.stringify(values[0])}`);
      return JSON.parse(JSON.stringify(secret.locators[ctx.targetId])) as Json;
    },
    refuse: (...args) => report(ctx, 'FLOWC804', args, here),
    warn: (...args) => report(ctx, 'FLOWC805', args, here),
    checkLimit: (...args) => {
      const { values, o } = opts(args);
      const limit = ctx.limits?.[values[0] as string];
      if (!limit || typeof values[1] !== 'number') return misuse(o, `takes a key of the front matter's limits and a number, got ${JSON.stringify(values[0])}`);
      const at = o.hash?.at;
      checkLimit({ diagnostics: ctx.diagnostics, limit, subject: typeof o.hash?.subject === 'string' ? o.hash.subject : String(values[0]), actual: values[1], span: isOrigin(at) ? { file: at.file, line: at.line, col: at.col } : here(o) });
      return '';
    },
    eq: (...args) => opts(args).values[0] === opts(args).values[1],
    ne: (...args) => opts(args).values[0] !== opts(args).values[1],
    and: (...args) => opts(args).values.every(Boolean),
    or: (...args) => opts(args).values.some(Boolean),
    not: (...args) => !opts(args).values[0],
    gt: (...args) => (opts(args).values[0] as number) > (opts(args).values[1] as number),
    concat: (...args) => opts(args).values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(''),
    length: (...args) => {
      const v = opts(args).values[0];
      return Array.isArray(v) || typeof v === 'string' ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : 0;
    },
    matches: (...args) => {
      const { values, o } = opts(args);
      if (typeof values[0] !== 'string' || typeof values[1] !== 'string') return misuse(o, 'takes a string and a regular expression');
      return new RegExp(values[1], 'u').test(values[0]);
    },
    hasItem: (...args) => {
      const v = opts(args).values[0];
      const strings = isIRString(v) ? [v] : Array.isArray(v) ? v.filter(isIRString) : [];
      return strings.some((s) => s.some((p) => p.kind === 'item'));
    },
    join: (...args) => {
      const { values, o } = opts(args);
      return Array.isArray(values[0]) && typeof values[1] === 'string' ? values[0].join(values[1]) : misuse(o, 'takes a list and a separator');
    },
  };
}

/**
 * The shell script a step runs: its `run` script, or its exec-form command as one shell command
 * line (for engines that only run shell text, such as Airflow's BashOperator). Either way run-time
 * values reach the shell as environment variables (src/ir/shell.ts), never as text: a command's
 * literal arguments are single-quoted, its run-time parts are `"${VAR}"`.
 */
function stepScript(step: IRStep): ShellScript {
  if (step.exec.kind === 'run') return shellScript(step.exec.script);
  const line: IRString = [];
  step.exec.argv.forEach((arg, i) => {
    if (i > 0) line.push({ kind: 'lit', value: ' ' });
    if (arg.length === 0) line.push({ kind: 'lit', value: "''" });
    for (const part of arg) {
      if (part.kind === 'lit') line.push({ kind: 'lit', value: shellQuote(part.value) });
      else line.push({ kind: 'lit', value: '"' }, part, { kind: 'lit', value: '"' });
    }
  });
  return shellScript(line);
}

/** The variables a step's script reads; a NUL in its text is reported by `script`, not here. */
function scriptEnvOf(step: IRStep): ShellScript['env'] {
  try {
    return stepScript(step).env;
  } catch (e) {
    if (e instanceof UnencodableText) return [];
    throw e;
  }
}

/** `{{refuse "message" at=step.origin}}`: an error (or warning) of the template's own, at the flow location given. */
function report(ctx: HelperContext, code: 'FLOWC804' | 'FLOWC805', args: unknown[], here: (o: Options) => Span): string {
  const o = args[args.length - 1] as Options;
  const message = args.slice(0, -1).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('');
  const at = o.hash?.at;
  ctx.diagnostics.report(code, `${ctx.targetId}: ${message}`, isOrigin(at) ? { file: at.file, line: at.line, col: at.col } : here(o));
  return '';
}
