import { describe, expect, it } from 'vitest';
import { lowerDag, scoredHash } from '../../src/ir/lower-blocks.js';
import { buildTopology, type Dag } from '../../src/ir/order.js';
import { buildOrder as frozenBuildOrder } from './frozen/order.js';
import { lowerDag as frozenLowerDag } from './frozen/lower-blocks.js';
import { prng } from '../helpers/prng.js';


function randomDag(rand: () => number, n: number, degree: number, prefix = 's'): Dag {
  const nodes = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const edges: [string, string][] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) if (rand() < degree / n) edges.push([nodes[i]!, nodes[j]!]);
  return { nodes, edges };
}

function layered(rand: () => number, n: number, width: number, needs: number, prefix = 's'): Dag {
  const nodes = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const edges: [string, string][] = [];
  for (let i = width; i < n; i++) {
    const layer = Math.floor(i / width);
    const from = new Set(Array.from({ length: needs }, () => (layer - 1) * width + Math.floor(rand() * width)));
    for (const p of from) edges.push([nodes[p]!, nodes[i]!]);
  }
  return { nodes, edges };
}

describe('the lowering gives the results it gave before the issue 19 speed-ups (frozen copy)', () => {
  const rand = prng(19);
  const cases: Dag[] = [];
  for (const n of [6, 14, 30, 70, 150, 300]) for (const d of [1.5, 3]) for (let g = 0; g < (n < 100 ? 12 : 2); g++) cases.push(randomDag(rand, n, d));
  for (const w of [3, 10, 25]) cases.push(layered(rand, 600, w, 3));
  // Independent parts of different sizes side by side (the re-indexing of parts).
  for (let g = 0; g < 3; g++) {
    const a = randomDag(rand, 50, 2, 'a');
    const b = layered(rand, 150, 7, 2, 'b');
    cases.push({ nodes: [...b.nodes, ...a.nodes], edges: [...a.edges, ...b.edges] });
  }

  it(`gives identical blocks and added orderings on ${cases.length} random and layered DAGs`, () => {
    for (const dag of cases) expect(lowerDag(dag)).toEqual(frozenLowerDag(dag));
  });

  it('also when every set scored during lookahead has the same hash (the sets are then told apart in full)', () => {
    scoredHash.mask = 0;
    try {
      for (const dag of cases.filter((d) => d.nodes.length <= 150)) expect(lowerDag(dag)).toEqual(frozenLowerDag(dag));
    } finally {
      scoredHash.mask = 0xffffffff;
    }
  });
});

describe('the step graph order (buildTopology) against its frozen copy', () => {
  it('gives the same order, lists and levels, with repeated edges and nodes given out of order', () => {
    const rand = prng(7);
    for (let g = 0; g < 300; g++) {
      const n = 1 + Math.floor(rand() * 40);
      const dag = randomDag(rand, n, 1 + rand() * 4);
      // Repeated edges, in any order, and the nodes listed in a shuffled (non-topological) order.
      const edges = [...dag.edges, ...dag.edges.filter(() => rand() < 0.3)].sort(() => rand() - 0.5);
      const nodes = [...dag.nodes].sort(() => rand() - 0.5);
      const shuffled = { nodes, edges };
      const { below: _b, above: _a, ...frozen } = frozenBuildOrder(shuffled);
      expect(buildTopology(shuffled)).toEqual(frozen);
    }
  });

  it('refuses what it was never meant to get: a cycle, an unknown node, a self edge, a node twice', () => {
    expect(() => buildTopology({ nodes: ['a', 'b'], edges: [['a', 'b'], ['b', 'a']] })).toThrow(/cycle/);
    expect(() => buildTopology({ nodes: ['a'], edges: [['a', 'x']] })).toThrow(/unknown node/);
    expect(() => buildTopology({ nodes: ['a'], edges: [['a', 'a']] })).toThrow(/self edge/);
    expect(() => buildTopology({ nodes: ['a', 'a'], edges: [] })).toThrow(/duplicate node/);
  });
});
