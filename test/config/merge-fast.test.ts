import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameOverridden } from '../../src/config/merge.js';
import { clonePNode, type PNode } from '../../src/config/ptree.js';
import type { Overridden } from '../../src/config/types.js';
import { canonicalJson } from '../../src/source/canonical-json.js';
import type { Origin } from '../../src/source/span.js';
import type { Json } from '../../src/source/tree.js';

// Few files, lines and columns, so equal and nearly equal origins are common.
const spanArb = fc.record(
  { file: fc.constantFrom('/a.toml', '/b.toml'), line: fc.integer({ min: 1, max: 3 }), col: fc.integer({ min: 1, max: 3 }), endLine: fc.integer({ min: 1, max: 3 }), endCol: fc.integer({ min: 1, max: 3 }) },
  { requiredKeys: ['file', 'line', 'col'] },
);
const originArb: fc.Arbitrary<Origin> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), span: spanArb }),
  fc.record({ kind: fc.constant('inline-default' as const), span: spanArb }),
  fc.record({ kind: fc.constant('set' as const), arg: fc.constantFrom('a.x=1', 'a.y=2'), index: fc.integer({ min: 0, max: 1 }), span: spanArb }, { requiredKeys: ['kind', 'arg', 'index'] }),
  fc.record({ kind: fc.constant('env' as const), name: fc.constantFrom('A', 'B') }),
  fc.record({ kind: fc.constant('schema-default' as const), pointer: fc.constantFrom('/x', '/y') }),
);
const valueArb = fc.oneof(fc.constantFrom<Json>(1, 2, 'x', null, [1], { a: 1 }), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>);
const overriddenArb: fc.Arbitrary<Overridden> = fc.record({ origin: originArb, value: valueArb });

describe('sameOverridden (the cascade records a value from one place once)', () => {
  it('answers as the comparison of canonical JSON does', () => {
    fc.assert(
      fc.property(overriddenArb, overriddenArb, fc.boolean(), (a, b0, copy) => {
        // Half the pairs are a structural copy, so the equal answer is tested as often as the other.
        const b: Overridden = copy ? (JSON.parse(JSON.stringify(a)) as Overridden) : b0;
        const expected = canonicalJson(a.value) === canonicalJson(b.value) && canonicalJson(a.origin as unknown as Json) === canonicalJson(b.origin as unknown as Json);
        expect(sameOverridden(a, b)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The copy as first written (spread from a base object): the oracle for key order and values. */
function cloneReference(node: PNode): PNode {
  const base: Omit<PNode, 'kind'> = { origin: node.origin, overrode: [...node.overrode] };
  if (node.replaces) base.replaces = true;
  if (node.interpolated) base.interpolated = node.interpolated;
  switch (node.kind) {
    case 'scalar':
      return { ...base, kind: 'scalar', value: node.value };
    case 'seq':
      return { ...base, kind: 'seq', items: node.items.map(cloneReference) };
    case 'map':
      return { ...base, kind: 'map', entries: new Map([...node.entries].map(([k, v]) => [k, cloneReference(v)])) };
  }
}

const origin: Origin = { kind: 'env', name: 'X' };
const pnodeArb: fc.Arbitrary<PNode> = fc.letrec<{ node: PNode }>((tie) => ({
  node: fc
    .record({
      shape: fc.oneof(
        fc.record({ kind: fc.constant('scalar' as const), value: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) }),
        fc.record({ kind: fc.constant('seq' as const), items: fc.array(tie('node'), { maxLength: 3 }) }),
        fc.record({ kind: fc.constant('map' as const), entries: fc.array(fc.tuple(fc.string({ maxLength: 3 }), tie('node')), { maxLength: 3 }).map((es) => new Map(es)) }),
      ),
      overrode: fc.array(fc.record({ origin: fc.constant(origin), value: fc.integer() as fc.Arbitrary<Json> }), { maxLength: 2 }),
      replaces: fc.boolean(),
      interpolated: fc.boolean(),
    })
    .map(({ shape, overrode, replaces, interpolated }) => {
      const node = { origin, overrode, ...shape } as PNode;
      if (replaces) node.replaces = true;
      if (interpolated) node.interpolated = { template: '${a.b}', sources: [] };
      return node;
    }),
})).node;

/** Every object's own keys in order, down the tree, so a change of key order shows. */
function keyOrder(node: PNode): unknown {
  const children = node.kind === 'seq' ? node.items.map(keyOrder) : node.kind === 'map' ? [...node.entries].map(([k, v]) => [k, keyOrder(v)]) : [];
  return [Object.keys(node), children];
}

describe('clonePNode', () => {
  it('copies as the spread-based definition did: same values, same key order, nothing shared', () => {
    fc.assert(
      fc.property(pnodeArb, (node) => {
        const copy = clonePNode(node);
        expect(copy).toStrictEqual(cloneReference(node));
        expect(keyOrder(copy)).toEqual(keyOrder(cloneReference(node)));
        expect(copy).not.toBe(node);
        expect(copy.overrode).not.toBe(node.overrode);
      }),
      { numRuns: 500 },
    );
  });
});
