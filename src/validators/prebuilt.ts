import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, AnySchemaObject, ValidateFunction } from 'ajv';
import { FLOW_VALIDATOR_IMPORTS } from '../flow/flowc-check.js';
import { VALIDATOR_KINDS, validatorKey, type ValidatorKind } from './kinds.js';

/**
 * Where the build step writes the generated validators. Relative to this module's folder's parent,
 * so it is the same file from src/ (tests) and from dist/ (the CLI).
 */
export const GENERATED_VALIDATORS_URL = new URL('../../dist/validators/generated.cjs', import.meta.url);

/** The folder of the same validators one per file (scripts/gen-validators.mjs). */
export const GENERATED_VALIDATOR_DIR_URL = new URL('../../dist/validators/generated/', import.meta.url);

/** The file of one generated validator in GENERATED_VALIDATOR_DIR_URL (a key is `<kind>:<hex>`). */
export function generatedFileName(key: string): string {
  return `${key.replace(/[^a-z0-9-]/g, '_')}.cjs`;
}

/** A generated validator is a factory: it gets the functions its keywords call (see flowc-check.ts). */
type Factory = (imports: typeof FLOW_VALIDATOR_IMPORTS) => ValidateFunction;

let generated: Record<string, Factory> | undefined;

// ajv itself is loaded only to compile: loading its compiler is a good part of a cold start, and a
// run that finds every validator generated (no user config schema) never needs it.
const requireCjs = createRequire(import.meta.url);

export function generatedFactories(): Record<string, Factory> {
  if (generated === undefined) {
    try {
      // CommonJS, so it loads synchronously: the checks that use it are synchronous.
      generated = requireCjs(fileURLToPath(GENERATED_VALIDATORS_URL)) as Record<string, Factory>;
    } catch (e) {
      // Not built (dist from plain `tsc`): every validator is compiled at run time instead.
      if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
      generated = {};
    }
  }
  return generated;
}

const factories = new Map<string, Factory | null>();

/**
 * Runs one generated file with its V8 code cache (`<file>.v8`, made by the build step) through the
 * bin's loader (bin/load-bundle.cjs, the same two folders up from src/ and dist/): compiling the
 * flow validator's code was a tenth of a cold compile. Without the loader, a plain require.
 */
let loadGenerated = (file: string): unknown => {
  let loader: { loadGenerated: (file: string) => unknown } | undefined;
  try {
    loader = requireCjs('../../bin/load-bundle.cjs') as typeof loader;
  } catch {
    loader = undefined;
  }
  loadGenerated = loader?.loadGenerated ?? requireCjs;
  return loadGenerated(file);
};

/**
 * The generated factory of one key: from its own file, else from the whole module (a dist built
 * before the files were split), else undefined (compile at run time).
 */
export function generatedFactory(key: string): Factory | undefined {
  let factory = factories.get(key);
  if (factory === undefined) {
    try {
      factory = loadGenerated(fileURLToPath(new URL(generatedFileName(key), GENERATED_VALIDATOR_DIR_URL))) as Factory;
    } catch (e) {
      if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND' && (e as { code?: string }).code !== 'ENOENT') throw e;
      factory = generatedFactories()[key] ?? null;
    }
    factories.set(key, factory);
  }
  return factory ?? undefined;
}

const instances = new Map<ValidatorKind, Ajv>();

/**
 * The validator for one of flowc's own schemas: the one generated at build time when it was built
 * from this very schema (ajv compilation is most of a cold start), else compiled now. Either way it
 * behaves the same (test/validators/generated.test.ts).
 */
export function validatorFor(kind: ValidatorKind, schema: AnySchemaObject): ValidateFunction {
  const factory = generatedFactory(validatorKey(kind, schema));
  if (factory !== undefined) return factory(FLOW_VALIDATOR_IMPORTS);
  return compileValidator(kind, schema);
}

/** Compiles at run time; one ajv instance per kind, since an instance's first compile pays its warm-up. */
export function compileValidator(kind: ValidatorKind, schema: AnySchemaObject): ValidateFunction {
  let ajv = instances.get(kind);
  if (ajv === undefined) {
    ajv = newAjv(kind);
    instances.set(kind, ajv);
  }
  return ajv.compile(schema);
}

export function newAjv(kind: ValidatorKind, extra: { source?: boolean } = {}): Ajv {
  const def: { options: object; setup?: (ajv: Ajv) => void } = VALIDATOR_KINDS[kind];
  const { Ajv: AjvClass } = requireCjs('ajv') as { Ajv: new (options: object) => Ajv };
  const ajv = new AjvClass({ ...def.options, ...(extra.source ? { code: { source: true } } : {}) });
  def.setup?.(ajv);
  return ajv;
}
