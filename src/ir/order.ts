import { MinHeap } from './min-heap.js';

/**
 * The partial order a step graph defines ("a must finish before b"), as reachability bitsets. The
 * series-parallel lowering works on the order rather than on the edges, so an edge implied by a
 * longer path (A->C next to A->B->C) is harmless: it adds nothing to the order. See docs/lowering.md.
 */

/** A fixed-size set of node indices, one bit per node. */
export type Bits = Uint32Array;

export function newBits(n: number): Bits {
  return new Uint32Array((n + 31) >>> 5);
}

export function hasBit(b: Bits, i: number): boolean {
  return ((b[i >>> 5] as number) & (1 << (i & 31))) !== 0;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5] = (b[i >>> 5] as number) | (1 << (i & 31));
}

/** A graph over nodes 0..n-1 given by name, with edges [from, to]. */
export interface Dag {
  nodes: readonly string[];
  edges: readonly (readonly [string, string])[];
}

/**
 * Reachability of a DAG. Indices follow a topological order that keeps the given node order
 * wherever the edges allow (so IR step order, already topological, is kept as is).
 */
export interface Order {
  n: number;
  /** Node names by index (topological). */
  names: string[];
  index: Map<string, number>;
  /** Direct successors / predecessors by index (duplicates removed). */
  succ: number[][];
  pred: number[][];
  /** below[v]: every u with u < v (u must finish before v starts), transitively. */
  below: Bits[];
  /** above[v]: every w with v < w. */
  above: Bits[];
  /** ASAP level: longest edge count from any source (the level-by-level baseline's layer). */
  depth: number[];
  /** Longest edge count to any sink (ALAP distance from the end). */
  height: number[];
}

/** The order's graph part, without reachability: what a huge flow can afford (O(n + m) memory). */
export type Topology = Omit<Order, 'below' | 'above'>;

/**
 * Builds the order: the topological sort and levels in O((n + m) log n), then the bitsets in
 * O(n * m / 32) time and n^2 / 16 bytes. Throws on a cycle or an unknown node: callers pass
 * graphs the flow checks already accepted.
 */
export function buildOrder(dag: Dag): Order {
  return withReachability(buildTopology(dag));
}

/** Words allocated for reachability bitsets so far (a work budget the scale tests assert on). */
export const orderBudget = { bitsetWords: 0, largestOrder: 0 };

/**
 * The topological sort (stable: the ready node that comes first in the given order, so IR step
 * order, already topological, is kept as is), predecessor/successor lists and levels.
 */
export function buildTopology(dag: Dag): Topology {
  const given = new Map<string, number>();
  dag.nodes.forEach((name, i) => {
    if (given.has(name)) throw new Error(`internal: duplicate node ${name}`);
    given.set(name, i);
  });
  const n = dag.nodes.length;
  const out: Set<number>[] = dag.nodes.map(() => new Set<number>());
  const indeg = new Array<number>(n).fill(0);
  for (const [a, b] of dag.edges) {
    const ia = given.get(a);
    const ib = given.get(b);
    if (ia === undefined || ib === undefined) throw new Error(`internal: edge ${a}->${b} names an unknown node`);
    if (ia === ib) throw new Error(`internal: self edge on ${a}`);
    if (!(out[ia] as Set<number>).has(ib)) {
      (out[ia] as Set<number>).add(ib);
      indeg[ib] = (indeg[ib] as number) + 1;
    }
  }
  // Kahn's algorithm, always taking the ready node that comes first in the given order (a binary
  // min-heap: a linear scan of the ready list is quadratic when thousands of steps are ready).
  const topo: number[] = [];
  const ready = new MinHeap();
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i);
  while (ready.size > 0) {
    const v = ready.pop();
    topo.push(v);
    for (const w of out[v] as Set<number>) {
      indeg[w] = (indeg[w] as number) - 1;
      if (indeg[w] === 0) ready.push(w);
    }
  }
  if (topo.length !== n) throw new Error('internal: the graph has a cycle');
  const pos = new Array<number>(n);
  topo.forEach((g, p) => (pos[g] = p));
  const names = topo.map((g) => dag.nodes[g] as string);
  const succ = topo.map((g) => [...(out[g] as Set<number>)].map((w) => pos[w] as number).sort((x, y) => x - y));
  const pred: number[][] = names.map(() => []);
  succ.forEach((ws, v) => ws.forEach((w) => (pred[w] as number[]).push(v)));
  const depth = new Array<number>(n).fill(0);
  for (let v = 0; v < n; v++) for (const u of pred[v] as number[]) depth[v] = Math.max(depth[v] as number, (depth[u] as number) + 1);
  const height = new Array<number>(n).fill(0);
  for (let v = n - 1; v >= 0; v--) for (const w of succ[v] as number[]) height[v] = Math.max(height[v] as number, (height[w] as number) + 1);
  return { n, names, index: new Map(names.map((s, i) => [s, i])), succ, pred, depth, height };
}

/**
 * The topology of a convex set of steps (ascending indices): reachability between members is the
 * whole graph's, since every path between two members stays inside. Levels stay the whole's.
 */
export function restrictTopology(t: Topology, members: readonly number[]): Topology {
  const local = new Map(members.map((m, i) => [m, i]));
  const names = members.map((m) => t.names[m] as string);
  const keep = (lists: number[][]) => members.map((m) => (lists[m] as number[]).filter((w) => local.has(w)).map((w) => local.get(w) as number));
  return {
    n: members.length,
    names,
    index: new Map(names.map((name, i) => [name, i])),
    succ: keep(t.succ),
    pred: keep(t.pred),
    depth: members.map((m) => t.depth[m] as number),
    height: members.map((m) => t.height[m] as number),
  };
}

/** Adds the reachability bitsets: O(n * m / 32) time, 2 * n * ceil(n / 32) words. */
export function withReachability(t: Topology): Order {
  const { n, pred, succ } = t;
  orderBudget.bitsetWords += 2 * n * ((n + 31) >>> 5);
  orderBudget.largestOrder = Math.max(orderBudget.largestOrder, n);
  const below = t.names.map(() => newBits(n));
  const above = t.names.map(() => newBits(n));
  for (let v = 0; v < n; v++) {
    for (const u of pred[v] as number[]) {
      orInto(below[v] as Bits, below[u] as Bits);
      setBit(below[v] as Bits, u);
    }
  }
  for (let v = n - 1; v >= 0; v--) {
    for (const w of succ[v] as number[]) {
      orInto(above[v] as Bits, above[w] as Bits);
      setBit(above[v] as Bits, w);
    }
  }
  return { ...t, below, above };
}


function orInto(target: Bits, source: Bits): void {
  for (let k = 0; k < target.length; k++) target[k] = (target[k] as number) | (source[k] as number);
}

export function clearBit(b: Bits, i: number): void {
  b[i >>> 5] = (b[i >>> 5] as number) & ~(1 << (i & 31));
}

/** Set bits in a 32-bit word. */
export function popcount(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
