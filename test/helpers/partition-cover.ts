import { expect } from 'vitest';
import type { IR } from '../../src/ir/types.js';

/**
 * What a target's partitioned artifacts say, read back from the files themselves (never from the
 * partitioner's own data structures): every part's steps, the orderings inside it, the parameters
 * it declares; the parent's ordering of the parts and the parameters it declares and passes on.
 */
export interface RecoveredParts {
  parts: {
    name: string;
    /** Flow step ids the part runs (one entry per step, even for a foreach). */
    steps: string[];
    /**
     * Orderings inside the part, as step id pairs [before, after]. For an engine with a DAG these
     * are the part's dependencies; for one without, every pair its blocks order (or a subset
     * whose transitive closure is that order).
     */
    edges: [string, string][];
    /** Parameter names the part declares. */
    parameters: string[];
    /** Parameter names the parent passes to this part. */
    passed: string[];
  }[];
  /** The parent's ordering of parts, as part name pairs [before, after] (closure taken here). */
  partEdges: [string, string][];
  /** Parameter names the parent declares. */
  parentParameters: string[];
}

/**
 * Reachability over `edges`, computed only from the nodes asked about (a 10,000-step flow checked
 * edge by edge would otherwise walk the whole graph from every step).
 */
function reach(nodes: string[], edges: [string, string][]): { get(n: string): Set<string> | undefined } {
  const succ = new Map(nodes.map((n) => [n, [] as string[]]));
  for (const [a, b] of edges) succ.get(a)?.push(b);
  const memo = new Map<string, Set<string>>();
  return {
    get(n: string): Set<string> | undefined {
      if (!succ.has(n)) return undefined;
      let seen = memo.get(n);
      if (seen) return seen;
      seen = new Set<string>();
      const stack = [...(succ.get(n) ?? [])];
      while (stack.length > 0) {
        const x = stack.pop() as string;
        if (seen.has(x)) continue;
        seen.add(x);
        stack.push(...(succ.get(x) ?? []));
      }
      memo.set(n, seen);
      return seen;
    },
  };
}

/**
 * Asserts that the parts hold exactly the flow: every step once and no other, every parameter in
 * the parent and in every part (and passed to it), every `needs` edge either inside one part (as
 * an ordering there) or between parts the parent orders. `exactInside`: the engine has a DAG, so
 * the orderings inside a part must be exactly the flow's edges there, nothing added.
 */
export function expectPartsCoverFlow(ir: IR, got: RecoveredParts, { exactInside }: { exactInside: boolean }): void {
  expect(got.parts.length).toBeGreaterThan(1);
  const partOf = new Map<string, string>();
  const duplicates: string[] = [];
  for (const part of got.parts) {
    for (const s of part.steps) {
      if (partOf.has(s)) duplicates.push(s);
      partOf.set(s, part.name);
    }
  }
  expect(duplicates).toEqual([]);
  expect([...partOf.keys()].sort()).toEqual(ir.steps.map((s) => s.id).sort());

  const params = ir.parameters.map((p) => p.name).sort();
  expect([...got.parentParameters].sort()).toEqual(params);
  for (const part of got.parts) {
    expect({ part: part.name, declared: [...part.parameters].sort() }).toEqual({ part: part.name, declared: params });
    expect({ part: part.name, passed: [...part.passed].sort() }).toEqual({ part: part.name, passed: params });
  }

  const partNames = got.parts.map((p) => p.name);
  const partReach = reach(partNames, got.partEdges);
  const insideReach = new Map(got.parts.map((p) => [p.name, reach(p.steps, p.edges)]));
  const direct = new Set(got.parts.flatMap((p) => p.edges.map(([a, b]) => `${p.name}\0${a}>${b}`)));
  const missing: string[] = [];
  for (const [a, b] of ir.edges) {
    const pa = partOf.get(a) as string;
    const pb = partOf.get(b) as string;
    const held = pa === pb ? direct.has(`${pa}\0${a}>${b}`) || (insideReach.get(pa)?.get(a)?.has(b) ?? false) : (partReach.get(pa)?.has(pb) ?? false);
    if (!held) missing.push(`${a} -> ${b} (${pa === pb ? `inside ${pa}` : `${pa} -> ${pb}`})`);
  }
  expect(missing).toEqual([]);
  // No cycle among parts: a part never (transitively) waits for itself.
  expect(partNames.filter((p) => partReach.get(p)?.has(p))).toEqual([]);

  if (exactInside) {
    const flowInside = new Set(ir.edges.filter(([a, b]) => partOf.get(a) === partOf.get(b)).map(([a, b]) => `${a}>${b}`));
    const gotInside = new Set(got.parts.flatMap((p) => p.edges.map(([a, b]) => `${a}>${b}`)));
    expect([...gotInside].filter((e) => !flowInside.has(e)).sort()).toEqual([]);
    expect([...flowInside].filter((e) => !gotInside.has(e)).sort()).toEqual([]);
  }
}
