import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/ir/blocks.js';
import { levelByLevelDag } from '../../src/ir/level-by-level.js';
import { lowerDag } from '../../src/ir/lower-blocks.js';
import { blockMakespan, blockSteps, dagMakespan } from '../../src/ir/makespan.js';
import type { Dag } from '../../src/ir/order.js';

/** Every pair [a, b] the block makes wait: a finishes before b starts. */
function blockPairs(block: Block): Set<string> {
  const out = new Set<string>();
  const walk = (b: Block): void => {
    if (b.kind === 'step') return;
    const parts = b.kind === 'seq' ? b.items : b.branches;
    parts.forEach(walk);
    if (b.kind === 'seq') {
      const steps = parts.map(blockSteps);
      for (let i = 0; i < steps.length; i++) {
        for (let j = i + 1; j < steps.length; j++) for (const x of steps[i]!) for (const y of steps[j]!) out.add(`${x}>${y}`);
      }
    }
  };
  walk(block);
  return out;
}

/** The transitive closure of the DAG's edges, as "a>b" keys. */
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

/** ASAP levels (longest edge count from a root). */
function depths(dag: Dag): Map<string, number> {
  const d = new Map<string, number>();
  for (const n of dag.nodes) d.set(n, 0);
  // Nodes are generated in topological order.
  for (const n of dag.nodes) for (const [a, b] of dag.edges) if (b === n) d.set(n, Math.max(d.get(n)!, d.get(a)! + 1));
  return d;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

/** Any DAG: edges only from lower to higher index. */
const arbDag: fc.Arbitrary<Dag> = fc.integer({ min: 1, max: 30 }).chain((n) => {
  const pairs: [number, number][] = [];
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) pairs.push([i, j]);
  return fc.subarray(pairs, { maxLength: Math.min(pairs.length, n * 3) }).map((es) => ({
    nodes: names(n),
    edges: es.map(([i, j]) => [`s${i}`, `s${j}`] as [string, string]),
  }));
});

/**
 * Series-parallel DAGs built by composition, plus random edges that are implied by the order
 * already (transitive edges must not break exactness). The node list is shuffled so the lowering
 * cannot lean on the given order.
 */
const arbSpDag: fc.Arbitrary<Dag> = fc
  .tuple(fc.integer({ min: 1, max: 30 }), fc.infiniteStream(fc.nat()))
  .map(([n, stream]) => {
    const it = stream[Symbol.iterator]();
    const rand = (k: number) => (it.next().value as number) % k;
    const edges: [string, string][] = [];
    const build = (lo: number, hi: number): { sources: string[]; sinks: string[]; all: string[] } => {
      if (hi - lo === 1) return { sources: [`s${lo}`], sinks: [`s${lo}`], all: [`s${lo}`] };
      const cut = lo + 1 + rand(hi - lo - 1);
      const a = build(lo, cut);
      const b = build(cut, hi);
      if (rand(2) === 0) return { sources: [...a.sources, ...b.sources], sinks: [...a.sinks, ...b.sinks], all: [...a.all, ...b.all] };
      for (const x of a.sinks) for (const y of b.sources) edges.push([x, y]);
      // A transitive edge: from anywhere in a to anywhere in b.
      if (rand(3) === 0) edges.push([a.all[rand(a.all.length)]!, b.all[rand(b.all.length)]!]);
      return { sources: a.sources, sinks: b.sinks, all: [...a.all, ...b.all] };
    };
    build(0, n);
    const nodes = names(n);
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [nodes[i], nodes[j]] = [nodes[j]!, nodes[i]!];
    }
    const unique = [...new Map(edges.map((e) => [e.join('>'), e])).values()];
    return { nodes, edges: unique };
  });

const arbWeights = (dag: Dag) => fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: dag.nodes.length, maxLength: dag.nodes.length });
const durationOf = (dag: Dag, ws: number[]) => {
  const m = new Map(dag.nodes.map((n, i) => [n, ws[i]!]));
  return (id: string) => m.get(id)!;
};

describe('lowerDag on known graphs', () => {
  it('lowers a diamond exactly', () => {
    const l = lowerDag({ nodes: ['a', 'b', 'c', 'd'], edges: [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']] });
    expect(l).toEqual({
      block: { kind: 'seq', items: [{ kind: 'step', id: 'a' }, { kind: 'par', branches: [{ kind: 'step', id: 'b' }, { kind: 'step', id: 'c' }] }, { kind: 'step', id: 'd' }] },
      exact: true,
      addedOrderings: [],
    });
  });

  it('ignores a transitive edge', () => {
    const l = lowerDag({ nodes: ['a', 'b', 'c'], edges: [['a', 'b'], ['b', 'c'], ['a', 'c']] });
    expect(l.exact).toBe(true);
    expect(l.block).toEqual({ kind: 'seq', items: ['a', 'b', 'c'].map((id) => ({ kind: 'step', id })) });
  });

  it('lowers the N graph (A->C, A->D, B->D) making C wait for B, and names that', () => {
    const l = lowerDag({ nodes: ['a', 'b', 'c', 'd'], edges: [['a', 'c'], ['a', 'd'], ['b', 'd']] });
    expect(l.exact).toBe(false);
    expect(l.addedOrderings).toEqual([['b', 'c']]);
    expect(l.block).toEqual({
      kind: 'seq',
      items: [
        { kind: 'par', branches: [{ kind: 'step', id: 'a' }, { kind: 'step', id: 'b' }] },
        { kind: 'par', branches: [{ kind: 'step', id: 'c' }, { kind: 'step', id: 'd' }] },
      ],
    });
  });

  it('keeps a chain that is independent of an N independent (level-by-level would not)', () => {
    const dag: Dag = {
      nodes: ['a', 'b', 'c', 'd', 'x1', 'x2', 'x3'],
      edges: [['a', 'c'], ['a', 'd'], ['b', 'd'], ['x1', 'x2'], ['x2', 'x3']],
    };
    const l = lowerDag(dag);
    expect(l.addedOrderings).toEqual([['b', 'c']]);
    expect(l.block.kind).toBe('par');
    // With slow c and x3, level-by-level makes x3 wait for c; the lowering does not.
    const slow = (id: string) => (id === 'c' || id === 'x3' ? 50 : 1);
    expect(blockMakespan(l.block, slow)).toBe(dagMakespan(dag, slow));
    expect(blockMakespan(levelByLevelDag(dag).block, slow)).toBeGreaterThan(dagMakespan(dag, slow));
  });

  it('is deterministic and independent of edge order', () => {
    const dag: Dag = { nodes: names(8), edges: [['s0', 's3'], ['s1', 's3'], ['s1', 's4'], ['s2', 's4'], ['s3', 's6'], ['s4', 's7'], ['s5', 's7']] };
    const a = lowerDag(dag);
    expect(lowerDag({ nodes: dag.nodes, edges: [...dag.edges].reverse() })).toEqual(a);
  });

  it('lowers a single step', () => {
    expect(lowerDag({ nodes: ['only'], edges: [] })).toEqual({ block: { kind: 'step', id: 'only' }, exact: true, addedOrderings: [] });
  });
});

describe('lowerDag properties', () => {
  it('runs every step exactly once, respects every edge, and lists exactly the orderings it added', () => {
    fc.assert(
      fc.property(arbDag, (dag) => {
        const l = lowerDag(dag);
        expect([...blockSteps(l.block)].sort()).toEqual([...dag.nodes].sort());
        const pairs = blockPairs(l.block);
        const required = closure(dag);
        for (const [a, b] of dag.edges) expect(pairs.has(`${a}>${b}`), `${a}->${b}`).toBe(true);
        const extra = [...pairs].filter((p) => !required.has(p)).sort();
        expect(l.addedOrderings.map(([a, b]) => `${a}>${b}`).sort()).toEqual(extra);
        expect(l.exact).toBe(extra.length === 0);
        // Every added ordering goes to a strictly higher ASAP level: the never-worse guarantee.
        const d = depths(dag);
        for (const [a, b] of l.addedOrderings) expect(d.get(a)!).toBeLessThan(d.get(b)!);
        // par blocks have at least two branches, seq at least two items, and nothing nests in its own kind.
        const shape = (b: Block): void => {
          if (b.kind === 'step') return;
          const parts = b.kind === 'seq' ? b.items : b.branches;
          expect(parts.length).toBeGreaterThanOrEqual(2);
          for (const p of parts) expect(p.kind).not.toBe(b.kind);
          parts.forEach(shape);
        };
        shape(l.block);
      }),
      { numRuns: 300 },
    );
  });

  it('lowers series-parallel graphs exactly: nothing added, makespan equals the ideal for any durations', () => {
    fc.assert(
      fc.property(
        arbSpDag.chain((dag) => fc.tuple(fc.constant(dag), arbWeights(dag))),
        ([dag, ws]) => {
          const l = lowerDag(dag);
          expect(l.addedOrderings).toEqual([]);
          expect(l.exact).toBe(true);
          const dur = durationOf(dag, ws);
          expect(blockMakespan(l.block, dur)).toBe(dagMakespan(dag, dur));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is never slower than level-by-level flattening, for any durations', () => {
    fc.assert(
      fc.property(
        arbDag.chain((dag) => fc.tuple(fc.constant(dag), arbWeights(dag))),
        ([dag, ws]) => {
          const dur = durationOf(dag, ws);
          const ours = blockMakespan(lowerDag(dag).block, dur);
          expect(ours).toBeLessThanOrEqual(blockMakespan(levelByLevelDag(dag).block, dur));
          expect(ours).toBeGreaterThanOrEqual(dagMakespan(dag, dur));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('levelByLevelDag', () => {
  it('groups by ASAP level and lists what it adds', () => {
    const l = levelByLevelDag({ nodes: ['a', 'b', 'c', 'd'], edges: [['a', 'c'], ['a', 'd'], ['b', 'd']] });
    expect(l.addedOrderings).toEqual([['b', 'c']]);
    expect(blockSteps(l.block)).toEqual(['a', 'b', 'c', 'd']);
  });
});
