import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEqual, canonicalJson } from '../../src/source/canonical-json.js';
import type { Json } from '../../src/source/tree.js';

/** The definition as first written (arrays of parts joined): the oracle for the string-built one. */
function reference(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(value[k] as Json)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('writes what the join-based definition writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        expect(canonicalJson(v as Json)).toBe(reference(v as Json));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on the values JSON cannot write and on odd keys', () => {
    const odd: unknown[] = [
      [undefined, 1],
      [1, undefined],
      // A hole reads as undefined.
      [1, , 3], // eslint-disable-line no-sparse-arrays
      { a: undefined, b: [undefined] },
      { ['__proto__']: 1, constructor: 2, '': 3, 'é': 4, 'Z': 5, a: -0 },
      [NaN, Infinity, -0, 1e21, 5e-324],
    ];
    const withProto = {};
    Object.defineProperty(withProto, '__proto__', { value: { x: 1 }, enumerable: true, writable: true, configurable: true });
    odd.push(withProto);
    for (const v of odd) expect(canonicalJson(v as Json)).toBe(reference(v as Json));
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });
});

// Values JSON cannot write included (undefined, NaN, holes), where the text comparison has its quirks.
const leaf = fc.oneof(fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -0, 0, 1, '', '1', 'a', true, false), fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }));
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '1', '__proto__'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

describe('canonicalEqual', () => {
  it('is the comparison of canonical texts', () => {
    fc.assert(
      fc.property(value, value, fc.boolean(), (a, b0, copy) => {
        // Half the pairs are equal in content (a structural copy with keys in reverse order).
        const b = copy ? reorder(a) : b0;
        expect(canonicalEqual(a as Json, b as Json)).toBe(canonicalJson(a as Json) === canonicalJson(b as Json));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees where texts coincide for different values', () => {
    const pairs: [unknown, unknown][] = [
      [[undefined], []],
      [{ a: NaN }, { a: null }],
      [{ a: -0 }, { a: 0 }],
      [{ a: [undefined, 1] }, { a: [, 1] }], // eslint-disable-line no-sparse-arrays
      [{ a: undefined }, {}],
      [{ a: '1' }, { a: 1 }],
      [{ a: { b: 1 } }, { a: { b: 1, c: undefined } }],
    ];
    for (const [a, b] of pairs) expect(canonicalEqual(a as Json, b as Json), JSON.stringify([a, b])).toBe(canonicalJson(a as Json) === canonicalJson(b as Json));
  });
});

/** A copy with every map's keys in reverse insertion order (own data properties, `__proto__` too). */
function reorder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorder);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const k of Object.keys(v).reverse()) Object.defineProperty(out, k, { value: reorder((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return out;
}
