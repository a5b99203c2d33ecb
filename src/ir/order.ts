import { MinHeap } from './min-heap.js';
import { sortSmall } from './sort-small.js';

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
  // Index loops over flat arrays: run once per lowering (and per part of a big flow), mostly before
  // V8 optimizes it, where a Set per node and an iterator per edge were a tenth of what a
  // 10,000-step lowering allocated.
  const n = dag.nodes.length;
  const given = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const name = dag.nodes[i] as string;
    if (given.has(name)) throw new Error(`internal: duplicate node ${name}`);
    given.set(name, i);
  }
  const m = dag.edges.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  // Each node's successors, in the order their edges are given (CSR: outStart[v]..outStart[v + 1]).
  const outStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const edge = dag.edges[e] as readonly [string, string];
    const a = edge[0];
    const b = edge[1];
    const ia = given.get(a);
    const ib = given.get(b);
    if (ia === undefined || ib === undefined) throw new Error(`internal: edge ${a}->${b} names an unknown node`);
    if (ia === ib) throw new Error(`internal: self edge on ${a}`);
    from[e] = ia;
    to[e] = ib;
    outStart[ia + 1] = (outStart[ia + 1] as number) + 1;
  }
  for (let v = 0; v < n; v++) outStart[v + 1] = (outStart[v + 1] as number) + (outStart[v] as number);
  const fill = outStart.slice(0, n);
  const outList = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const a = from[e] as number;
    outList[fill[a] as number] = to[e] as number;
    fill[a] = (fill[a] as number) + 1;
  }
  // A repeated edge counts once: `outEnd[v]` ends v's list with its first occurrences only.
  const outEnd = new Int32Array(n);
  const lastFrom = new Int32Array(n).fill(-1);
  const indeg = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    let k = outStart[v] as number;
    for (let e = outStart[v] as number; e < (outStart[v + 1] as number); e++) {
      const w = outList[e] as number;
      if (lastFrom[w] === v) continue;
      lastFrom[w] = v;
      outList[k++] = w;
      indeg[w] = (indeg[w] as number) + 1;
    }
    outEnd[v] = k;
  }
  // Kahn's algorithm, always taking the ready node that comes first in the given order (a binary
  // min-heap: a linear scan of the ready list is quadratic when thousands of steps are ready).
  const topo = new Int32Array(n);
  let placed = 0;
  const ready = new MinHeap();
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i);
  while (ready.size > 0) {
    const v = ready.pop();
    topo[placed++] = v;
    for (let e = outStart[v] as number; e < (outEnd[v] as number); e++) {
      const w = outList[e] as number;
      indeg[w] = (indeg[w] as number) - 1;
      if (indeg[w] === 0) ready.push(w);
    }
  }
  if (placed !== n) throw new Error('internal: the graph has a cycle');
  const pos = new Int32Array(n);
  for (let p = 0; p < n; p++) pos[topo[p] as number] = p;
  const names = new Array<string>(n);
  const index = new Map<string, number>();
  const succ = new Array<number[]>(n);
  const pred = new Array<number[]>(n);
  for (let p = 0; p < n; p++) {
    const g = topo[p] as number;
    const name = dag.nodes[g] as string;
    names[p] = name;
    index.set(name, p);
    const ws: number[] = [];
    for (let e = outStart[g] as number; e < (outEnd[g] as number); e++) ws.push(pos[outList[e] as number] as number);
    succ[p] = sortSmall(ws);
    pred[p] = [];
  }
  for (let v = 0; v < n; v++) {
    const ws = succ[v] as number[];
    for (let i = 0; i < ws.length; i++) (pred[ws[i] as number] as number[]).push(v);
  }
  const depth = new Array<number>(n).fill(0);
  for (let v = 0; v < n; v++) {
    const us = pred[v] as number[];
    let d = 0;
    for (let i = 0; i < us.length; i++) d = Math.max(d, (depth[us[i] as number] as number) + 1);
    depth[v] = d;
  }
  const height = new Array<number>(n).fill(0);
  for (let v = n - 1; v >= 0; v--) {
    const ws = succ[v] as number[];
    let h = 0;
    for (let i = 0; i < ws.length; i++) h = Math.max(h, (height[ws[i] as number] as number) + 1);
    height[v] = h;
  }
  return { n, names, index, succ, pred, depth, height };
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
