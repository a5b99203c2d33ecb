import { MinHeap } from './min-heap.js';

/**
 * Kahn's algorithm with ties broken by the given node order, so the IR's step order is stable:
 * the same flow always lists its steps the same way, and a flow already written in dependency
 * order keeps its order. O((V + E) log V). Assumes the graph is acyclic (a rule checks that first);
 * nodes left on a cycle are appended in their given order.
 */
export function stableTopologicalOrder(nodes: readonly string[], edges: readonly (readonly [string, string])[]): string[] {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const indegree = new Array<number>(nodes.length).fill(0);
  const out: number[][] = nodes.map(() => []);
  for (const [from, to] of edges) {
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined) continue;
    (out[a] as number[]).push(b);
    indegree[b] = (indegree[b] as number) + 1;
  }
  const ready = new MinHeap();
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    for (const j of out[i] as number[]) {
      indegree[j] = (indegree[j] as number) - 1;
      if (indegree[j] === 0) ready.push(j);
    }
  }
  if (order.length < nodes.length) {
    const placed = new Set(order);
    for (let i = 0; i < nodes.length; i++) if (!placed.has(i)) order.push(i);
  }
  return order.map((i) => nodes[i] as string);
}
