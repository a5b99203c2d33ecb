import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Limit } from '../targets/limits.js';
import { SourceText } from '../source/files.js';
import type { Span } from '../source/span.js';
import { type Json, type LMap, type LNode, toJson } from '../source/tree.js';
import { parseYamlTree } from '../source/yaml.js';
import type { RenderMapping } from './render-string.js';

/**
 * What a template declares about itself in its front matter: a YAML block between `---` lines at
 * the top of the file (docs/templates.md). It makes a user's template a target like any other:
 * an id, the file it writes, an options schema, per-step options, how it reads secrets, how it
 * writes typed strings, and the engine's limits.
 */
export interface TemplateMeta {
  name: string;
  aliases: string[];
  description: string;
  engine: string;
  /** The output file is `<flow name><suffix>` (`.airflow.py`). */
  suffix: string;
  options: object | null;
  perStepOptions: string[];
  /** `kubernetes`: a `{ name, key }` Kubernetes Secret reference per secret, checked as for argo. */
  secrets: 'kubernetes' | null;
  /** True when the template renders step outputs (`output` parts, `IRForeach.from`). */
  stepOutputs: boolean;
  render: RenderMapping;
  /** Limits the wrapper checks (flowName, stepId) and that caps retry waits (retryDelay). */
  limits: Record<string, Limit> | null;
  /** Where `name` is written, for diagnostics about the name. */
  nameSpan: Span;
}

export interface SplitTemplate {
  meta: TemplateMeta;
  /** The Handlebars body, with the front matter's lines left blank so line numbers match the file. */
  body: string;
  /** How many of the body's leading line breaks stand for the front matter (taken off the output). */
  headLines: number;
}

const NAME = /^[a-z][a-z0-9-]*$/;
const PART_KEYS = ['param', 'run', 'flow', 'step', 'item', 'output'] as const;
const LIMIT_UNITS = ['characters', 'items', 'tasks', 'seconds', 'bytes'];

/**
 * Splits a template into front matter and body and checks the front matter (FLOWC800, at the key
 * or value that is wrong). Returns undefined when the front matter is missing or invalid.
 */
export function splitTemplate(file: string, text: string, diagnostics: DiagnosticBag): SplitTemplate | undefined {
  const start = /^---[ \t]*\r?\n/.exec(text);
  const end = start ? /^---[ \t]*(\r?\n|$)/m.exec(text.slice(start[0].length)) : null;
  if (!start || !end) {
    diagnostics.report('FLOWC800', 'a template starts with front matter: a YAML block between two --- lines (name, suffix, ...)', { file, line: 1, col: 1 }, ['see docs/templates.md']);
    return undefined;
  }
  const fmEnd = start[0].length + end.index;
  const src = new SourceText(file, text.slice(0, fmEnd));
  const before = diagnostics.items.length;
  const tree = parseYamlTree(src, diagnostics);
  if (tree === undefined) {
    for (const d of diagnostics.items.slice(before)) if (d.severity === 'error') d.code = 'FLOWC800';
    return undefined;
  }
  const meta = readMeta(tree, { file, diagnostics });
  if (!meta) return undefined;
  const head = text.slice(0, fmEnd + end[0].length);
  const blank = head.replace(/[^\n]/g, '');
  return { meta, body: blank + text.slice(head.length), headLines: blank.length };
}

interface Ctx {
  file: string;
  diagnostics: DiagnosticBag;
}

function fail(ctx: Ctx, span: Span, message: string): undefined {
  ctx.diagnostics.report('FLOWC800', `template front matter: ${message}`, span, ['see docs/templates.md']);
  return undefined;
}

function readMeta(tree: LNode, ctx: Ctx): TemplateMeta | undefined {
  if (tree.kind !== 'map') return fail(ctx, tree.span, 'expected a map of fields (name, suffix, ...)');
  const known = ['name', 'aliases', 'description', 'engine', 'suffix', 'options', 'perStepOptions', 'secrets', 'stepOutputs', 'render', 'limits'];
  const errors = ctx.diagnostics.items.length;
  for (const e of tree.entries) if (!known.includes(e.key)) fail(ctx, e.keySpan, `unknown field '${e.key}'; known: ${known.join(', ')}`);
  const get = (k: string): LNode | undefined => tree.entries.find((e) => e.key === k)?.value;
  const str = (k: string, required: boolean, test?: (s: string) => string | undefined): string | undefined => {
    const n = get(k);
    if (n === undefined) return required ? fail(ctx, tree.span, `'${k}' is required`) : undefined;
    if (n.kind !== 'scalar' || typeof n.value !== 'string') return fail(ctx, n.span, `'${k}' must be a string`);
    const problem = test?.(n.value);
    return problem ? fail(ctx, n.span, `'${k}' ${problem}`) : n.value;
  };
  const strings = (k: string): string[] => {
    const n = get(k);
    if (n === undefined) return [];
    const v = toJson(n);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return fail(ctx, n.span, `'${k}' must be a list of strings`) ?? [];
    return v as string[];
  };
  const name = str('name', true, (s) => (NAME.test(s) ? undefined : 'must be lower-case letters, digits and -, starting with a letter'));
  const aliases = strings('aliases');
  const description = str('description', false) ?? '';
  const engine = str('engine', false);
  const suffix = str('suffix', true, (s) => (/^\.[A-Za-z0-9._-]+$/.test(s) ? undefined : "must be a file suffix such as '.airflow.py'"));
  const optionsNode = get('options');
  const options = optionsNode === undefined ? null : optionsNode.kind === 'map' ? (toJson(optionsNode) as object) : (fail(ctx, optionsNode.span, "'options' must be a JSON Schema (a map)") ?? null);
  const perStepOptions = strings('perStepOptions');
  const secretsNode = get('secrets');
  let secrets: 'kubernetes' | null = null;
  if (secretsNode !== undefined) {
    if (secretsNode.kind === 'scalar' && secretsNode.value === 'kubernetes') secrets = 'kubernetes';
    else fail(ctx, secretsNode.span, "'secrets' must be 'kubernetes' (a { name, key } Kubernetes Secret reference per secret)");
  }
  const so = get('stepOutputs');
  if (so !== undefined && (so.kind !== 'scalar' || typeof so.value !== 'boolean')) fail(ctx, so.span, "'stepOutputs' must be true or false");
  const render = readRender(get('render'), ctx);
  const limits = readLimits(get('limits'), ctx);
  if (ctx.diagnostics.items.length > errors || name === undefined || suffix === undefined || render === undefined || limits === undefined) return undefined;
  return {
    name,
    aliases,
    description,
    engine: engine ?? name,
    suffix,
    options,
    perStepOptions,
    secrets,
    stepOutputs: so?.kind === 'scalar' && so.value === true,
    render,
    limits,
    nameSpan: get('name')?.span ?? tree.span,
  };
}

function readRender(n: LNode | undefined, ctx: Ctx): RenderMapping | undefined {
  if (n === undefined) return { literal: 'raw' };
  if (n.kind !== 'map') return fail(ctx, n.span, "'render' must be a map (literal, param, run, ...)");
  const out: RenderMapping = { literal: 'raw' };
  for (const e of (n as LMap).entries) {
    const v = toJson(e.value);
    if (e.key === 'literal') {
      if (v === 'raw' || v === 'jinja') out.literal = v;
      else fail(ctx, e.value.span, "'render.literal' must be raw or jinja");
    } else if ((PART_KEYS as readonly string[]).includes(e.key)) {
      if (typeof v === 'string') out[e.key as (typeof PART_KEYS)[number]] = v;
      else fail(ctx, e.value.span, `'render.${e.key}' must be a string pattern`);
    } else if (e.key === 'paramByType') {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.entries(v).every(([k, x]) => ['string', 'number', 'integer', 'boolean'].includes(k) && typeof x === 'string')) {
        out.paramByType = v as RenderMapping['paramByType'] & object;
      } else fail(ctx, e.value.span, "'render.paramByType' maps string, number, integer or boolean to a pattern");
    } else fail(ctx, e.keySpan, `unknown field 'render.${e.key}'; known: literal, paramByType, ${PART_KEYS.join(', ')}`);
  }
  return out;
}

function readLimits(n: LNode | undefined, ctx: Ctx): Record<string, Limit> | null | undefined {
  if (n === undefined) return null;
  if (n.kind !== 'map') return fail(ctx, n.span, "'limits' must be a map of limits");
  const out: Record<string, Limit> = {};
  for (const e of n.entries) {
    const v = toJson(e.value) as { [k: string]: Json };
    const ok =
      v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.title === 'string' && typeof v.value === 'number' && v.value > 0 &&
      typeof v.unit === 'string' && LIMIT_UNITS.includes(v.unit) && typeof v.doc === 'string' && /^https:\/\/\S+$/.test(v.doc);
    if (!ok) {
      fail(ctx, e.value.span, `limit '${e.key}' needs title, a positive value, unit (${LIMIT_UNITS.join(', ')}) and doc (an https link)`);
      continue;
    }
    out[e.key] = { title: v.title as string, value: v.value as number, unit: v.unit as Limit['unit'], doc: v.doc as string };
  }
  if (out.retryDelay === undefined) return fail(ctx, n.span, "'limits' needs retryDelay (the longest single retry wait, in seconds)");
  return out;
}
