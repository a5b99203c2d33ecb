import type { IR } from '../ir/types.js';

/**
 * The orderings a lowering added, reduced to the ones worth drawing: a pair [a, b] is left out
 * when the lowered order already implies it through another step (a before c before b), so a
 * Parallel that waits for a whole branch shows as one dashed edge per waiting step, not one per
 * pair. The result keeps the order of `addedOrderings`.
 */
export function addedEdges(ir: IR, added: [string, string][]): [string, string][] {
  if (added.length === 0) return [];
  const index = new Map(ir.steps.map((s, i) => [s.id, i]));
  const n = ir.steps.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const link = (a: string, b: string) => succ[index.get(a) as number]?.push(index.get(b) as number);
  for (const [a, b] of ir.edges) link(a, b);
  for (const [a, b] of added) link(a, b);
  // Reachability in the lowered order, filled in reverse topological order of the combined graph
  // (an added pair may go backwards in ir.steps, which only orders the flow's own edges).
  const indegree = new Array<number>(n).fill(0);
  for (const ws of succ) for (const w of ws) indegree[w] = (indegree[w] as number) + 1;
  const topo: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) topo.push(v);
  for (let i = 0; i < topo.length; i++) {
    for (const w of succ[topo[i] as number] as number[]) {
      indegree[w] = (indegree[w] as number) - 1;
      if (indegree[w] === 0) topo.push(w);
    }
  }
  if (topo.length !== n) throw new Error('internal: a lowering ordered steps in a cycle');
  const reach: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (const v of topo.reverse()) {
    for (const w of succ[v] as number[]) {
      (reach[v] as Set<number>).add(w);
      for (const x of reach[w] as Set<number>) (reach[v] as Set<number>).add(x);
    }
  }
  return added.filter(([a, b]) => {
    const ia = index.get(a) as number;
    const ib = index.get(b) as number;
    return !(succ[ia] as number[]).some((c) => c !== ib && (reach[c] as Set<number>).has(ib));
  });
}
