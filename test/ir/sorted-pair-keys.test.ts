import { describe, expect, it } from 'vitest';
import { sortedPairKeys } from '../../src/ir/lower-blocks.js';
import { prng } from '../helpers/prng.js';

/** The keys a comparator sort gives: by first step, then second. */
function oracle(pairs: number[], n: number): number[] {
  const keys: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) keys.push((pairs[i] as number) * n + (pairs[i + 1] as number));
  return keys.sort((a, b) => a - b);
}

function randomPairs(rand: () => number, count: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.floor(rand() * n), Math.floor(rand() * n));
  return out;
}

describe('sortedPairKeys (the added orderings, sorted as numbers)', () => {
  const rand = prng(1919);
  // 65,536 steps is the radix path's last size (keys below 2^32); 70,000 takes the float sort.
  for (const n of [2, 37, 300, 4096, 65536, 70000]) {
    it(`sorts pairs of ${n} steps as a comparator sort does`, () => {
      for (const count of [0, 1, 5, 2000]) {
        const pairs = randomPairs(rand, count, n);
        // Pairs that differ only in the low or only in the high 16 bits of the key, and the largest key.
        pairs.push(n - 1, n - 1, 0, n - 1, n - 1, 0, 0, 0, Math.floor(n / 2), 1, Math.floor(n / 2), 0);
        expect([...sortedPairKeys(pairs, n)]).toEqual(oracle(pairs, n));
      }
    });
  }
});
