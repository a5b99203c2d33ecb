import type { Block } from './blocks.js';
import { orderBudget, type Topology } from './order.js';

/**
 * The bounded-memory path of the lowering for flows above `wholeOrderMax` steps (docs/lowering.md,
 * "Huge flows"). The exact lowering holds two n-bit reachability sets per step (n^2 / 4 bytes:
 * 600+ MB at 50,000 steps); here no reachability set is wider than `wholeOrderMax` bits, except
 * the cross-slab check's, which is `closureBlock` bits per step.
 *
 * 1. Independent parts (weakly connected components) are lowered on their own and run in
 *    parallel. This is what the exact lowering does too, so a flow made of parts of at most
 *    `wholeOrderMax` steps lowers exactly as before.
 * 2. A part above `wholeOrderMax` steps is cut into slabs of consecutive ASAP levels of at most
 *    `wholeOrderMax` steps, run one after the other; each slab is lowered on its own. A single
 *    level wider than that is a slab of its own, run as one parallel block (its steps are
 *    unordered among themselves). Every pair a slab boundary adds goes from a lower ASAP level to
 *    a strictly higher one, so guarantee 4 (never slower than level-by-level) still holds.
 */
export interface HugeLimits {
  /** Largest part lowered with whole reachability bitsets. */
  wholeOrderMax: number;
  /** Sources per pass of the cross-slab reachability check (its bitsets are this wide). */
  closureBlock: number;
}

export const HUGE_LIMITS: HugeLimits = { wholeOrderMax: 16384, closureBlock: 2048 };

/**
 * Pairs [a, b] of topological indices, flat (a at 2i, b at 2i + 1): a layered 10,000-step flow adds
 * 150,000 of them, and a two-item array apiece was a tenth of what its lowering allocated.
 */
export type AddedPairs = number[];

type LowerPart = (whole: Topology, members: number[], added: AddedPairs) => Block;

export function lowerHuge(t: Topology, added: AddedPairs, limits: HugeLimits, lowerPart: LowerPart): Block {
  const parts = weakComponents(t).map((members) =>
    members.length <= limits.wholeOrderMax ? lowerPart(t, members, added) : lowerBySlabs(t, members, added, limits, lowerPart),
  );
  return par(parts);
}

/** Weakly connected components, each ascending, listed by first member. O(n + m). */
function weakComponents(t: Topology): number[][] {
  const comp = new Int32Array(t.n).fill(-1);
  const out: number[][] = [];
  for (let s = 0; s < t.n; s++) {
    if (comp[s] !== -1) continue;
    const id = out.length;
    const members: number[] = [];
    const stack = [s];
    comp[s] = id;
    while (stack.length > 0) {
      const v = stack.pop() as number;
      members.push(v);
      for (const w of [...(t.pred[v] as number[]), ...(t.succ[v] as number[])]) {
        if (comp[w] !== -1) continue;
        comp[w] = id;
        stack.push(w);
      }
    }
    out.push(members.sort((a, b) => a - b));
  }
  return out;
}

function lowerBySlabs(t: Topology, members: number[], added: AddedPairs, limits: HugeLimits, lowerPart: LowerPart): Block {
  const byLevel = new Map<number, number[]>();
  for (const m of members) {
    const d = t.depth[m] as number;
    const list = byLevel.get(d);
    if (list) list.push(m);
    else byLevel.set(d, [m]);
  }
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  // Greedy: consecutive levels while the slab stays within the limit. Indices stay ascending
  // (topological) inside a slab, and a set of consecutive levels is convex.
  const slabs: number[][] = [];
  let current: number[] = [];
  for (const d of levels) {
    const level = byLevel.get(d) as number[];
    if (current.length > 0 && current.length + level.length > limits.wholeOrderMax) {
      slabs.push(current);
      current = [];
    }
    current = current.concat(level);
  }
  slabs.push(current);
  const slabOf = new Int32Array(t.n);
  const blocks = slabs.map((slab, i) => {
    slab.sort((a, b) => a - b);
    for (const m of slab) slabOf[m] = i;
    // Only a single level can exceed the limit, and a level is an antichain.
    if (slab.length > limits.wholeOrderMax) return par(slab.map((m): Block => ({ kind: 'step', id: t.names[m] as string })));
    return lowerPart(t, slab, added);
  });
  crossSlabPairs(t, members, slabOf, limits.closureBlock, added);
  return seq(blocks);
}

/**
 * Pushes every pair (x, y) with x in an earlier slab than y and y not reachable from x: the
 * orderings the slab sequence adds. Reachability is computed for `block` sources at a time (one
 * bitset of `block` bits per step, reused), so memory is O(k * block / 32) words and time
 * O(k * (k + m) / 32) word operations.
 */
function crossSlabPairs(t: Topology, members: number[], slabOf: Int32Array, block: number, added: AddedPairs): void {
  const k = members.length;
  const words = (block + 31) >>> 5;
  const reach = new Uint32Array(k * words);
  orderBudget.bitsetWords += reach.length;
  const pos = new Map(members.map((m, i) => [m, i]));
  const slabs = Math.max(...members.map((m) => slabOf[m] as number)) + 1;
  for (let start = 0; start < k; start += block) {
    const end = Math.min(k, start + block);
    // earlier[s]: this pass's sources on a slab before s.
    const earlier = new Uint32Array((slabs + 1) * words);
    for (let i = start; i < end; i++) {
      const at = ((slabOf[members[i] as number] as number) + 1) * words + ((i - start) >>> 5);
      earlier[at] = (earlier[at] as number) | (1 << ((i - start) & 31));
    }
    for (let sl = 1; sl <= slabs; sl++) for (let w = 0; w < words; w++) earlier[sl * words + w] = (earlier[sl * words + w] as number) | (earlier[(sl - 1) * words + w] as number);
    reach.fill(0, start * words);
    for (let i = 0; i < k; i++) {
      const v = members[i] as number;
      const row = i * words;
      // Steps before the pass's first source are reached by none of them (rows stay zero).
      if (i >= start) {
        if (i < end) reach[row + ((i - start) >>> 5)] = (reach[row + ((i - start) >>> 5)] as number) | (1 << ((i - start) & 31));
        for (const u of t.pred[v] as number[]) {
          const j = pos.get(u) as number;
          if (j < start) continue;
          const from = j * words;
          for (let w = 0; w < words; w++) reach[row + w] = (reach[row + w] as number) | (reach[from + w] as number);
        }
      }
      const mask = (slabOf[v] as number) * words;
      for (let w = 0; w < words; w++) {
        let word = (earlier[mask + w] as number) & ~(i >= start ? (reach[row + w] as number) : 0);
        while (word !== 0) {
          const bit = word & -word;
          word ^= bit;
          added.push(members[start + (w << 5) + (31 - Math.clz32(bit))] as number, v);
        }
      }
    }
  }
}

function seq(items: Block[]): Block {
  const flat = items.flatMap((b) => (b.kind === 'seq' ? b.items : [b]));
  return flat.length === 1 ? (flat[0] as Block) : { kind: 'seq', items: flat };
}

function par(branches: Block[]): Block {
  const flat = branches.flatMap((b) => (b.kind === 'par' ? b.branches : [b]));
  return flat.length === 1 ? (flat[0] as Block) : { kind: 'par', branches: flat };
}
