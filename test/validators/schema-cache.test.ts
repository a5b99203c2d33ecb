import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetCompiledSchemas } from '../../src/config/schema.js';
import { defaultSchemaCacheDir, schemaCacheStats, setSchemaCacheDir } from '../../src/validators/schema-cache.js';
import { decl, run, tmpTree } from '../config/helpers.js';

// The cache of compiled config schemas (src/validators/schema-cache.ts) against the slow path: the
// same schema and config give the same diagnostics, the same default-filled config and the same
// secret pointers whether the schema is compiled (cache off), compiled and stored, or loaded.

const SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['train'],
  additionalProperties: false,
  properties: {
    train: {
      type: 'object',
      required: ['cpu'],
      additionalProperties: false,
      properties: {
        cpu: { type: 'integer', minimum: 1, maximum: 64 },
        mem: { type: 'string', pattern: '^[0-9]+(Mi|Gi)$' },
        gpu: { type: 'integer', default: 0 },
        opts: { type: 'object', default: { lr: 0.1, sched: { kind: 'cosine' } }, properties: { lr: { type: 'number', exclusiveMinimum: 0 } } },
      },
    },
    // Objects compared by const and enum: the cached code must compare them as the compile did.
    mode: { const: { kind: 'fast', level: 1 } },
    preset: { enum: [{ name: 'a' }, { name: 'b', n: [1, 2] }, 'plain'] },
    regions: { type: 'array', items: { type: 'string', enum: ['eu', 'us', 'ap'] }, uniqueItems: true, minItems: 1 },
    owner: { $ref: '#/definitions/email' },
    since: { type: 'string', format: 'date' },
    home: { type: 'string', format: 'uri' },
    token: { type: 'string', secret: true, minLength: 8 },
    db: { anyOf: [{ type: 'string', secret: true }, { type: 'object', properties: { password: { type: 'string', secret: true } } }] },
    labels: { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: { type: 'integer' } },
    kind: { type: 'string', enum: ['batch', 'stream'], default: 'batch' },
    window: { type: 'integer' },
  },
  if: { required: ['kind'], properties: { kind: { const: 'stream' } } },
  then: { required: ['window'] },
  definitions: { email: { type: 'string', format: 'email' } },
};

const CONFIGS = [
  'train: { cpu: 4, mem: 2Gi }\nregions: [eu, us]\n',
  'train: { cpu: 0, mem: 2GB, cpux: 1 }\nregions: [eu, eu, mars]\nowner: nobody\nsince: 2024-13-01\nhome: not a uri\n',
  'train: { cpu: 2 }\nmode: { kind: fast, level: 1 }\npreset: { name: b, n: [1, 2] }\n',
  'train: { cpu: 2 }\nmode: { kind: fast, level: 2 }\npreset: { name: c }\n',
  'train: { cpu: 2 }\ntoken: short\ndb: { password: 7 }\nlabels: { x-a: 1, b: two }\nkind: stream\n',
  'train: { cpu: 2, opts: { lr: 0.5 } }\ndb: hunter22\ntoken: longenough\nowner: a@b.co\n',
  'regions: []\n',
  'train: 3\n',
];

const dirs: string[] = [];
const tempDir = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

afterEach(() => {
  setSchemaCacheDir(undefined);
  forgetCompiledSchemas();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One resolve of `config` against `schema`, as a new process would do it. */
function resolveOnce(root: string) {
  forgetCompiledSchemas();
  const r = run(root, [decl(root, { files: ['app.yaml'], schema: 'schema.json' })]);
  return { diagnostics: r.diagnostics, resolved: r.resolved, secrets: r.resolved?.tainted.app?.filter((t) => t.reason === 'schema').map((t) => t.path) };
}

/** The three ways: no cache, compiled and stored, loaded from the cache (checked to be a hit). */
function threeWays(schema: unknown, config: string) {
  const root = tmpTree({ 'schema.json': JSON.stringify(schema), 'app.yaml': config });
  dirs.push(root);
  setSchemaCacheDir(undefined);
  const plain = resolveOnce(root);
  const cache = tempDir('flowc-schema-cache-');
  setSchemaCacheDir(cache);
  const before = { ...schemaCacheStats };
  const stored = resolveOnce(root);
  const loaded = resolveOnce(root);
  return { plain, stored, loaded, stores: schemaCacheStats.stores - before.stores, hits: schemaCacheStats.hits - before.hits, cache };
}

describe('the compiled config schema cache', () => {
  it('gives what a compile gives, for valid and invalid configs alike', () => {
    for (const config of CONFIGS) {
      const r = threeWays(SCHEMA, config);
      expect(r.stores, config).toBe(1);
      expect(r.hits, config).toBe(1);
      expect(r.stored, config).toEqual(r.plain);
      expect(r.loaded, config).toEqual(r.plain);
    }
    // The corpus reaches both verdicts and the secret values.
    expect(threeWays(SCHEMA, CONFIGS[0] as string).plain.diagnostics).toEqual([]);
    expect(threeWays(SCHEMA, CONFIGS[1] as string).plain.diagnostics.length).toBeGreaterThan(5);
    expect(threeWays(SCHEMA, CONFIGS[5] as string).plain.secrets).toEqual(['db', 'token']);
  });

  it('agrees with a compile on generated configs (const and enum objects, secrets, defaults)', () => {
    const value = fc.oneof(fc.constantFrom('eu', 'fast', 'a', 'hunter22', 'x'), fc.integer({ min: -1, max: 3 }), fc.constant(null));
    const obj = fc.dictionary(fc.constantFrom('kind', 'level', 'name', 'n', 'password', 'cpu'), value, { maxKeys: 3 });
    const config = fc.record(
      { train: fc.oneof(obj, fc.record({ cpu: fc.integer({ min: 0, max: 3 }) })), mode: fc.oneof(obj, fc.constant({ kind: 'fast', level: 1 })), preset: fc.oneof(obj, value), db: fc.oneof(obj, value), kind: fc.constantFrom('batch', 'stream') },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (c) => {
        const r = threeWays(SCHEMA, JSON.stringify(c));
        expect(r.hits).toBe(1);
        expect(r.loaded).toEqual(r.plain);
      }),
      { numRuns: 40, seed: 19 },
    );
  });

  it('stores nothing for a schema that does not compile, and reports it every time', () => {
    const bad = { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } };
    const r = threeWays(bad, 'a: 1\n');
    expect(r.stores).toBe(0);
    expect(r.loaded.diagnostics.map((d) => d.code)).toEqual(['FLOWC413']);
    expect(r.loaded).toEqual(r.plain);
  });

  it('is keyed by the schema text: another schema is never served an entry', () => {
    const a = threeWays({ type: 'object', properties: { n: { type: 'integer' } } }, 'n: x\n');
    setSchemaCacheDir(a.cache);
    const root = tmpTree({ 'schema.json': JSON.stringify({ type: 'object', properties: { n: { type: 'string' } } }), 'app.yaml': 'n: x\n' });
    dirs.push(root);
    expect(resolveOnce(root).diagnostics).toEqual([]);
    expect(a.loaded.diagnostics.map((d) => d.code)).toEqual(['FLOWC412']);
  });
});

describe('what the cache trusts', () => {
  /** A cache folder with one stored entry, and a resolve that tells whether the entry was taken. */
  function stored() {
    const root = tmpTree({ 'schema.json': JSON.stringify(SCHEMA), 'app.yaml': CONFIGS[0] as string });
    dirs.push(root);
    const cache = tempDir('flowc-schema-trust-');
    setSchemaCacheDir(cache);
    resolveOnce(root);
    const [entry] = readdirSync(cache);
    const taken = (): boolean => {
      const hits = schemaCacheStats.hits;
      const r = resolveOnce(root);
      expect(r.diagnostics).toEqual([]);
      return schemaCacheStats.hits > hits;
    };
    return { cache, file: join(cache, entry as string), taken };
  }

  it('takes an entry of its own, in a folder of its own', () => {
    const s = stored();
    expect(s.taken()).toBe(true);
  });

  it('refuses an entry that anyone else could have written', () => {
    const s = stored();
    chmodSync(s.file, 0o666);
    expect(s.taken()).toBe(false);
  });

  it('refuses a folder that anyone else can write to', () => {
    const s = stored();
    chmodSync(s.cache, 0o777);
    expect(s.taken()).toBe(false);
  });

  it('refuses an entry whose text does not match its seal', () => {
    const s = stored();
    const text = readFileSync(s.file, 'utf8');
    writeFileSync(s.file, text.replace('"use strict";', '"use strict";globalThis.flowcPlanted = 1;'), { mode: 0o600 });
    expect(s.taken()).toBe(false);
    expect((globalThis as { flowcPlanted?: number }).flowcPlanted).toBeUndefined();
  });

  it('refuses a link in place of an entry', () => {
    const s = stored();
    renameSync(s.file, `${s.file}.real`);
    symlinkSync(`${s.file}.real`, s.file);
    expect(s.taken()).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)("refuses another user's entry", () => {
    const s = stored();
    chownSync(s.file, 12345, 12345);
    expect(s.taken()).toBe(false);
  });

  it('is off without a home, with FLOWC_SCHEMA_CACHE=off, and follows FLOWC_SCHEMA_CACHE_DIR and XDG_CACHE_HOME', () => {
    expect(defaultSchemaCacheDir({})).toBeUndefined();
    expect(defaultSchemaCacheDir({ HOME: '/h', FLOWC_SCHEMA_CACHE: 'off' })).toBeUndefined();
    expect(defaultSchemaCacheDir({ HOME: '/h' })).toBe('/h/.cache/flowc/schemas');
    expect(defaultSchemaCacheDir({ HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/x/flowc/schemas');
    expect(defaultSchemaCacheDir({ HOME: '/h', FLOWC_SCHEMA_CACHE_DIR: '/c' })).toBe('/c');
  });
});
