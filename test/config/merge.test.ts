import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merge } from '../../src/config/merge.js';
import { leafProvenance } from '../../src/config/provenance.js';
import { fromJson, toJson, type PNode } from '../../src/config/ptree.js';
import type { Origin } from '../../src/source/span.js';
import type { Json } from '../../src/source/tree.js';

const layer = (name: string): Origin => ({ kind: 'set', arg: name, index: 0 });
const p = (v: Json, name = 'x'): PNode => fromJson(v, layer(name));

/** Random config-like trees over a small key set, so layers overlap and shapes collide. */
const scalar = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('s', 't', ''), fc.boolean(), fc.constant(null));
const tree = fc.letrec<{ node: Json; map: Json }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(scalar, { maxLength: 3 }), tie('map')),
  map: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('node'), { maxKeys: 4 }),
})).map as fc.Arbitrary<{ [k: string]: Json }>;

/** Every scalar or list in a tree, by path (lists count as a whole: they replace as a whole). */
function replacingLeaves(v: Json, path: string[] = []): [string[], Json][] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v).flatMap(([k, c]) => replacingLeaves(c, [...path, k]));
  }
  return [[path, v]];
}

function get(v: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

describe('merge', () => {
  it('merges maps deeply and keeps the order keys first appeared in', () => {
    const out = toJson(merge(p({ a: 1, b: { x: 1, y: 2 }, c: 3 }), p({ b: { y: 20, z: 30 }, d: 4, a: 10 })));
    expect(out).toEqual({ a: 10, b: { x: 1, y: 20, z: 30 }, c: 3, d: 4 });
    expect(JSON.stringify(out)).toBe('{"a":10,"b":{"x":1,"y":20,"z":30},"c":3,"d":4}');
  });

  it('replaces lists and scalars whole, and a map by a scalar or the other way round', () => {
    expect(toJson(merge(p({ l: [1, 2, 3] }), p({ l: [9] })))).toEqual({ l: [9] });
    expect(toJson(merge(p({ m: { a: 1 } }), p({ m: 5 })))).toEqual({ m: 5 });
    expect(toJson(merge(p({ m: 5 }), p({ m: { a: 1 } })))).toEqual({ m: { a: 1 } });
    expect(toJson(merge(p({ m: [1] }), p({ m: { a: 1 } })))).toEqual({ m: { a: 1 } });
  });

  it('does not change its inputs', () => {
    const a = p({ a: { b: 1 } });
    const b = p({ a: { b: 2, c: [1] } });
    merge(a, b);
    expect(toJson(a)).toEqual({ a: { b: 1 } });
    expect(toJson(b)).toEqual({ a: { b: 2, c: [1] } });
    expect(leafProvenance(b)[0]?.overrode).toEqual([]);
  });

  it('records what each leaf overrode, most recent first', () => {
    const out = merge(merge(p({ t: { cpu: 1 }, l: [1, 2] }, 'A'), p({ t: { cpu: 2 } }, 'B')), p({ t: { cpu: 3 }, l: [7] }, 'C'));
    const leaves = leafProvenance(out);
    expect(leaves.map((l) => [l.path, l.value, l.origin, l.overrode.map((o) => [o.value, (o.origin as { arg: string }).arg])])).toEqual([
      ['l[0]', 7, layer('C'), [[1, 'A']]],
      ['t.cpu', 3, layer('C'), [[2, 'B'], [1, 'A']]],
    ]);
  });

  it('records a displaced value of another shape on the leaves that replaced it', () => {
    const out = merge(p({ m: 5 }, 'A'), p({ m: { a: 1, b: 2 } }, 'B'));
    const leaves = leafProvenance(out);
    expect(leaves.map((l) => [l.path, l.overrode.map((o) => o.value)])).toEqual([
      ['m.a', [5]],
      ['m.b', [5]],
    ]);
    const back = leafProvenance(merge(out, p({ m: 'x' }, 'C')));
    expect(back.map((l) => [l.path, l.overrode.map((o) => o.value)])).toEqual([['m', [{ a: 1, b: 2 }]]]);
  });

  it('is associative, whatever the shapes (property)', () => {
    fc.assert(
      fc.property(tree, tree, tree, (a, b, c) => {
        const left = merge(merge(p(a, 'A'), p(b, 'B')), p(c, 'C'));
        const right = merge(p(a, 'A'), merge(p(b, 'B'), p(c, 'C')));
        expect(toJson(left)).toEqual(toJson(right));
        // Provenance agrees too: the same origin ends up on every leaf.
        expect(leafProvenance(left).map((l) => [l.path, l.origin])).toEqual(leafProvenance(right).map((l) => [l.path, l.origin]));
      }),
      { numRuns: 300 },
    );
  });

  it('lets the later layer win on every scalar and list it sets (property)', () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const out = toJson(merge(p(a), p(b)));
        for (const [path, value] of replacingLeaves(b)) {
          if (path.length === 0) continue;
          expect(get(out, path)).toEqual(value);
        }
        // Keys of the older layer survive unless the newer one replaced a map above them.
        for (const [path, value] of replacingLeaves(a)) {
          const shadowed = path.some((_, i) => {
            const above = get(b, path.slice(0, i + 1));
            return above !== undefined && (above === null || typeof above !== 'object' || Array.isArray(above) || i === path.length - 1);
          });
          if (!shadowed && path.length > 0) expect(get(out, path)).toEqual(value);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('merging a tree onto itself changes nothing (property)', () => {
    fc.assert(
      fc.property(tree, (a) => {
        expect(toJson(merge(p(a), p(a)))).toEqual(a);
      }),
    );
  });
});
