import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, AnySchemaObject, Options, ValidateFunction } from 'ajv';
import { FLOW_VALIDATOR_IMPORTS } from '../flow/flowc-check.js';
import { generatedFactory } from './prebuilt.js';

/**
 * The draft-07 meta-schema that checks a user's config schema, generated at build time like
 * flowc's own validators. ajv compiles a meta-schema on its first use, and that compile was most
 * of a cold `flowc compile` of a flow with a config schema (issue 19); the user schema itself
 * still compiles at run time (it is user input). Other dialects (2019-09, 2020-12) are rare and
 * keep the runtime path.
 */
export const DRAFT_07_META_ID = 'http://json-schema.org/draft-07/schema';

const requireCjs = createRequire(import.meta.url);

/** Bump when the generated code changes without ajv's options or the meta-schema changing. */
const GENERATION = 1;

/**
 * The meta validator's key: ajv's options (they shape the code: allErrors, verbose, and useDefaults,
 * which makes the meta-schema fill its defaults into the schema it checks) and the meta-schema.
 */
export function configMetaKey(options: Options): string {
  const meta = requireCjs('ajv/dist/refs/json-schema-draft-07.json') as unknown;
  const text = `${GENERATION}\n${JSON.stringify(options)}\n${JSON.stringify(meta)}`;
  return `config-meta:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/** An ajv set up as for config schemas, to generate the meta validator from (src/validators/generate.ts). */
export function configMetaAjv(options: Options): Ajv {
  const { Ajv: AjvClass } = requireCjs('ajv') as { Ajv: new (options: Options) => Ajv };
  const ajv = new AjvClass({ ...options, code: { source: true } });
  (requireCjs('ajv-formats') as { default: (ajv: Ajv) => void }).default(ajv);
  return ajv;
}

const built = new Map<string, ValidateFunction | null>();

/**
 * The pre-built meta validator for this schema, or undefined when the runtime must check it as
 * before: a boolean schema, a `$schema` other than draft-07's own id (ajv looks other spellings up
 * by that exact id), or a dist built without the generated validators. It behaves as ajv's
 * `validateSchema` would (test/validators/config-meta.test.ts).
 */
export function prebuiltConfigMeta(schema: unknown, options: Options): ValidateFunction | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const declared = (schema as AnySchemaObject).$schema;
  if (declared !== undefined && (typeof declared !== 'string' || declared.replace(/#$/, '') !== DRAFT_07_META_ID)) return undefined;
  const key = configMetaKey(options);
  let validate = built.get(key);
  if (validate === undefined) {
    validate = generatedFactory(key)?.(FLOW_VALIDATOR_IMPORTS) ?? null;
    built.set(key, validate);
  }
  return validate ?? undefined;
}
