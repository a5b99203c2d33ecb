import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LNode } from '../../src/source/tree.js';
import { sameJson, toJson } from '../../src/source/tree.js';

const span = { file: '/f.yaml', line: 1, col: 1 };

/** A located tree of a JSON value (fresh objects every time). */
function located(v: unknown): LNode {
  if (Array.isArray(v)) return { kind: 'seq', span, items: v.map(located) };
  if (v !== null && typeof v === 'object') return { kind: 'map', span, entries: Object.entries(v).map(([key, x]) => ({ key, keySpan: span, value: located(x) })) };
  return { kind: 'scalar', span, value: v as string | number | boolean | null };
}

const json = fc.jsonValue({ maxDepth: 4 });

describe('sameJson (the resolved flow skips its shape re-check when it holds the written values)', () => {
  it('is true for equal values built apart, and for a tree and itself', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(sameJson(located(v), located(v))).toBe(true);
        const t = located(v);
        expect(sameJson(t, t)).toBe(true);
      }),
    );
  });

  it('never says equal when toJson differs (the oracle: deep equality of the plain values)', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const x = located(a);
        const y = located(b);
        if (sameJson(x, y)) expect(isDeepStrictEqual(toJson(x), toJson(y))).toBe(true);
        if (!isDeepStrictEqual(toJson(x), toJson(y))) expect(sameJson(x, y)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('tells a changed scalar deep inside shared structure', () => {
    const written = located({ steps: { a: { command: ['run', '${app.x}'], needs: ['b'] } } });
    const steps = (written as Extract<LNode, { kind: 'map' }>).entries[0]!.value as Extract<LNode, { kind: 'map' }>;
    const a = steps.entries[0]!.value as Extract<LNode, { kind: 'map' }>;
    const command = a.entries[0]!.value as Extract<LNode, { kind: 'seq' }>;
    // The resolver's shape: changed containers copied, unchanged values shared.
    const resolvedCommand: LNode = { ...command, items: [command.items[0]!, { kind: 'scalar', span, value: 'five' }] };
    const resolved: LNode = { ...written, entries: [{ ...(written as Extract<LNode, { kind: 'map' }>).entries[0]!, value: { ...steps, entries: [{ ...steps.entries[0]!, value: { ...a, entries: [{ ...a.entries[0]!, value: resolvedCommand }, a.entries[1]!] } }] } }] } as LNode;
    expect(sameJson(written, resolved)).toBe(false);
    expect(sameJson(written, { ...written })).toBe(true);
    // Same values, keys in another order: not claimed equal (the caller then does the full check).
    expect(sameJson(located({ a: 1, b: 2 }), located({ b: 2, a: 1 }))).toBe(false);
    expect(sameJson(located(1), located('1'))).toBe(false);
    expect(sameJson(located(null), located(false))).toBe(false);
  });
});
