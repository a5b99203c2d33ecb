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

/**
 * The same order over node indices 0..n-1, from each node's predecessors (`preds[i]`: the nodes
 * that must come before node i; entries outside 0..n-1 are ignored). Returns the indices in order.
 * The graph is held in flat typed arrays (compressed rows), not one array per node: lowering a
 * 10,000-step flow sorts this way.
 */
export function stableTopologicalOrderOfIndices(n: number, preds: readonly (readonly number[])[]): number[] {
  const indegree = new Int32Array(n);
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = preds[i] as readonly number[];
    for (let k = 0; k < p.length; k++) {
      const j = p[k] as number;
      if (j < 0 || j >= n || !Number.isInteger(j)) continue;
      (start[j + 1] as number)++;
      (indegree[i] as number)++;
    }
  }
  for (let i = 0; i < n; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const fill = start.slice(0, n);
  const succ = new Int32Array(start[n] as number);
  for (let i = 0; i < n; i++) {
    const p = preds[i] as readonly number[];
    for (let k = 0; k < p.length; k++) {
      const j = p[k] as number;
      if (j < 0 || j >= n || !Number.isInteger(j)) continue;
      succ[(fill[j] as number)++] = i;
    }
  }
  const ready = new MinHeap();
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  const order: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    const end = start[i + 1] as number;
    for (let e = start[i] as number; e < end; e++) {
      const j = succ[e] as number;
      if (--(indegree[j] as number) === 0) ready.push(j);
    }
  }
  if (order.length < n) {
    const placed = new Uint8Array(n);
    for (let k = 0; k < order.length; k++) placed[order[k] as number] = 1;
    for (let i = 0; i < n; i++) if (placed[i] === 0) order.push(i);
  }
  return order;
}
