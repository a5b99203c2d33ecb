import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_AJV_OPTIONS } from '../../src/config/schema.js';
import { FLOW_VALIDATOR_IMPORTS } from '../../src/flow/flowc-check.js';
import { configMetaKey, prebuiltConfigMeta } from '../../src/validators/config-meta.js';
import { generateValidatorsModule } from '../../src/validators/generate.js';
import { GENERATED_VALIDATORS_URL } from '../../src/validators/prebuilt.js';

const root = resolve(import.meta.dirname, '../..');
const generatedFile = fileURLToPath(GENERATED_VALIDATORS_URL);
const requireCjs = createRequire(import.meta.url);

function load(text: string): Record<string, (imports: typeof FLOW_VALIDATOR_IMPORTS) => ValidateFunction> {
  const module = { exports: {} as Record<string, (imports: typeof FLOW_VALIDATOR_IMPORTS) => ValidateFunction> };
  new Function('module', 'exports', 'require', text)(module, module.exports, createRequire(generatedFile));
  return module.exports;
}

/** An ajv as src/config/schema.ts makes one for a draft-07 config schema, before this change. */
function runtimeAjv(): Ajv {
  const { Ajv: AjvClass } = requireCjs('ajv') as { Ajv: new (o: object) => Ajv };
  const ajv = new AjvClass(CONFIG_SCHEMA_AJV_OPTIONS);
  (requireCjs('ajv-formats') as { default: (a: Ajv) => void }).default(ajv);
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean', metaSchema: { type: 'boolean' }, validate: () => true });
  return ajv;
}

function schemaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) out.push(...schemaFiles(file));
    else if (/\.schema\.(json|ya?ml)$/.test(name)) out.push(file);
  }
  return out;
}

/** The repository's config schemas, plus copies broken in the ways the meta-schema catches. */
function corpus(): Record<string, unknown>[] {
  const schemas: Record<string, unknown>[] = [];
  for (const file of [...schemaFiles(join(root, 'fixtures')), ...schemaFiles(join(root, 'examples'))]) {
    const data = parse(readFileSync(file, 'utf8')) as unknown;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) continue;
    schemas.push(data as Record<string, unknown>);
    schemas.push({ ...data, type: 'objekt', required: 'name', properties: { a: { minimum: 'x', pattern: '(', enum: [] } }, $id: 7, additionalProperties: 3 });
  }
  schemas.push({}, { $schema: 'http://json-schema.org/draft-07/schema#', properties: { x: { type: ['string', 'bogus'], default: 1 }, y: { items: [{ format: 1 }] } } });
  return schemas;
}

describe('the draft-07 meta-schema of config schemas, generated at build time (src/validators/config-meta.ts)', () => {
  const generated = load(generateValidatorsModule());

  it('gives the verdicts, errors and filled-in defaults of ajv.validateSchema', () => {
    const fromBuild = generated[configMetaKey(CONFIG_SCHEMA_AJV_OPTIONS)]!(FLOW_VALIDATOR_IMPORTS);
    const schemas = corpus();
    expect(schemas.length).toBeGreaterThan(8);
    let failing = 0;
    for (const schema of schemas) {
      const a = structuredClone(schema);
      const b = structuredClone(schema);
      const ajv = runtimeAjv();
      const validA = fromBuild(a) as boolean;
      const validB = ajv.validateSchema(b) as boolean;
      expect({ valid: validA, errors: structuredClone(fromBuild.errors ?? null), schema: a }, JSON.stringify(schema).slice(0, 200)).toEqual({
        valid: validB,
        errors: structuredClone(ajv.errors ?? null),
        schema: b,
      });
      if (!validA) failing++;
    }
    expect(failing).toBeGreaterThan(schemas.length / 3);
  });

  it('is what a draft-07 schema is checked with, and never another dialect or spelling', () => {
    expect(prebuiltConfigMeta({ type: 'object' }, CONFIG_SCHEMA_AJV_OPTIONS)).toBeTypeOf('function');
    expect('schemaEnv' in prebuiltConfigMeta({ type: 'object' }, CONFIG_SCHEMA_AJV_OPTIONS)!).toBe(false);
    expect(prebuiltConfigMeta({ $schema: 'http://json-schema.org/draft-07/schema#' }, CONFIG_SCHEMA_AJV_OPTIONS)).toBeTypeOf('function');
    expect(prebuiltConfigMeta({ $schema: 'http://json-schema.org/draft-07/schema' }, CONFIG_SCHEMA_AJV_OPTIONS)).toBeTypeOf('function');
    for (const other of ['https://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2020-12/schema', 7]) {
      expect(prebuiltConfigMeta({ $schema: other }, CONFIG_SCHEMA_AJV_OPTIONS), String(other)).toBeUndefined();
    }
    expect(prebuiltConfigMeta(true, CONFIG_SCHEMA_AJV_OPTIONS)).toBeUndefined();
    expect(prebuiltConfigMeta({}, { ...CONFIG_SCHEMA_AJV_OPTIONS, allErrors: false })).toBeUndefined();
  });
});
