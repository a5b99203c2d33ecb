import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../src/ir/lower-blocks.js';
import { exactLowering, loweredGraph } from '../../src/targets/lowered.js';
import { makeIR, step } from '../helpers/ir-builders.js';

/** Every object and array reachable from `value`, itself included. */
function everyObject(value: unknown, out: object[] = []): object[] {
  if (value === null || typeof value !== 'object') return out;
  out.push(value);
  for (const v of Object.values(value)) everyObject(v, out);
  return out;
}

describe('the shared lowering (src/targets/lowered.ts) is frozen all the way down', () => {
  // An N (a->c, b->c, b->d) with more around it: blocks nest and orderings are added.
  const nShaped = () =>
    makeIR([step('a'), step('b'), step('c', { needs: ['a', 'b'] }), step('d', { needs: ['b'] }), step('e', { needs: ['c'] }), step('f', { needs: ['d', 'e'] }), step('g', { needs: ['d'] })]);

  it('every block, list and added ordering pair of an inexact lowering, still equal to lowerGraph', () => {
    const ir = nShaped();
    const lowered = loweredGraph(ir);
    expect(lowered.addedOrderings.length).toBeGreaterThan(0);
    expect(lowered).toEqual(lowerGraph(nShaped()));
    const all = everyObject(lowered);
    expect(all.length).toBeGreaterThan(lowered.addedOrderings.length + 3);
    for (const o of all) expect(Object.isFrozen(o)).toBe(true);
  });

  it('an exact lowering asked through exactLowering', () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })]);
    const lowered = exactLowering(ir);
    expect(lowered?.exact).toBe(true);
    for (const o of everyObject(lowered)) expect(Object.isFrozen(o)).toBe(true);
  });
});
