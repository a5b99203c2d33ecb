import { readFileSync } from 'node:fs';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import type { Code } from '../diagnostics/codes.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { didYouMean, suggestFlowName } from '../diagnostics/suggest.js';
import type { Span } from '../source/span.js';
import { toJson, type LMapEntry, type LNode } from '../source/tree.js';
import { validatorFor } from '../validators/prebuilt.js';
import { CHECK_CODES, type CheckKind } from './flowc-check.js';

/**
 * The flow's shape check (SPEC section 2): validates a located flow tree against
 * `schemas/flow.schema.json` with ajv and turns ajv's errors into one clear diagnostic per problem,
 * at the key or value it is about. Codes: FLOWC201 unknown field, FLOWC202 wrong type, FLOWC203
 * missing field, FLOWC204 invalid value, FLOWC205 format version; literal units, cron and timezones
 * are judged by their own parsers (FLOWC305..FLOWC310) and env names by FLOWC316.
 *
 * See docs/language.md.
 */

/** `schemas/flow.schema.json`, found relative to this module so it works from src/ and dist/. */
export const FLOW_SCHEMA_URL = new URL('../../schemas/flow.schema.json', import.meta.url);

export { FLOWC_CHECK_KINDS } from './flowc-check.js';

/** `schema` is what `validate` was compiled from (errors point into it); `file` the schema as written. */
let compiled: { validate: ValidateFunction; schema: AnySchemaObject; file: AnySchemaObject } | undefined;

/** The flow schema as JSON (read once). */
export function flowSchema(): AnySchemaObject {
  return compiledSchema().file;
}

// Compiled on first use, once per process (or generated at build time, src/validators/): most CLI
// commands that never read a flow (`flowc targets`, `--help`) should not pay for it.
function compiledSchema(): { validate: ValidateFunction; schema: AnySchemaObject; file: AnySchemaObject } {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(FLOW_SCHEMA_URL, 'utf8')) as AnySchemaObject;
    const checked = validatedFlowSchema(schema);
    compiled = { validate: validatorFor('flow', checked), schema: checked, file: schema };
  }
  return compiled;
}

/**
 * The schema lists each target's option keys (`propertyNames`) for editors, which have nothing
 * else to flag a misspelt option with. The compiler validates without those lists: the target
 * options check reports the same key with a did-you-mean (FLOWC601, FLOWC609 per step), so one
 * typo stays one diagnostic and the flow's other fields are still checked.
 */
export function validatedFlowSchema(schema: AnySchemaObject): AnySchemaObject {
  const copy = structuredClone(schema);
  const defs = copy.definitions as Record<string, { properties?: Record<string, { anyOf?: Record<string, unknown>[] }>; propertyNames?: Record<string, unknown>; $comment?: string }>;
  for (const block of [defs.targets, defs.stepTargets]) {
    for (const option of Object.values(block?.properties ?? {})) for (const branch of option.anyOf ?? []) delete branch.propertyNames;
  }
  for (const name of MARKED_DEFINITIONS) if (defs[name]) defs[name].$comment = `${MARK}${name}`;
  if (defs.envMap?.propertyNames) defs.envMap.propertyNames.$comment = `${MARK}envMap/propertyNames`;
  return copy;
}

/**
 * The definitions the error reduction tells apart. They are marked in the validated copy because a
 * validator generated at build time carries its own copy of the schema (errors' `parentSchema` are
 * not the objects of `root.definitions`) and errors from a `$ref`'d definition compiled on its
 * own have schema paths relative to it: a mark in the schema itself survives both.
 */
const MARKED_DEFINITIONS = ['interpolation', 'templated', 'configName', 'parameterName', 'stepId', 'secretName'];
const MARK = 'flowc-definition:';

/** The marked definition (or `envMap/propertyNames`) holding the keyword that failed. */
function definitionOf(e: ErrorObject): string | undefined {
  const mark = (e.parentSchema as { $comment?: unknown } | undefined)?.$comment;
  return typeof mark === 'string' && mark.startsWith(MARK) ? mark.slice(MARK.length) : undefined;
}

/**
 * True when the tree matches the flow schema once its unknown fields are taken out: then every
 * unknown field is only that (not a misspelt required key such as `nme:` or a retry's `limt:`),
 * and the rest of the flow can be read and checked in the same run.
 */
export function matchesWithoutUnknownFields(tree: LNode): boolean {
  const { validate } = compiledSchema();
  const data = toJson(tree);
  if (validate(data)) return true;
  const unknown = (validate.errors ?? []).filter((e) => e.keyword === 'additionalProperties');
  if (unknown.length === 0) return false;
  for (const e of unknown) {
    const at = e.instancePath === '' ? data : resolvePointer(data, e.instancePath);
    if (at !== null && typeof at === 'object' && !Array.isArray(at)) delete (at as Record<string, unknown>)[e.params.additionalProperty as string];
  }
  return validate(data);
}

function resolvePointer(data: unknown, pointer: string): unknown {
  let at = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

export interface ShapeCheckOptions {
  /**
   * The tree has been interpolated (the second pass): a wrong type now comes from a referenced
   * value, so it is reported as FLOWC508 and no longer offers "a ${...} interpolation".
   */
  resolved?: boolean;
  /**
   * Target aliases (alias -> id) from the target registry, so `targets: { sfn: ... }` suggests
   * `stepfunctions`. The flow layer does not import the registry; the pipeline passes this.
   */
  targetAliases?: Readonly<Record<string, string>>;
}

function asResolved(d: Described): Described {
  if (d.code !== 'FLOWC202') return d;
  const message = d.message.replace(/(, | or )a \$\{\.\.\.\} interpolation(?=, got )/, '');
  return { ...d, code: 'FLOWC508', message };
}

/**
 * Checks the flow's shape and reports every problem (at most one diagnostic per problem).
 * Returns true when the tree matches the flow schema.
 */
export function checkFlowShape(tree: LNode, diagnostics: DiagnosticBag, options: ShapeCheckOptions = {}): boolean {
  const { validate, schema } = compiledSchema();
  if (validate(toJson(tree))) return true;
  const problems = reduce(validate.errors ?? [], schema);
  const seen = new Set<string>();
  let reported = 0;
  // In file order, so the batch reads top to bottom whatever order ajv visited the schema in.
  const described = problems.map((e) => describe(e, tree, schema, options.targetAliases ?? {})).map((d) => (options.resolved ? asResolved(d) : d));
  described.sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.line - b.span.line || a.span.col - b.span.col));
  for (const d of described) {
    const key = `${d.code}|${d.span.line}:${d.span.col}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.report(d.code, d.message, d.span, d.notes);
    reported++;
  }
  // ajv said no, so something must be reported even if the reduction dropped it all (a bug).
  if (reported === 0) diagnostics.report('FLOWC900', 'the flow does not match the flow schema, but flowc could not say why (a bug in flowc)', tree.span);
  return false;
}

// ---------------------------------------------------------------- reducing ajv's errors

/** No branch of an `anyOf` took the value's type. */
interface WrongType {
  keyword: 'wrongType';
  instancePath: string;
  expected: string[];
  data: unknown;
}

type Problem = ErrorObject | WrongType;

function isWrongType(p: Problem): p is WrongType {
  return 'expected' in p;
}

/**
 * ajv reports every branch of an `anyOf` and a wrapper for each `propertyNames`: keep the one
 * error per location that says what is wrong.
 * - a `flowcCheck` verdict is the whole story for its location;
 * - an `anyOf` whose value matched a branch's type keeps that branch's own errors (deeper fields,
 *   unknown or missing keys, ranges) and drops the other branches' type mismatches;
 * - an `anyOf` where no branch took the value's type becomes one "expected A, B or C" problem;
 * - `propertyNames` wrappers go: the inner error names the key (`propertyName`).
 */
function reduce(errors: ErrorObject[], root: AnySchemaObject): Problem[] {
  const isDefinition = (e: ErrorObject, name: string): boolean => definitionOf(e) === name;
  // Errors about a value (not about one of its keys), grouped by location; and every location
  // that has an error further down. Both keep the reduction linear in the number of errors.
  const at = new Map<string, ErrorObject[]>();
  const hasDeeper = new Set<string>();
  for (const e of errors) {
    if (e.propertyName !== undefined) {
      hasDeeper.add(e.instancePath);
      continue;
    }
    const group = at.get(e.instancePath);
    if (group) group.push(e);
    else at.set(e.instancePath, [e]);
    for (let i = e.instancePath.lastIndexOf('/'); i >= 0; i = e.instancePath.lastIndexOf('/', i - 1)) {
      hasDeeper.add(e.instancePath.slice(0, i));
      if (i === 0) break;
    }
  }
  const here = (path: string): ErrorObject[] => at.get(path) ?? [];

  const dropped = new Set<ErrorObject>();
  const checked = new Set(errors.filter((e) => e.keyword === 'flowcCheck').map((e) => e.instancePath));
  for (const e of errors) if (e.keyword === 'propertyNames') dropped.add(e);
  for (const path of checked) for (const e of here(path)) if (e.keyword !== 'flowcCheck') dropped.add(e);

  const extra: Problem[] = [];
  for (const a of errors) {
    if (a.keyword !== 'anyOf') continue;
    dropped.add(a);
    if (checked.has(a.instancePath)) continue;
    const siblings = here(a.instancePath).filter((e) => e !== a);
    const ownErrors = siblings.filter((e) => e.keyword !== 'type' && !isDefinition(e, 'interpolation') && !isDefinition(e, 'templated'));
    for (const e of siblings) if (!ownErrors.includes(e)) dropped.add(e);
    if (!hasDeeper.has(a.instancePath) && ownErrors.length === 0) {
      extra.push({ keyword: 'wrongType', instancePath: a.instancePath, expected: branchNouns(a.schema, root), data: a.data });
    }
  }
  // A value of the wrong type also fails the enum/pattern beside the type: the type is the problem.
  for (const t of errors) {
    if (t.keyword !== 'type' || dropped.has(t) || t.propertyName !== undefined) continue;
    for (const e of here(t.instancePath)) if (e !== t && e.parentSchema === t.parentSchema) dropped.add(e);
  }
  // A misspelt required key (`stpes:`) is one problem, not an unknown field plus a missing one:
  // keep the unknown field, whose did-you-mean names the missing key.
  for (const r of errors) {
    if (r.keyword !== 'required' || r.propertyName !== undefined) continue;
    const misspelt = here(r.instancePath).some(
      (a) =>
        a.keyword === 'additionalProperties' &&
        !dropped.has(a) &&
        didYouMean(a.params.additionalProperty as string, allowedKeys(a)) === r.params.missingProperty,
    );
    if (misspelt) dropped.add(r);
  }
  const kept: Problem[] = errors.filter((e) => !dropped.has(e));
  return [...kept, ...extra];
}

/** The fields a map allows, for did-you-mean on an unknown one. */
function allowedKeys(e: ErrorObject): string[] {
  return Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
}

function resolveRef(s: AnySchemaObject, root: AnySchemaObject): AnySchemaObject {
  const ref = s.$ref as string | undefined;
  if (ref === undefined) return s;
  const name = ref.replace(/^#\/definitions\//, '');
  return (root.definitions as Record<string, AnySchemaObject>)[name] ?? s;
}

function branchNouns(branches: unknown, root: AnySchemaObject): string[] {
  if (!Array.isArray(branches)) return [];
  return branches.map((b) => schemaNoun(resolveRef(b as AnySchemaObject, root)));
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'null',
};

/** What a schema accepts, as a noun phrase ("a list of step ids"). */
function schemaNoun(s: AnySchemaObject): string {
  const title = s.title as string | undefined;
  if (title !== undefined) return /^(true|null)/.test(title) || /^a |^an /.test(title) ? title : withArticle(title);
  const t = s.type as string | string[] | undefined;
  if (Array.isArray(t)) return joinOr(t.map((x) => TYPE_NOUNS[x] ?? x));
  return t === undefined ? 'a value' : (TYPE_NOUNS[t] ?? t);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function joinOr(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

/** The value's kind, for "got ...". */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return `${v}`;
  return Number.isInteger(v) ? 'a whole number' : 'a number';
}

// ---------------------------------------------------------------- locating and wording

interface Described {
  code: Code;
  message: string;
  span: Span;
  notes?: string[];
}

interface Located {
  node: LNode;
  /** The map entry that holds the node, when it is a map value. */
  entry?: LMapEntry;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function locate(tree: LNode, pointer: string): Located {
  let here: Located = { node: tree };
  for (const seg of pointerSegments(pointer)) {
    const n = here.node;
    if (n.kind === 'map') {
      const entry = n.entries.find((e) => e.key === seg);
      if (!entry) break;
      here = { node: entry.value, entry };
    } else if (n.kind === 'seq') {
      const item = n.items[Number(seg)];
      if (!item) break;
      here = { node: item };
    } else break;
  }
  return here;
}

/** A JSON pointer as the user writes the field: `steps.train.command[2]`. */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const seg of pointerSegments(pointer)) {
    if (/^\d+$/.test(seg) && out !== '') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function startOf(span: Span): Span {
  return { file: span.file, line: span.line, col: span.col };
}

function prefixed(path: string, text: string): string {
  return path === '' ? text : `${path}: ${text}`;
}

const FLOW_NAME_PATTERN = '^[a-z][a-z0-9-]{0,51}$';
const NAME_RULES: Record<string, string> = {
  '^[a-z][a-z0-9-]{0,51}$': "lowercase letters, digits and '-', starting with a letter, at most 52 characters",
  '^[a-z][a-z0-9_]{0,39}$': "lowercase letters, digits and '_', starting with a letter, at most 40 characters",
  '^[a-z_][a-z0-9_]{0,39}$': "lowercase letters, digits and '_', starting with a letter or '_', at most 40 characters",
  '^[A-Za-z_][A-Za-z0-9_]*$': "letters, digits and '_', not starting with a digit",
  '^[A-Za-z_][A-Za-z0-9_]{0,63}$': "letters, digits and '_', not starting with a digit, at most 64 characters",
};

const TYPE_ALIASES: Record<string, string> = { int: 'integer', float: 'number', double: 'number', bool: 'boolean', str: 'string', text: 'string' };

function describe(e: Problem, tree: LNode, root: AnySchemaObject, targetAliases: Readonly<Record<string, string>>): Described {
  const path = fieldPath(e.instancePath);
  const at = locate(tree, e.instancePath);
  const valueSpan = at.node.span;
  if (isWrongType(e)) {
    const notes: string[] = [];
    if (typeof e.data === 'string' && e.data.includes('${')) {
      notes.push('only a string that is exactly one ${...} keeps the referenced value\'s type; this one has other text around it');
    }
    if (e.instancePath.endsWith('/command') && typeof e.data === 'string') notes.push('use run: for a shell script, or write the command as a list');
    return { code: 'FLOWC202', message: prefixed(path, `expected ${joinOr(e.expected)}, got ${kindOf(e.data)}`), span: valueSpan, notes };
  }
  if (e.instancePath === '/flowc') {
    const v = e.data;
    const message = typeof v === 'number' ? `unsupported flow format version ${v}; this flowc reads flowc: 1` : `flowc must be the format version 1, got ${kindOf(v)}`;
    return { code: 'FLOWC205', message, span: valueSpan };
  }
  if (e.propertyName !== undefined) return describeKey(e, e.propertyName, tree);
  const data = e.data;
  switch (e.keyword) {
    case 'flowcCheck': {
      const kind = e.params.kind as CheckKind;
      const note = e.params.note as string | undefined;
      return { code: CHECK_CODES[kind], message: prefixed(path, e.message ?? `invalid ${kind}`), span: valueSpan, notes: note ? [note] : [] };
    }
    case 'additionalProperties': {
      const key = e.params.additionalProperty as string;
      const entry = at.node.kind === 'map' ? at.node.entries.find((x) => x.key === key) : undefined;
      const allowed = allowedKeys(e);
      // Maps keyed by target id (targets:, a step's targets:, a secret's locators) take the CLI aliases' canonical ids.
      const alias = Object.hasOwn(targetAliases, key) && allowed.includes(targetAliases[key] as string) ? targetAliases[key] : undefined;
      const near = alias ?? didYouMean(key, allowed);
      const notes = near ? [`did you mean '${near}'?`] : allowed.length > 0 ? [`allowed fields: ${allowed.join(', ')}`] : [];
      return { code: 'FLOWC201', message: prefixed(path, `unknown field '${key}'`), span: entry?.keySpan ?? valueSpan, notes };
    }
    case 'required': {
      const missing = e.params.missingProperty as string;
      // At the key of the map that lacks the field (the whole map may be long); the top of the file
      // for a top-level field.
      const span = at.entry?.keySpan ?? startOf(valueSpan);
      const hint = e.instancePath === '' && missing === 'flowc' ? ['add flowc: 1 (the flow format version)'] : [];
      return { code: 'FLOWC203', message: prefixed(path, `missing required field '${missing}'`), span, notes: hint };
    }
    case 'type': {
      if (e.instancePath === '') {
        const message = data === null ? 'the flow file is empty' : `a flow file must be a map of fields (flowc, name, steps, ...), got ${kindOf(data)}`;
        return { code: 'FLOWC202', message, span: valueSpan };
      }
      const expected = schemaNoun((e.parentSchema ?? {}) as AnySchemaObject);
      return { code: 'FLOWC202', message: prefixed(path, `expected ${expected}, got ${kindOf(data)}`), span: valueSpan };
    }
    case 'enum': {
      const values = (e.params.allowedValues as unknown[]).map(String);
      const near = typeof data === 'string' ? (TYPE_ALIASES[data.toLowerCase()] ?? didYouMean(data, values)) : undefined;
      const got = typeof data === 'string' ? `'${data}'` : kindOf(data);
      return { code: 'FLOWC204', message: prefixed(path, `must be one of ${values.join(', ')}; got ${got}`), span: valueSpan, notes: near && values.includes(near) ? [`did you mean '${near}'?`] : [] };
    }
    case 'pattern': {
      const pattern = e.params.pattern as string;
      const rule = NAME_RULES[pattern] ?? `must match ${pattern}`;
      // A flow name typed in another case or with underscores: offer the valid spelling.
      const near = pattern === FLOW_NAME_PATTERN && typeof data === 'string' ? suggestFlowName(data) : undefined;
      return { code: 'FLOWC204', message: prefixed(path, `'${String(data)}' is not valid: ${rule}`), span: valueSpan, ...(near ? { notes: [`did you mean '${near}'?`] } : {}) };
    }
    case 'minimum':
      return { code: 'FLOWC204', message: prefixed(path, `must be at least ${String(e.params.limit)}, got ${String(data)}`), span: valueSpan };
    case 'exclusiveMinimum':
      return { code: 'FLOWC204', message: prefixed(path, `must be more than ${String(e.params.limit)}, got ${String(data)}`), span: valueSpan };
    case 'minItems':
    case 'minLength':
      return { code: 'FLOWC204', message: prefixed(path, 'must not be empty'), span: valueSpan };
    case 'minProperties': {
      const message = e.instancePath === '/steps' ? 'steps: a flow needs at least one step' : prefixed(path, 'must not be empty');
      return { code: 'FLOWC204', message, span: at.entry?.keySpan ?? valueSpan };
    }
    default:
      return { code: 'FLOWC204', message: prefixed(path, e.message ?? 'invalid value'), span: valueSpan };
  }
}

/** A problem with a map key (a step id, config or parameter name, env variable name). */
function describeKey(e: ErrorObject, key: string, tree: LNode): Described {
  const at = locate(tree, e.instancePath);
  const entry = at.node.kind === 'map' ? at.node.entries.find((x) => x.key === key) : undefined;
  const span = entry?.keySpan ?? at.node.span;
  const parent = definitionOf(e);
  const isEnv = parent === 'envMap/propertyNames';
  const what = isEnv
    ? 'environment variable name'
    : parent === 'configName'
      ? 'config name'
      : parent === 'parameterName'
        ? 'parameter name'
        : parent === 'stepId'
          ? 'step id'
          : parent === 'secretName'
            ? 'secret name'
            : 'name';
  const where = fieldPath(e.instancePath);
  if (e.keyword === 'not') {
    if (isEnv) {
      return { code: 'FLOWC316', message: prefixed(where, `environment variable name '${key}' is reserved: flowc sets FLOWC_* itself`), span };
    }
    const reserved = 'params, item, run, flow, step, steps, env and secrets are interpolation roots';
    return { code: 'FLOWC204', message: prefixed(where, `${what} '${key}' is reserved: ${reserved}`), span };
  }
  const pattern = e.params.pattern as string | undefined;
  const rule = pattern === undefined ? (e.message ?? 'invalid') : (NAME_RULES[pattern] ?? `must match ${pattern}`);
  return { code: isEnv ? 'FLOWC316' : 'FLOWC204', message: prefixed(where, `invalid ${what} '${key}': ${rule}`), span };
}
