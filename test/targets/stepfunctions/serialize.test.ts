import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyExtra, prettyExtraOf, toFittingJsonText, toJsonText, utf8Bytes } from '../../../src/targets/stepfunctions/serialize.js';

/** Strings rich in what JSON text is made of, so brackets, commas, colons and escapes turn up inside them. */
const jsonish = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'a', ' ', '\n', '\u2028', '\u00e9', '\u{1f600}') });
const arbValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true }),
    jsonish,
    tie('array'),
    tie('object'),
    // JSON.stringify drops these from objects and writes null for them in arrays.
    fc.constantFrom(undefined, () => 1, Symbol('s')),
    // Written their own way: the count falls back to the text.
    fc.constantFrom(new Date(0), new String('boxed'), { toJSON: () => [1, { a: 2 }] }),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(jsonish, tie('value'), { maxKeys: 4 }),
})).value;

/** The rule toFittingJsonText replaces: pretty when it fits, else compact. */
function slowRule(value: unknown, maxBytes: number): string {
  const pretty = toJsonText(value, 'pretty');
  return utf8Bytes(pretty) <= maxBytes ? pretty : toJsonText(value, 'compact');
}

describe('Step Functions JSON text', () => {
  it('counts the whitespace pretty-printing adds from the compact text alone', () => {
    fc.assert(
      fc.property(arbValue, (v) => {
        const compact = JSON.stringify(v) ?? '';
        expect(compact.length + prettyExtra(compact)).toBe((JSON.stringify(v, null, 2) ?? '').length);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the same from the value, or gives up (NaN) on what is written its own way', () => {
    let counted = 0;
    fc.assert(
      fc.property(arbValue, (v) => {
        const shaped = prettyExtraOf(v, 0);
        if (Number.isNaN(shaped)) return;
        counted++;
        expect(shaped).toBe(prettyExtra(JSON.stringify(v) ?? ''));
      }),
      { numRuns: 500 },
    );
    expect(counted).toBeGreaterThan(100);
    expect(prettyExtraOf([new Date(0)], 0)).toBeNaN();
    expect(prettyExtraOf({ toJSON: () => 1 }, 0)).toBeNaN();
  });

  it('stops counting once over a bound, and is over it exactly when the whole count is', () => {
    fc.assert(
      fc.property(arbValue, fc.nat(400), (v, enough) => {
        const whole = prettyExtraOf(v, 0);
        if (Number.isNaN(whole)) return;
        const bounded = prettyExtraOf(v, 0, enough);
        expect(bounded > enough).toBe(whole > enough);
        if (whole <= enough) expect(bounded).toBe(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('writes what pretty-when-it-fits wrote, at every limit around the pretty size', () => {
    fc.assert(
      fc.property(arbValue, fc.integer({ min: -3, max: 3 }), (member, delta) => {
        // A definition is an object (JSON.stringify writes nothing at all for a bare undefined).
        const v = { States: member, List: [member] };
        const pretty = utf8Bytes(toJsonText(v, 'pretty'));
        const compact = utf8Bytes(toJsonText(v, 'compact'));
        for (const max of [pretty + delta, compact + delta]) {
          expect(toFittingJsonText(v, max)).toBe(slowRule(v, max));
          // Pretty first (a small flow's machine): the same text.
          expect(toFittingJsonText(v, max, true)).toBe(slowRule(v, max));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts nested, empty and escaped members', () => {
    const v = { a: [], b: {}, c: [1, [2, { d: 'x,"y":{z}' }]], 'k:"\\': [{}] };
    expect(prettyExtra(JSON.stringify(v))).toBe(JSON.stringify(v, null, 2).length - JSON.stringify(v).length);
  });
});
