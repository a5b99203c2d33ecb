// A frozen copy of src/ir/order.ts as of commit a7af0f2, used by ./lower-blocks.ts. Never edit.
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

/**
 * Builds the order in O(n + m) for the topological sort plus O(n * m / 32) for the bitsets.
 * Throws on a cycle or an unknown node: callers pass graphs the flow checks already accepted.
 */
export function buildOrder(dag: Dag): Order {
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
  // Kahn's algorithm, always taking the ready node that comes first in the given order.
  const topo: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i);
  while (ready.length > 0) {
    let best = 0;
    for (let k = 1; k < ready.length; k++) if ((ready[k] as number) < (ready[best] as number)) best = k;
    const v = ready.splice(best, 1)[0] as number;
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
  const below = names.map(() => newBits(n));
  const above = names.map(() => newBits(n));
  const depth = new Array<number>(n).fill(0);
  for (let v = 0; v < n; v++) {
    for (const u of pred[v] as number[]) {
      orInto(below[v] as Bits, below[u] as Bits);
      setBit(below[v] as Bits, u);
      depth[v] = Math.max(depth[v] as number, (depth[u] as number) + 1);
    }
  }
  const height = new Array<number>(n).fill(0);
  for (let v = n - 1; v >= 0; v--) {
    for (const w of succ[v] as number[]) {
      orInto(above[v] as Bits, above[w] as Bits);
      setBit(above[v] as Bits, w);
      height[v] = Math.max(height[v] as number, (height[w] as number) + 1);
    }
  }
  return { n, names, index: new Map(names.map((s, i) => [s, i])), succ, pred, below, above, depth, height };
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
