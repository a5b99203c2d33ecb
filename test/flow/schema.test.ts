import { readFileSync } from 'node:fs';
import { Ajv, type AnySchemaObject } from 'ajv';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FLOW_SCHEMA_URL, FLOWC_CHECK_KINDS, flowSchema } from '../../src/flow/schema-check.js';
import { parseCpu, parseDuration, parseMemory } from '../../src/flow/units.js';
import { shape } from './helpers.js';

const schema = JSON.parse(readFileSync(FLOW_SCHEMA_URL, 'utf8')) as AnySchemaObject;
const defs = schema.definitions as Record<string, AnySchemaObject>;

describe('schemas/flow.schema.json', () => {
  test('compiles in ajv strict mode, with its one custom keyword declared', () => {
    // A fresh instance: strict mode throws on unknown keywords, unknown formats, ignored
    // "additionalItems" and the like. Union types are allowed explicitly (type: [string, number, boolean]).
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'flowcCheck', schemaType: 'string', metaSchema: { enum: [...FLOWC_CHECK_KINDS] } });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  test('strict mode rejects it without the custom keyword (so nothing else unknown hides in it)', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(schema)).toThrow(/flowcCheck/);
  });

  test('is draft-07 and is what the checker uses', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(flowSchema()).toEqual(schema);
  });

  /** Every schema object reachable from the root, with its JSON pointer. */
  function walk(s: unknown, at: string, out: [string, AnySchemaObject][] = []): [string, AnySchemaObject][] {
    if (Array.isArray(s)) s.forEach((x, i) => walk(x, `${at}/${i}`, out));
    else if (s && typeof s === 'object') {
      out.push([at, s as AnySchemaObject]);
      for (const [k, v] of Object.entries(s)) if (k !== 'enum' && k !== 'const') walk(v, `${at}/${k}`, out);
    }
    return out;
  }

  test('every property has a description (its own or its definition\'s), for editors', () => {
    const missing: string[] = [];
    for (const [at, s] of walk(schema, '#')) {
      if (!s.properties || typeof s.properties !== 'object' || at.endsWith('/properties')) continue;
      for (const [name, prop] of Object.entries(s.properties as Record<string, AnySchemaObject>)) {
        const target = prop.$ref ? defs[(prop.$ref as string).replace('#/definitions/', '')] : prop;
        if (!prop.description && !target?.description) missing.push(`${at}/properties/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('additionalProperties is false on every object whose fields are ours', () => {
    const open: string[] = [];
    for (const [at, s] of walk(schema, '#')) {
      if (s.properties && !at.endsWith('/properties') && s.additionalProperties !== false) open.push(at);
    }
    expect(open).toEqual([]);
  });

  test('every non-string field accepts a whole-value ${...} interpolation', () => {
    const r = shape(`flowc: 1
name: demo
schedule: \${app.schedule}
defaults:
  resources: \${app.resources}
  retry: \${app.retry}
  timeout: \${app.timeout}
  env: \${app.env}
targets:
  argo: \${app.argo}
parameters:
  mode: { type: string, default: "\${app.mode}", required: "\${app.mode_required}", enum: "\${app.modes}" }
steps:
  a:
    needs: \${app.needs}
    command: \${app.command}
    foreach: \${app.regions}
    parallelism: \${app.parallelism}
    resources: { cpu: "\${app.cpu}", memory: "\${app.memory}", gpu: "\${app.gpu}" }
    retry: { limit: "\${app.limit}", delay: "\${app.delay}", backoff: "\${app.backoff}", maxDelay: "\${app.max}" }
    timeout: \${app.timeout}
    env: { A: "\${app.a}" }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
  });

  // The schema's unit patterns serve editors; the parsers decide. They must agree on every literal
  // string, or an editor would accept what the compiler refuses (or the reverse), except for size.
  const pattern = (def: string) => new RegExp((defs[def]?.anyOf as AnySchemaObject[])[1]?.pattern as string, 'u');
  // Random characters find the refusals; runs of digits and units find the near-misses and the
  // valid forms (1h30m, 1.5Gi, 500m) that single characters rarely spell.
  const chars = fc.string({ unit: fc.constantFrom(...'0123456789.mdhsKkMGTPi-x '.split('')), maxLength: 8 });
  const tokens = fc
    .array(fc.oneof(fc.stringMatching(/^\d{1,3}$/), fc.constantFrom('d', 'h', 'm', 's', 'Mi', 'Gi', 'Ki', 'Ti', 'Pi', 'G', 'M', 'k', 'K', 'T', 'P', '.', '0', '-', ' ', 'x')), {
      minLength: 1,
      maxLength: 6,
    })
    .map((xs) => xs.join(''));
  const text = fc.oneof(chars, tokens);
  test.each([
    ['duration', parseDuration],
    ['cpu', parseCpu],
    ['memory', parseMemory],
  ] as const)('the %s pattern agrees with its parser on literal strings', (def, parse) => {
    const re = pattern(def);
    fc.assert(
      fc.property(text, (s) => {
        const r = parse(s);
        // Size limits (beyond Number.MAX_SAFE_INTEGER) are the one thing a pattern cannot say.
        if (!r.ok && r.error.includes('too large')) return;
        expect(re.test(s), s).toBe(r.ok);
      }),
      { numRuns: 3000 },
    );
  });
});
