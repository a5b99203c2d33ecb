import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromJson, toJson } from '../../src/config/ptree.js';
import { bareData, bareJson } from '../../src/config/schema.js';
import type { Json } from '../../src/source/tree.js';

/** Everything ajv can see of a value: prototypes, own keys in order, enumerability, values. */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  return {
    proto: Object.getPrototypeOf(v) === null ? 'null' : Array.isArray(v) ? 'array' : 'object',
    keys: Reflect.ownKeys(v).map((k) => {
      const d = Object.getOwnPropertyDescriptor(v, k) as PropertyDescriptor;
      return [String(k), d.enumerable, typeof d.value === 'function' ? d.value : shape(d.value)];
    }),
  };
}

const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'valueOf', 'toString', '1', '01', '-1', 'a', 'length'), fc.string({ maxLength: 4 }));
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -0, 1.5, 'x', ''),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(key, tie('v')), { maxLength: 4, selector: ([k]) => k }).map((entries) => {
      const o: { [k: string]: Json } = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
})).v;

// Issue 19: the config reaches ajv built in one pass from the cascade's tree (bareData); the
// oracle is the two passes it replaced (bareJson of the plain value).
describe('bareData', () => {
  it('builds exactly what bareJson(toJson(tree)) builds', () => {
    fc.assert(
      fc.property(json, (v) => {
        const tree = fromJson(v, { kind: 'inline-default' } as never);
        expect(shape(bareData(tree))).toEqual(shape(bareJson(toJson(tree))));
      }),
      { numRuns: 500 },
    );
  });
});
