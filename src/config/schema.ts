import type { Ajv, AnySchemaObject, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { PathGuard } from './path-guard.js';
import type { SourceRegistry } from '../source/files.js';
import { loadTree } from '../source/load-tree.js';
import { setOwn } from '../source/own-keys.js';
import type { Span } from '../source/span.js';
import { toJson as lToJson, type Json, type LNode } from '../source/tree.js';
import type { PMap, PNode } from './ptree.js';
import { applyDefaults } from './schema-defaults.js';
import { describeError } from './schema-errors.js';
import { unescapePointer } from './schema-walk.js';
import { loadAjvModule, type AjvModuleId } from '../validators/ajv-modules.js';
import { prebuiltConfigMeta } from '../validators/config-meta.js';
import { type CachedValidatorImports, loadCachedValidator, schemaCacheDir, schemaCacheKey, storeCachedValidator } from '../validators/schema-cache.js';

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

/**
 * The dialects a config schema may be written in, chosen by its `$schema` (none means draft-07,
 * the dialect most editors and generators still write).
 */
const DIALECTS: { ids: string[]; make: (extra?: Options) => AnyAjv; label: string }[] = [
  { ids: ['http://json-schema.org/draft-07/schema'], make: (extra) => new (load('ajv') as typeof Ajv)({ ...AJV_OPTIONS, ...extra }), label: 'draft-07' },
  { ids: ['https://json-schema.org/draft/2019-09/schema'], make: (extra) => new (load('ajv/dist/2019.js') as typeof Ajv2019)({ ...AJV_OPTIONS, ...extra }), label: '2019-09' },
  { ids: ['https://json-schema.org/draft/2020-12/schema'], make: (extra) => new (load('ajv/dist/2020.js') as typeof Ajv2020)({ ...AJV_OPTIONS, ...extra }), label: '2020-12' },
];

// The 2019-09 and 2020-12 builds of ajv are separate module trees; most configs use draft-07, so
// load the others only when a schema asks for them (each costs start-up time). ajv itself too: a
// flow without a config schema never loads it (flowc's own validators are generated at build time).
function load(id: AjvModuleId): unknown {
  return (loadAjvModule(id) as { default: unknown }).default;
}

/**
 * allErrors: every problem at once (SPEC §4). useDefaults: schema defaults fill missing keys.
 * verbose: errors carry their schema, for did-you-mean over declared properties. strict off:
 * hand-written schemas often carry annotations ajv does not know (`x-...`, `examples` in odd
 * places) and those must not break a compile; the meta-schema still checks the schema itself.
 * ownProperties: `required: [constructor]` and `properties: {__proto__: ...}` test the config's own
 * keys, never what a JavaScript prototype provides (the data is built without one, see `bareJson`).
 */
const AJV_OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strict: false, ownProperties: true } as const;

/** The same options, for the build step that generates the draft-07 meta validator (src/validators/config-meta.ts). */
export const CONFIG_SCHEMA_AJV_OPTIONS: Options = AJV_OPTIONS;

// ajv-formats is CommonJS; its function is both module.exports and .default.
const addFormats = (ajv: AnyAjv): void => {
  (load('ajv-formats') as typeof addFormatsModule.default)(ajv as Ajv);
};

export interface ValidateConfigOptions {
  /** The config's name, for messages. */
  name: string;
  schema: { path: string; span: Span };
  root: PMap;
  sources: SourceRegistry;
  diagnostics: DiagnosticBag;
  /** Where to point when an error's value has no location of its own (the first file, or the name). */
  fallbackSpan: Span;
  /** Refuses a schema outside the project root (FLOWC017). */
  guard?: PathGuard;
  /** Receives the JSON pointer of every value the schema marks `secret: true` (docs/security.md). */
  onSecret?: (pointer: string) => void;
}

/**
 * `secret: true` in a config schema marks a value flowc must never write (SPEC section 8): ajv
 * reports every value it reaches through `properties`, `items`, `$ref` and the rest to the
 * collector of the validation under way (validation is synchronous, so one slot is enough).
 */
let secretCollector: ((pointer: string) => void) | undefined;

/**
 * Validates one resolved config against its JSON Schema (SPEC §4): the schema (JSON or YAML) must
 * be valid (FLOWC413, at the offending schema node); defaults from the schema fill missing keys and
 * are recorded with a `schema-default` origin; each validation error is FLOWC412 at the place that
 * set the offending value (for a missing key, the place that set the map it belongs in).
 * Returns the tree with defaults applied, or undefined when it reported.
 */
export function validateConfig(options: ValidateConfigOptions): PMap | undefined {
  const { diagnostics, schema } = options;
  if (options.guard && !options.guard.allows(schema.path, 'config schema', schema.span)) return undefined;
  const tree = loadTree(schema.path, { sources: options.sources, diagnostics, span: schema.span, what: 'config schema' });
  if (tree === undefined) return undefined;
  // The schema's checks and compile depend on its text alone: a build's units share them.
  const compiled = options.sources.derive(compileSchema, tree, diagnostics, { frozen: false });
  if (compiled === undefined) return undefined;

  const data = bareData(options.root);
  let valid: boolean;
  const secretPointers: string[] = [];
  try {
    secretCollector = (p) => {
      secretPointers.push(p);
      options.onSecret?.(p);
    };
    valid = compiled.validate(data) as boolean;
  } catch (e) {
    // fast-deep-equal calls a map's own `valueOf`/`toString` keys as functions.
    diagnostics.report('FLOWC412', `config ${options.name} could not be checked against its schema: ${(e as Error).message}`, options.fallbackSpan, [
      'a map with a key named valueOf or toString cannot be compared by const, enum or uniqueItems',
    ]);
    return undefined;
  } finally {
    secretCollector = undefined;
  }
  const root = applyDefaults({ root: options.root, data, schema: compiled.schema, schemaPath: schema.path });
  if (valid) return root;
  const seen = new Set<string>();
  for (const err of compiled.validate.errors ?? []) {
    const problem = describeError({ error: err, root, context: options, hide: (p) => secretPointers.some((s) => p === s || p.startsWith(`${s}/`)) });
    const key = `${problem.message}\u0000${JSON.stringify(problem.span ?? null)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.report('FLOWC412', problem.message, problem.span, problem.notes);
  }
  return undefined;
}

/** Schemas that compiled, by dialect and content; only valid ones, so every error still reports. */
const compiledSchemas = new Map<string, ValidateFunction>();
const COMPILED_SCHEMAS_MAX = 64;

/** Forgets the schemas compiled in this process, as a new process would (tests of the cache). */
export function forgetCompiledSchemas(): void {
  compiledSchemas.clear();
}

/** Undefined when the schema itself is wrong (reported). The result is used read-only: units share it. */
function compileSchema(tree: LNode, diagnostics: DiagnosticBag): { validate: ValidateFunction; schema: Json } | undefined {
  const schema = lToJson(tree);
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
    diagnostics.report('FLOWC413', 'a JSON Schema must be an object (or true/false)', tree.span);
    return undefined;
  }
  const declared = typeof schema === 'object' ? schema.$schema : undefined;
  const id = typeof declared === 'string' ? declared.replace(/#$/, '') : undefined;
  const dialect = id === undefined ? DIALECTS[0] : DIALECTS.find((d) => d.ids.includes(id) || d.ids.includes(id.replace(/^http:/, 'https:')) || d.ids.includes(id.replace(/^https:/, 'http:')));
  if (dialect === undefined) {
    const at = tree.kind === 'map' ? tree.entries.find((e) => e.key === '$schema')?.value.span : undefined;
    diagnostics.report('FLOWC413', `unsupported $schema ${JSON.stringify(declared)}`, at ?? tree.span, [
      `supported: ${DIALECTS.map((d) => `${d.ids[0]} (${d.label})`).join(', ')}; none means draft-07`,
    ]);
    return undefined;
  }
  // A build compiles the same schema for every variant: ajv's compile is most of a variant's
  // time, so a schema that compiled once is reused (keyed by its dialect and exact content).
  const key = `${dialect.label}\u0000${JSON.stringify(schema)}`;
  const cached = compiledSchemas.get(key);
  if (cached !== undefined) return { validate: cached, schema };
  // A draft-07 schema compiled in an earlier process is loaded from the user's cache instead
  // (src/validators/schema-cache.ts), keyed by its text before the meta-schema fills defaults in.
  const cacheKey = dialect === DIALECTS[0] && schemaCacheDir() !== undefined ? schemaCacheKey(dialect.label, AJV_OPTIONS, key) : undefined;
  // The meta-schema check, pre-built for draft-07: ajv's own would compile the meta-schema first,
  // and then check the schema again inside compile (validateSchema: false skips that repeat).
  const meta = dialect === DIALECTS[0] ? prebuiltConfigMeta(schema, AJV_OPTIONS) : undefined;
  let ajv: AnyAjv | undefined;
  const makeAjv = (): AnyAjv => {
    ajv = dialect.make({ ...(meta ? { validateSchema: false } : {}), ...(cacheKey !== undefined ? { code: { source: true } } : {}) });
    addFormats(ajv);
    addSecretKeyword(ajv);
    return ajv;
  };
  const metaValid = meta ? (meta(schema) as boolean) : makeAjv().validateSchema(schema as AnySchemaObject);
  if (!metaValid) {
    // The meta-schema says one thing several ways (enum, then "must be array", then "anyOf");
    // one diagnostic per schema node, from its most specific error, reads best.
    const byPath = new Map<string, ErrorObject>();
    for (const err of (meta ? meta.errors : ajv?.errors) ?? []) {
      const known = byPath.get(err.instancePath);
      if (known === undefined || (isCombinator(known) && !isCombinator(err))) byPath.set(err.instancePath, err);
    }
    for (const err of byPath.values()) {
      const at = nodeAtPointer(tree, err.instancePath);
      const allowed = err.keyword === 'enum' && Array.isArray(err.params.allowedValues) ? [`allowed: ${err.params.allowedValues.join(', ')}`] : [];
      diagnostics.report('FLOWC413', `invalid schema: ${err.instancePath === '' ? 'the schema' : `#${err.instancePath}`} ${err.message ?? 'is invalid'}`, at.span, allowed);
    }
    return undefined;
  }
  const fromCache = cacheKey === undefined ? undefined : loadCachedValidator(cacheKey, CACHE_IMPORTS);
  if (fromCache !== undefined) return remember(key, fromCache, schema);
  const compiler = ajv ?? makeAjv();
  let validate: ValidateFunction;
  try {
    validate = compiler.compile(bareComparedValues(schema) as AnySchemaObject);
  } catch (e) {
    diagnostics.report('FLOWC413', `invalid schema: ${(e as Error).message}`, tree.span);
    return undefined;
  }
  if (cacheKey !== undefined) {
    const code = cacheableCode(compiler, validate);
    if (code !== undefined) storeCachedValidator(cacheKey, code);
  }
  return remember(key, validate, schema);
}

function remember(key: string, validate: ValidateFunction, schema: Json): { validate: ValidateFunction; schema: Json } {
  if (compiledSchemas.size >= COMPILED_SCHEMAS_MAX) compiledSchemas.delete(compiledSchemas.keys().next().value as string);
  compiledSchemas.set(key, validate);
  return { validate, schema };
}

const reportSecret = (instancePath: string): void => secretCollector?.(instancePath);

/** What a validator loaded from the cache calls (see addSecretKeyword and cacheableCode). */
const CACHE_IMPORTS: CachedValidatorImports = { secret: reportSecret, bare: (schema) => bareComparedValues(schema as Json) };

/**
 * `secret: true` reports the value's instance path to the validation under way. A code keyword
 * (not a closure) so a compiled schema can be cached as standalone code, which reaches the
 * collector through `imports.secret`.
 */
function addSecretKeyword(ajv: AnyAjv): void {
  const { _, str, Name } = loadAjvModule('ajv') as typeof import('ajv');
  const instancePath = new Name('instancePath');
  ajv.addKeyword({
    keyword: 'secret',
    schemaType: 'boolean',
    metaSchema: { type: 'boolean' },
    code(cxt) {
      if (cxt.schema !== true) return;
      const report = cxt.gen.scopeValue('func', { ref: reportSecret, code: _`imports.secret` });
      cxt.gen.code(_`${report}(${str`${instancePath}${cxt.it.errorPath}`})`);
    },
  });
}

/**
 * ajv's standalone code of a compiled schema, or undefined when it cannot be made. ajv writes each
 * schema object it refers to as a JSON literal, which would give `const` and `enum` values a
 * prototype again: the code rebuilds them with `imports.bare` as the compile saw them.
 */
function cacheableCode(ajv: AnyAjv, validate: ValidateFunction): string | undefined {
  const { _, stringify } = loadAjvModule('ajv') as typeof import('ajv');
  const schemas = (ajv.scope as unknown as { _values?: Record<string, unknown> })._values?.schema;
  if (!(schemas instanceof Map)) return undefined;
  try {
    for (const name of schemas.values() as Iterable<{ value?: { ref: unknown; code?: unknown } }>) {
      if (name.value === undefined) return undefined;
      name.value.code = _`imports.bare(${stringify(name.value.ref)})`;
    }
    const standalone = loadAjvModule('ajv/dist/standalone/index.js') as { default: (ajv: AnyAjv, validate: ValidateFunction) => string };
    return standalone.default(ajv, validate);
  } catch {
    // A schema ajv cannot write standalone (it says why): compiled in every process instead.
    return undefined;
  }
}

/**
 * The config as objects without a prototype: ajv's generated code reads `data["constructor"]` and
 * assigns defaults with `data[key] = ...`, which on a plain object would find `Object` or set the
 * prototype instead of a key.
 */
export function bareJson(value: Json): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(bareJson);
  const out = Object.create(null) as { [key: string]: Json };
  for (const [k, v] of Object.entries(value)) out[k] = bareJson(v);
  // ajv compares objects (const, enum, uniqueItems) with fast-deep-equal, which calls `valueOf`
  // and `toString` unless they are Object.prototype's: give it those, hidden from every key listing.
  for (const m of ['valueOf', 'toString'] as const) {
    if (!Object.hasOwn(out, m)) Object.defineProperty(out, m, { value: Object.prototype[m], enumerable: false });
  }
  return out;
}

/** `bareJson(toJson(node))` in one pass: every unit's config is validated, so no plain copy first (exported for its test). */
export function bareData(node: PNode): Json {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(bareData);
  const out = Object.create(null) as { [key: string]: Json };
  for (const [k, v] of node.entries) out[k] = bareData(v);
  for (const m of ['valueOf', 'toString'] as const) {
    if (!Object.hasOwn(out, m)) Object.defineProperty(out, m, { value: Object.prototype[m], enumerable: false });
  }
  return out;
}

/**
 * The schema with its `const` and `enum` values as `bareJson` objects: fast-deep-equal treats
 * objects with different prototypes as different, so the values a config is compared with must be
 * built like the config.
 */
function bareComparedValues(schema: Json): Json {
  if (schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map(bareComparedValues);
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) {
    setOwn(out, k, k === 'const' ? bareJson(v) : k === 'enum' && Array.isArray(v) ? v.map(bareJson) : bareComparedValues(v));
  }
  return out;
}

function isCombinator(err: ErrorObject): boolean {
  return err.keyword === 'anyOf' || err.keyword === 'oneOf' || err.keyword === 'allOf';
}

/** The deepest schema node a JSON pointer reaches (schema errors point at it). */
function nodeAtPointer(tree: LNode, pointer: string): LNode {
  let node = tree;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    const next = node.kind === 'map' ? node.entries.find((e) => e.key === seg)?.value : node.kind === 'seq' ? node.items[Number(seg)] : undefined;
    if (next === undefined) break;
    node = next;
  }
  return node;
}
