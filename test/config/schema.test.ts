import { describe, expect, it } from 'vitest';
import { explainConfig } from '../../src/config/explain.js';
import { runApp, where } from './helpers.js';

const BASE = 'train:\n  cpu: 4\n  mem: 2Gi\nregions: [eu, us]\n';

const SCHEMA_07 = JSON.stringify(
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['train'],
    properties: {
      train: {
        type: 'object',
        required: ['cpu'],
        additionalProperties: false,
        properties: {
          cpu: { type: 'integer', minimum: 1 },
          mem: { type: 'string' },
          gpu: { type: 'integer', default: 0 },
          opts: { type: 'object', default: { lr: 0.1 }, properties: { lr: { type: 'number' } } },
        },
      },
      regions: { type: 'array', items: { type: 'string', enum: ['eu', 'us', 'ap'] } },
      zone: { type: 'string', default: 'z1' },
      owner: { $ref: '#/definitions/email' },
    },
    definitions: { email: { type: 'string', format: 'email' } },
  },
  null,
  2,
);

function check(files: Record<string, string>, schema = 'schema.json', sets: string[] = []) {
  return runApp({ 'base.yaml': BASE, 'schema.json': SCHEMA_07, ...files }, { files: ['base.yaml'], schema }, { sets });
}

describe('schema validation', () => {
  it('accepts a valid config and applies defaults, recorded as schema defaults', () => {
    const r = check({});
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved?.values.app).toEqual({ train: { cpu: 4, mem: '2Gi', gpu: 0, opts: { lr: 0.1 } }, regions: ['eu', 'us'], zone: 'z1' });
    const leaves = Object.fromEntries((r.resolved?.provenance.app ?? []).map((l) => [l.path, l.origin]));
    expect(leaves['train.gpu']).toEqual({ kind: 'schema-default', pointer: '/properties/train/properties/gpu/default', schema: `${r.root}/schema.json` });
    expect(leaves['train.opts.lr']).toMatchObject({ kind: 'schema-default', pointer: '/properties/train/properties/opts/default' });
    expect(leaves.zone).toMatchObject({ kind: 'schema-default', pointer: '/properties/zone/default' });
    expect(explainConfig({ resolved: r.resolved!, relativize: r.rel })).toContain(
      'app.train.gpu = 0\n  from schema default (schema.json#/properties/train/properties/gpu/default)\n',
    );
  });

  it('does not fill a default over a value that is set', () => {
    const r = check({ 'base.yaml': `${BASE}zone: z9\n` });
    expect(r.resolved?.values.app).toMatchObject({ zone: 'z9' });
  });

  it('reports every error at once, each where the offending value was set (FLOWC412)', () => {
    const r = check({ 'base.yaml': 'train:\n  cpu: 0\n  mem: 2\n  cpux: 1\nregions: [eu, mars]\nowner: nobody\n' });
    expect(r.resolved).toBeUndefined();
    expect(where(r).sort()).toEqual(['FLOWC412 base.yaml:2:8', 'FLOWC412 base.yaml:3:8', 'FLOWC412 base.yaml:4:9', 'FLOWC412 base.yaml:5:15', 'FLOWC412 base.yaml:6:8']);
    const byLine = Object.fromEntries(r.diagnostics.map((d) => [d.span?.line, d]));
    expect(byLine[2]?.message).toBe('app.train.cpu must be >= 1 (it is 0)');
    expect(byLine[3]?.message).toBe('app.train.mem must be string (it is 2)');
    expect(byLine[4]?.message).toBe('app.train.cpux is not allowed here (the schema does not declare it)');
    expect(byLine[4]?.notes).toEqual(["did you mean 'cpu'?"]);
    expect(byLine[5]?.notes).toEqual(['allowed: "eu", "us", "ap"']);
    expect(byLine[6]?.message).toBe('app.owner must match format "email" (it is "nobody")');
  });

  it('points at the layer that set the value: a later file, or a --set (no span, noted)', () => {
    const r = runApp(
      { 'base.yaml': BASE, 'schema.json': SCHEMA_07, 'v.yaml': 'train:\n  mem: 5\n' },
      { files: ['base.yaml'], schema: 'schema.json' },
      { cliConfigs: [{ name: 'app', file: 'v.yaml', arg: 'app=v.yaml' }], sets: ['app.train.cpu=zero'] },
    );
    const got = r.diagnostics.map((d) => [d.message, d.span ? `${r.rel(d.span.file)}:${d.span.line}:${d.span.col}` : null, d.notes ?? []]);
    expect(got.sort()).toEqual([
      ['app.train.cpu must be integer (it is "zero")', null, ['set by --set app.train.cpu=zero']],
      ['app.train.mem must be string (it is 5)', 'v.yaml:2:8', []],
    ]);
  });

  it('a missing required key points at the place that set the map it belongs in', () => {
    const top = check({ 'base.yaml': 'other: 1\n' });
    expect(where(top)).toEqual(['FLOWC412 base.yaml:1:1']);
    expect(top.diagnostics[0]?.message).toBe('app must have the key "train"');
    const inner = check({ 'base.yaml': 'other: 1\ntrain:\n  mem: 1Gi\n' });
    expect(where(inner)).toEqual(['FLOWC412 base.yaml:3:3']);
    expect(inner.diagnostics[0]?.message).toBe('app.train must have the key "cpu"');
  });

  it('supports 2020-12 schemas written in YAML', () => {
    const schema = [
      '$schema: https://json-schema.org/draft/2020-12/schema',
      'type: object',
      'properties:',
      '  regions:',
      '    type: array',
      '    prefixItems: [{const: eu}]',
      '    items: {type: string}',
      '  extra: {type: integer, default: 3}',
      '$defs: {unused: {type: string}}',
      '',
    ].join('\n');
    const ok = check({ 's.yaml': schema }, 's.yaml');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.resolved?.values.app).toMatchObject({ extra: 3 });
    const bad = check({ 's.yaml': schema, 'base.yaml': 'regions: [us]\n' }, 's.yaml');
    expect(where(bad)).toEqual(['FLOWC412 base.yaml:1:11']);
  });

  it('an invalid schema is FLOWC413 at the offending schema node', () => {
    const r = check({ 'bad.json': '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "strin"}\n  }\n}\n' }, 'bad.json');
    expect(where(r)).toEqual(['FLOWC413 bad.json:4:19']);
    expect(r.diagnostics[0]?.message).toBe('invalid schema: #/properties/a/type must be equal to one of the allowed values');
    expect(r.diagnostics[0]?.notes?.[0]).toMatch(/^allowed: array, boolean, integer, null, number, object, string$/);
    expect(r.resolved).toBeUndefined();
  });

  it('an unknown $schema or a non-object schema is FLOWC413', () => {
    expect(where(check({ 'b.json': '{"$schema": "http://example.com/s"}' }, 'b.json'))).toEqual(['FLOWC413 b.json:1:13']);
    expect(where(check({ 'b.json': '[1]' }, 'b.json'))).toEqual(['FLOWC413 b.json:1:1']);
    expect(where(check({ 'b.json': '{"$ref": "other.json#/x"}' }, 'b.json'))).toEqual(['FLOWC413 b.json:1:1']);
  });

  it('a missing schema file is FLOWC001 where the flow names it', () => {
    expect(where(check({}, 'nope.json'))).toEqual(['FLOWC001 flow.yaml:5:13']);
  });

  it('a schema default that breaks the schema points at the flow schema: entry', () => {
    const s = JSON.stringify({ type: 'object', properties: { n: { type: 'integer', default: 'x' } } });
    const r = check({ 's.json': s }, 's.json');
    expect(where(r)).toEqual(['FLOWC412 flow.yaml:5:13']);
    expect(r.diagnostics[0]?.notes).toEqual(["the value is the schema's own default (#/properties/n/default)"]);
  });

  it('validates after interpolation, against the interpolated values', () => {
    const r = check({ 'base.yaml': 'n: 4\ntrain:\n  cpu: ${n}\n' });
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved?.values.app).toMatchObject({ train: { cpu: 4 } });
  });

  it('= may set a key that only the schema declares (its default arrives later)', () => {
    const r = check({}, 'schema.json', ['app.train.gpu=2', 'app.train.opts.lr=0.5']);
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved?.values.app).toMatchObject({ train: { gpu: 2, opts: { lr: 0.5 } } });
    expect(r.resolved?.provenance.app?.find((l) => l.path === 'train.gpu')?.origin).toMatchObject({ kind: 'set' });
    expect(check({}, 'schema.json', ['app.train.gpux=1']).diagnostics.map((d) => d.code)).toEqual(['FLOWC406']);
    expect(check({}, 'nope.json', ['app.train.gpu=1']).diagnostics.map((d) => d.code)).toEqual(['FLOWC406']);
  });
});

describe('schema validation with a schema compiled once and reused (issue 19: builds of many variants)', () => {
  it('reports the same errors for the same schema after valid configs used it', () => {
    expect(check({}).diagnostics).toEqual([]);
    const first = where(check({ 'base.yaml': 'train:\n  cpu: 0\n' }));
    expect(check({}).diagnostics).toEqual([]);
    expect(where(check({ 'base.yaml': 'train:\n  cpu: 0\n' }))).toEqual(first);
    expect(first).toEqual(['FLOWC412 base.yaml:2:8']);
  });
});
