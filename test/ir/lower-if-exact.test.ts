import { describe, expect, it } from 'vitest';
import { lowerDag, lowerDagIfExact } from '../../src/ir/lower-blocks.js';
import type { Dag } from '../../src/ir/order.js';
import { prng } from '../helpers/prng.js';

/**
 * lowerDagIfExact is the fast path the Step Functions target asks before choosing between blocks
 * and a Batch DAG: it must be lowerDag's result exactly when that is exact, and null otherwise.
 */

/** Any DAG over n nodes: each earlier node is a need with probability p. */
function randomDag(rand: () => number, n: number, p: number): Dag {
  const nodes = Array.from({ length: n }, (_, i) => `s${i}`);
  const edges: [string, string][] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) if (rand() < p) edges.push([`s${i}`, `s${j}`]);
  return { nodes, edges };
}

/** A series-parallel DAG built by composition, with some implied edges, its nodes shuffled. */
function spDag(rand: () => number, n: number): Dag {
  const pick = (k: number) => Math.floor(rand() * k);
  const edges: [string, string][] = [];
  const build = (lo: number, hi: number): { sources: string[]; sinks: string[]; all: string[] } => {
    if (hi - lo === 1) return { sources: [`s${lo}`], sinks: [`s${lo}`], all: [`s${lo}`] };
    const cut = lo + 1 + pick(hi - lo - 1);
    const a = build(lo, cut);
    const b = build(cut, hi);
    if (pick(2) === 0) return { sources: [...a.sources, ...b.sources], sinks: [...a.sinks, ...b.sinks], all: [...a.all, ...b.all] };
    for (const x of a.sinks) for (const y of b.sources) edges.push([x, y]);
    if (pick(3) === 0) edges.push([a.all[pick(a.all.length)] as string, b.all[pick(b.all.length)] as string]);
    return { sources: a.sources, sinks: b.sinks, all: [...a.all, ...b.all] };
  };
  build(0, n);
  const nodes = Array.from({ length: n }, (_, i) => `s${i}`);
  for (let i = n - 1; i > 0; i--) {
    const j = pick(i + 1);
    [nodes[i], nodes[j]] = [nodes[j] as string, nodes[i] as string];
  }
  return { nodes, edges: [...new Map(edges.map((e) => [e.join('>'), e])).values()] };
}

function expectSame(dag: Dag, limits?: { wholeOrderMax: number; closureBlock: number }): boolean {
  const slow = lowerDag(dag, limits);
  const fast = lowerDagIfExact(dag, limits);
  expect(fast).toEqual(slow.exact ? slow : null);
  return slow.exact;
}

describe('lowerDagIfExact', () => {
  it('is lowerDag when that is exact, and null when it is not (random DAGs)', () => {
    const rand = prng(6001);
    let exact = 0;
    let inexact = 0;
    for (let g = 0; g < 300; g++) {
      const n = 1 + Math.floor(rand() * 40);
      if (expectSame(randomDag(rand, n, rand() * 3 / n + 0.01))) exact++;
      else inexact++;
    }
    // Both answers were exercised.
    expect(exact).toBeGreaterThan(20);
    expect(inexact).toBeGreaterThan(20);
  });

  it('is lowerDag on series-parallel DAGs, and null once one edge makes an N', () => {
    const rand = prng(6002);
    for (let g = 0; g < 150; g++) {
      const dag = spDag(rand, 2 + Math.floor(rand() * 60));
      expect(expectSame(dag)).toBe(true);
      // A random extra edge between two unordered steps either keeps it series-parallel or not: both agree.
      const a = Math.floor(rand() * dag.nodes.length);
      const b = Math.floor(rand() * dag.nodes.length);
      const [x, y] = [Math.min(a, b), Math.max(a, b)];
      if (x === y) continue;
      const withEdge: Dag = { nodes: dag.nodes, edges: [...dag.edges, [`s${x}`, `s${y}`]] };
      // s0..s(n-1) were composed in index order, so an edge from a lower to a higher index keeps it acyclic.
      expectSame(withEdge);
    }
  });

  it('agrees on flows above the whole-order limit, where slab boundaries add pairs', () => {
    const rand = prng(6003);
    const tiny = { wholeOrderMax: 7, closureBlock: 5 };
    let exact = 0;
    let inexact = 0;
    for (let g = 0; g < 120; g++) {
      const dag = g % 2 === 0 ? spDag(rand, 2 + Math.floor(rand() * 30)) : randomDag(rand, 2 + Math.floor(rand() * 30), 0.1);
      if (expectSame(dag, tiny)) exact++;
      else inexact++;
    }
    expect(exact).toBeGreaterThan(5);
    expect(inexact).toBeGreaterThan(5);
  });

  it('returns null for the N graph and for a layered flow', () => {
    expect(lowerDagIfExact({ nodes: ['a', 'b', 'c', 'd'], edges: [['a', 'c'], ['a', 'd'], ['b', 'd']] })).toBeNull();
    const nodes = Array.from({ length: 200 }, (_, i) => `s${i}`);
    const edges: [string, string][] = [];
    for (let i = 10; i < 200; i++) for (const k of [0, 3, 7]) edges.push([`s${(Math.floor(i / 10) - 1) * 10 + ((i + k) % 10)}`, `s${i}`]);
    expect(lowerDagIfExact({ nodes, edges: [...new Map(edges.map((e) => [e.join('>'), e])).values()] })).toBeNull();
  });
});
