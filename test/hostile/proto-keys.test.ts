import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import type { Json } from '../../src/source/tree.js';
import { TARGETS } from '../../src/targets/index.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { lit, makeIR, param, step } from '../helpers/ir-builders.js';

/**
 * `__proto__`, `constructor` and `prototype` are ordinary keys wherever a user writes one: config
 * maps (files, `--set`, schema defaults), parameters, env and foreach items. The flow in
 * fixtures/hostile/proto-keys uses them everywhere; each target's artifact must carry them as
 * written, and nothing may reach a JavaScript prototype.
 */
const dir = join(FIXTURES, 'hostile', 'proto-keys');
const result = compileTargets({
  flowPath: join(dir, 'flow.yaml'),
  cwd: dir,
  targets: TARGETS.map((t) => t.id),
  sets: ['++app.__proto__.y=from-set', 'app.constructor=from-set'],
});

afterAll(() => {
  // Nothing the flow wrote reached Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

/** Every parsed document of an artifact (YAML or JSON), keys as own properties. */
function documents(path: string): unknown[] {
  const artifact = result.artifacts.find((a) => a.path === path);
  if (!artifact) throw new Error(`no artifact ${path}; got ${result.artifacts.map((a) => a.path).join(', ')}`);
  if (path.endsWith('.json')) return [JSON.parse(artifact.contents)];
  return parseAllDocuments(artifact.contents).map((d) => d.toJS());
}

/** Every object in a document, depth first. */
function objects(v: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(v)) for (const x of v) objects(x, out);
  else if (v !== null && typeof v === 'object') {
    out.push(v as Record<string, unknown>);
    for (const k of Object.keys(v)) objects((v as Record<string, unknown>)[k], out);
  }
  return out;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/**
 * Whether the artifact names `key` with `value`: as an own key of a map whose value holds
 * `value` (env maps, inputs, defaults, matrix entries), or as a `{name, value}` entry (Argo and
 * Step Functions env lists, Argo parameters).
 */
function names(docs: unknown[], key: string, value: string): boolean {
  return objects(docs).some(
    (o) =>
      (Object.hasOwn(o, key) && text(o[key]).includes(value)) ||
      ((o.name === key || o.Name === key) && text(o.value ?? o.Value ?? o.default).includes(value)),
  );
}

/** The resolved config as FLOWC_CONFIG carries it, parsed. */
function flowcConfig(docs: unknown[]): Record<string, unknown> {
  for (const o of objects(docs)) {
    const v = Object.hasOwn(o, 'FLOWC_CONFIG') ? o.FLOWC_CONFIG : o.name === 'FLOWC_CONFIG' || o.Name === 'FLOWC_CONFIG' ? (o.value ?? o.Value) : undefined;
    if (typeof v === 'string') return JSON.parse(v) as Record<string, unknown>;
  }
  throw new Error('no FLOWC_CONFIG');
}

const ARTIFACTS: Record<string, string> = {
  ir: 'proto-keys.ir.json',
  argo: 'proto-keys.argo.yaml',
  stepfunctions: 'proto-keys.asl.json',
  'github-actions': 'proto-keys.gha.yml',
  'gcp-workflows': 'proto-keys.gcp.yaml',
};

describe('prototype keys reach every target as written', () => {
  it('compiles without a diagnostic', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Object.keys(ARTIFACTS).sort()).toEqual(TARGETS.map((t) => t.id).sort());
  });

  it('keeps the keys in the resolved config (files, --set, schema defaults)', () => {
    const app = result.ir?.config.values.app as Record<string, unknown>;
    expect(Object.keys(app)).toEqual(['__proto__', 'items', 'constructor', 'prototype']);
    expect(Object.hasOwn(app, '__proto__')).toBe(true);
    expect(app.__proto__).toEqual({ x: 'from-file', polluted: true, y: 'from-set' });
    expect(app.constructor).toBe('from-set');
    // A schema default keeps its own `__proto__` key too (JSON.parse: a literal would set a prototype).
    expect(JSON.stringify(app.prototype)).toBe('{"constructor":"nested-default","__proto__":"default-key"}');
    expect(Object.hasOwn(app.prototype as object, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(app)).toBe(Object.prototype);
  });

  for (const [target, path] of Object.entries(ARTIFACTS)) {
    describe(target, () => {
      it('has each parameter, by name, with its default', () => {
        const docs = documents(path);
        expect(names(docs, '__proto__', 'p1')).toBe(true);
        expect(names(docs, 'constructor', 'p2')).toBe(true);
        expect(names(docs, 'prototype', 'p3')).toBe(true);
      });

      it('has each env variable, by name, with its value', () => {
        const docs = documents(path);
        expect(names(docs, '__proto__', 'd1')).toBe(true);
        expect(names(docs, 'constructor', 'from-file')).toBe(true);
        expect(names(docs, 'prototype', 'from-set')).toBe(true);
      });

      it('has each foreach item whole, with its own keys', () => {
        const docs = documents(path);
        const items = objects(docs)
          .flatMap((o) => Object.values(o))
          .concat(objects(docs))
          .flatMap((v) => {
            if (typeof v !== 'string' || !v.startsWith('{"__proto__"')) return [];
            return [JSON.parse(v) as unknown];
          });
        const whole = objects(docs).filter((o) => Object.hasOwn(o, '__proto__') && ['i1', 'j1', 'k1'].includes(o.__proto__ as string));
        const seen = [...items, ...whole].map((i) => JSON.stringify(i));
        // Written as JSON text: an object literal's `__proto__:` would set a prototype, not a key.
        for (const item of ['"__proto__":"i1","constructor":"i2","prototype":"i3"', '"__proto__":"j1","constructor":"j2","prototype":"j3"']) {
          expect(seen.some((s) => s.includes(item))).toBe(true);
        }
        expect(seen.some((s) => s.includes('"__proto__":"k1"'))).toBe(true);
      });

      it('carries the config with its keys in FLOWC_CONFIG', () => {
        if (target === 'ir') return expect(Object.hasOwn(documents(path)[0] as object, 'config')).toBe(true);
        const app = flowcConfig(documents(path)).app as Record<string, unknown>;
        expect(Object.hasOwn(app, '__proto__')).toBe(true);
        expect(app.__proto__).toEqual({ polluted: true, x: 'from-file', y: 'from-set' });
        expect(Object.hasOwn(app, 'constructor')).toBe(true);
      });

      it("never renders Object's own machinery as a value", () => {
        const contents = result.artifacts.find((a) => a.path === path)?.contents ?? '';
        expect(contents).not.toMatch(/\[native code\]|function Object|\[object Object\]/);
      });
    });
  }
});

describe('each target renders user-keyed maps with own keys (IR built by hand)', () => {
  // The IR as a JSON text would give it: `__proto__` an own key of the item, as JSON.parse makes it.
  const items = JSON.parse('[{"__proto__":"i1","constructor":"i2"},{"__proto__":"k1"}]') as Json[];
  const ir = makeIR(
    [
      step('s', {
        env: [
          { name: '__proto__', value: lit('d1') },
          { name: 'constructor', value: lit('d2') },
        ],
        foreach: { items, from: null, parallelism: null },
        exec: { kind: 'command', argv: [lit('echo'), [{ kind: 'item', path: ['__proto__'] }], [{ kind: 'item', path: ['constructor'] }], [{ kind: 'param', name: '__proto__' }]] },
      }),
    ],
    { parameters: [param({ name: '__proto__', default: 'p1' })] },
  );

  for (const target of TARGETS) {
    it(`${target.id}: env, parameter and item keys are all there`, () => {
      const bag = new DiagnosticBag();
      const artifacts = target.compile(ir, { diagnostics: bag });
      expect(bag.errors()).toEqual([]);
      const docs = artifacts.flatMap((a) => (a.path.endsWith('.json') ? [JSON.parse(a.contents) as unknown] : parseAllDocuments(a.contents).map((d) => d.toJS() as unknown)));
      expect(names(docs, '__proto__', 'd1')).toBe(true);
      expect(names(docs, 'constructor', 'd2')).toBe(true);
      expect(names(docs, '__proto__', 'p1')).toBe(true);
      const all = artifacts.map((a) => a.contents).join('\n');
      // An item without `constructor` has none: Object's constructor must not stand in for it.
      expect(all).not.toMatch(/\[native code\]|function Object|\[object Object\]/);
      expect(all).toContain('i1');
      expect(all).toContain('k1');
    });
  }
});
