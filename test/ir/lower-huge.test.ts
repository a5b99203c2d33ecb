import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/ir/blocks.js';
import { levelByLevelDag } from '../../src/ir/level-by-level.js';
import { lowerDag } from '../../src/ir/lower-blocks.js';
import { HUGE_LIMITS } from '../../src/ir/lower-huge.js';
import { blockMakespan, blockSteps, dagMakespan } from '../../src/ir/makespan.js';
import { type Dag, orderBudget } from '../../src/ir/order.js';

/** Every pair [a, b] the block makes wait, as "a>b". */
function blockPairs(block: Block): Set<string> {
  const out = new Set<string>();
  const walk = (b: Block): void => {
    if (b.kind === 'step') return;
    const parts = b.kind === 'seq' ? b.items : b.branches;
    parts.forEach(walk);
    if (b.kind === 'seq') {
      const steps = parts.map(blockSteps);
      for (let i = 0; i < steps.length; i++) for (let j = i + 1; j < steps.length; j++) for (const x of steps[i]!) for (const y of steps[j]!) out.add(`${x}>${y}`);
    }
  };
  walk(block);
  return out;
}

function closure(dag: Dag): Set<string> {
  const succ = new Map(dag.nodes.map((n) => [n, [] as string[]]));
  for (const [a, b] of dag.edges) succ.get(a)!.push(b);
  const out = new Set<string>();
  for (const s of dag.nodes) {
    const stack = [...succ.get(s)!];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      out.add(`${s}>${v}`);
      stack.push(...succ.get(v)!);
    }
  }
  return out;
}

/** ASAP levels; nodes are generated in topological order. */
function depths(dag: Dag): Map<string, number> {
  const d = new Map(dag.nodes.map((n) => [n, 0]));
  const pred = new Map(dag.nodes.map((n) => [n, [] as string[]]));
  for (const [a, b] of dag.edges) pred.get(b)!.push(a);
  for (const n of dag.nodes) for (const a of pred.get(n)!) d.set(n, Math.max(d.get(n)!, d.get(a)! + 1));
  return d;
}

/**
 * Whether the block makes b wait for a, without listing every pair: at the innermost block
 * holding both, it must be a seq with a's item first. O(block depth) per query.
 */
function orderOracle(block: Block): (a: string, b: string) => boolean {
  const path = new Map<string, [Block, number][]>();
  const walk = (b: Block, trail: [Block, number][]): void => {
    if (b.kind === 'step') return void path.set(b.id, trail);
    (b.kind === 'seq' ? b.items : b.branches).forEach((c, i) => walk(c, [...trail, [b, i]]));
  };
  walk(block, []);
  return (a, b) => {
    const pa = path.get(a)!;
    const pb = path.get(b)!;
    let i = 0;
    while (pa[i]![1] === pb[i]![1]) i++;
    return pa[i]![0].kind === 'seq' && pa[i]![1] < pb[i]![1];
  };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

const arbDag: fc.Arbitrary<Dag> = fc.integer({ min: 1, max: 45 }).chain((n) => {
  const pairs: [number, number][] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) pairs.push([i, j]);
  return fc.subarray(pairs, { maxLength: Math.min(pairs.length, n * 2) }).map((es) => ({
    nodes: names(n),
    edges: es.map(([i, j]) => [`s${i}`, `s${j}`] as [string, string]),
  }));
});

/** Width-wide layers, each step needing up to three steps of the layer before (scripts/bench.mjs's shape). */
function layered(n: number, width = 10): Dag {
  const nodes = names(n);
  const edges: [string, string][] = [];
  for (let i = width; i < n; i++) {
    const layer = Math.floor(i / width);
    for (const p of new Set([0, 3, 7].map((k) => (layer - 1) * width + ((i + k) % width)))) edges.push([`s${p}`, `s${i}`]);
  }
  return { nodes, edges };
}

describe('lowering huge flows in slabs (docs/lowering.md, "Huge flows")', () => {
  // Tiny limits force the slab path (and several reachability passes) on small graphs.
  const tiny = { wholeOrderMax: 7, closureBlock: 5 };

  it('keeps every step and edge, lists exactly the orderings it added, and is never slower than level-by-level', () => {
    fc.assert(
      fc.property(
        arbDag.chain((dag) => fc.tuple(fc.constant(dag), fc.array(fc.integer({ min: 1, max: 100 }), { minLength: dag.nodes.length, maxLength: dag.nodes.length }))),
        ([dag, ws]) => {
          const l = lowerDag(dag, tiny);
          expect([...blockSteps(l.block)].sort()).toEqual([...dag.nodes].sort());
          const pairs = blockPairs(l.block);
          const required = closure(dag);
          for (const p of required) expect(pairs.has(p), p).toBe(true);
          const extra = [...pairs].filter((p) => !required.has(p)).sort();
          expect(l.addedOrderings.map(([a, b]) => `${a}>${b}`).sort()).toEqual(extra);
          expect(l.exact).toBe(extra.length === 0);
          const d = depths(dag);
          for (const [a, b] of l.addedOrderings) expect(d.get(a)!).toBeLessThan(d.get(b)!);
          const dur = (id: string) => ws[dag.nodes.indexOf(id)]!;
          expect(blockMakespan(l.block, dur)).toBeLessThanOrEqual(blockMakespan(levelByLevelDag(dag).block, dur));
          expect(blockMakespan(l.block, dur)).toBeGreaterThanOrEqual(dagMakespan(dag, dur));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lowers a flow of independent parts, each within the limit, exactly as the whole lowering does', () => {
    const parts = [layered(40, 4), layered(7, 3), layered(30, 5)];
    let offset = 0;
    const dag: Dag = { nodes: [], edges: [] };
    for (const p of parts) {
      const rename = (s: string) => `p${offset}-${s}`;
      (dag.nodes as string[]).push(...p.nodes.map(rename));
      (dag.edges as [string, string][]).push(...p.edges.map(([a, b]) => [rename(a), rename(b)] as [string, string]));
      offset++;
    }
    expect(lowerDag(dag, { wholeOrderMax: 40, closureBlock: 64 })).toEqual(lowerDag(dag));
  });

  it('lowers a 50,000-step layered flow within a memory budget: no reachability set wider than the limit', () => {
    const dag = layered(50_000);
    orderBudget.bitsetWords = 0;
    orderBudget.largestOrder = 0;
    const l = lowerDag(dag);
    expect(orderBudget.largestOrder).toBeLessThanOrEqual(HUGE_LIMITS.wholeOrderMax);
    // Whole reachability would be 2 * n * ceil(n / 32) words = 156 million (625 MB). Slabs of
    // s_i <= L steps cost 2 * s_i^2 / 32 words each, at most n * L / 16 together, plus n * B / 32
    // for the cross-slab check (B sources per pass): 54.4 million words here.
    const { wholeOrderMax: L, closureBlock: B } = HUGE_LIMITS;
    expect(orderBudget.bitsetWords).toBeLessThanOrEqual((50_000 * L) / 16 + (50_000 * B) / 32);
    expect(orderBudget.bitsetWords).toBeLessThan(2 * 50_000 * Math.ceil(50_000 / 32) * 0.4);
    expect(blockSteps(l.block).length).toBe(50_000);
    const before = orderOracle(l.block);
    for (const [a, b] of dag.edges) if (!before(a, b)) expect.fail(`${a}->${b} not kept`);
    const d = depths(dag);
    for (const [a, b] of l.addedOrderings) if (!(d.get(a)! < d.get(b)!)) expect.fail(`${a}>${b} does not go up a level`);
    expect(l.addedOrderings.length).toBeGreaterThan(0);
  }, 300_000);
});
