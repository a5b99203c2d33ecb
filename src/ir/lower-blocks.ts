import type { Block, LoweredGraph } from './blocks.js';
import { type AddedPairs, HUGE_LIMITS, type HugeLimits, lowerHuge } from './lower-huge.js';
import { type Bits, buildTopology, clearBit, type Dag, hasBit, newBits, type Order, popcount, restrictTopology, setBit, type Topology, withReachability } from './order.js';
import type { IR } from './types.js';

/**
 * Lowers a flow's step graph to nested seq/par blocks, for engines without a DAG (Step Functions
 * `Parallel`, Google Cloud Workflows `parallel`). Algorithm, guarantees and complexity:
 * docs/lowering.md.
 *
 * Series-parallel graphs (in the vertex sense, after transitive reduction) lower exactly: the
 * block's order is the flow's order, `exact` is true and nothing is added. Any other DAG lowers to
 * a structure that keeps every edge and only adds orderings from a step to one on a strictly
 * higher ASAP level, so for every choice of step durations it is never slower than level-by-level
 * flattening; `addedOrderings` lists every pair it added.
 */
export function lowerGraph(ir: IR): LoweredGraph {
  return lowerDag({ nodes: ir.steps.map((s) => s.id), edges: ir.edges });
}

/** `lowerGraph` over a bare graph (the benchmark and property tests build these directly). */
export function lowerDag(dag: Dag, limits: HugeLimits = HUGE_LIMITS): LoweredGraph {
  return lowerTopology(buildTopology(dag), limits, lowerPart);
}

/**
 * `lowerGraph(ir)` when it is exact, else null, found without choosing a single cut: the
 * decomposition stops at the first set that contains an N. A target that runs a flow which is not
 * series-parallel some other way (Step Functions' Batch DAG) needs no blocks for it, and choosing
 * the cuts is nearly all of a lowering's time. An exact lowering never reaches a cut, so the result
 * is `lowerGraph`'s, the same object shape and all.
 */
export function lowerIfExact(ir: IR): LoweredGraph | null {
  return lowerDagIfExact({ nodes: ir.steps.map((s) => s.id), edges: ir.edges });
}

export function lowerDagIfExact(dag: Dag, limits: HugeLimits = HUGE_LIMITS): LoweredGraph | null {
  const topo = buildTopology(dag);
  // Slab boundaries add pairs of their own (lower-huge.ts): only the whole lowering can tell.
  if (topo.n > limits.wholeOrderMax) {
    const lowered = lowerTopology(topo, limits, lowerPart);
    return lowered.exact ? lowered : null;
  }
  try {
    return lowerTopology(topo, limits, lowerPartIfExact);
  } catch (e) {
    if (e === NOT_EXACT) return null;
    throw e;
  }
}

/** Thrown out of a decomposition that meets an N when only an exact lowering is wanted. */
const NOT_EXACT = new Error('internal: not series-parallel');

function lowerTopology(topo: Topology, limits: HugeLimits, part: LowerPart): LoweredGraph {
  if (topo.n === 0) throw new Error('internal: a flow has at least one step');
  const added: AddedPairs = [];
  const block =
    topo.n <= limits.wholeOrderMax
      ? part(topo, Array.from({ length: topo.n }, (_, i) => i), added)
      : lowerHuge(topo, added, limits, part);
  const keys = sortedPairKeys(added, topo.n);
  const addedOrderings: [string, string][] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number;
    const a = Math.floor(key / topo.n);
    addedOrderings[i] = [topo.names[a] as string, topo.names[key - a * topo.n] as string];
  }
  return { block, exact: added.length === 0, addedOrderings };
}

/**
 * The pairs by first step, then second, each as one number a * n + b (exact below 2^53), sorted
 * without a comparator call per pair (a layered 10,000-step flow adds 150,000 pairs). Below 2^32
 * keys (flows of up to 65,536 steps) a radix sort of four 8-bit digits, whose counts are small
 * enough for a flow that adds few pairs or none; above, the typed array's own sort.
 */
export function sortedPairKeys(added: AddedPairs, n: number): Float64Array | Uint32Array {
  const count = added.length >>> 1;
  if (n * n > 0x100000000) {
    const keys = new Float64Array(count);
    for (let i = 0; i < count; i++) keys[i] = (added[2 * i] as number) * n + (added[2 * i + 1] as number);
    return keys.sort();
  }
  const keys = new Uint32Array(count);
  for (let i = 0; i < count; i++) keys[i] = (added[2 * i] as number) * n + (added[2 * i + 1] as number);
  if (count < 2) return keys;
  const spare = new Uint32Array(count);
  radixPass(keys, spare, 0);
  radixPass(spare, keys, 8);
  radixPass(keys, spare, 16);
  radixPass(spare, keys, 24);
  return keys;
}

/** A stable counting sort of `from` into `to` by the 8 bits at `shift`. */
function radixPass(from: Uint32Array, to: Uint32Array, shift: number): void {
  const start = new Uint32Array(257);
  for (let i = 0; i < from.length; i++) start[(((from[i] as number) >>> shift) & 0xff) + 1]++;
  for (let d = 1; d <= 256; d++) start[d] = (start[d] as number) + (start[d - 1] as number);
  for (let i = 0; i < from.length; i++) {
    const key = from[i] as number;
    const digit = (key >>> shift) & 0xff;
    to[start[digit] as number] = key;
    start[digit] = (start[digit] as number) + 1;
  }
}

/**
 * Lowers the convex set `members` (ascending indices of `whole`) on its own, pushing the pairs it
 * adds (whole-flow indices) to `added`. Sample durations are keyed by whole-flow indices, so a
 * part lowers exactly as it would inside the whole flow.
 */
function lowerPart(whole: Topology, members: number[], added: AddedPairs): Block {
  return lowerPartWith(whole, members, added, false);
}

function lowerPartIfExact(whole: Topology, members: number[], added: AddedPairs): Block {
  return lowerPartWith(whole, members, added, true);
}

type LowerPart = (whole: Topology, members: number[], added: AddedPairs) => Block;

function lowerPartWith(whole: Topology, members: number[], added: AddedPairs, exactOnly: boolean): Block {
  const order = withReachability(members.length === whole.n ? whole : restrictTopology(whole, members));
  const o: SubOrder = { n: order.n, names: order.names, succ: order.succ, pred: order.pred, below: order.below, above: order.above, depth: order.depth, height: order.height, gid: members };
  const ctx = makeCtx(o, whole.index, added, true, new Map(), new WeakMap(), exactOnly);
  return decompose(ctx, Array.from({ length: order.n }, (_, i) => i));
}

/**
 * An order over a subset of the flow's steps, indexed 0..k-1 in the flow's topological order;
 * `gid` maps each index back to the whole flow's. ASAP levels and heights stay the whole flow's:
 * the rule that added orderings go to a strictly higher level is about the whole flow. Names are
 * looked up in the whole flow's index only (Ctx.globalIndex), so a sub-order keeps no index of its own.
 */
interface SubOrder extends Omit<Order, 'index'> {
  gid: number[];
}

interface Ctx {
  order: SubOrder;
  /** Step name -> index in the whole flow (sample durations are keyed by it). */
  globalIndex: Map<string, number>;
  /** Pairs [a, b] (topological indices of the whole flow) the lowering made wait although the flow does not. */
  added: AddedPairs;
  /** False while scoring a candidate cut, so lookahead does not nest. */
  lookahead: boolean;
  /**
   * Blocks lowered while scoring candidates (lookahead false), by the whole-flow indices of their
   * members. Without lookahead a set lowers to the same block whatever index space it is in
   * (levels, heights, sample durations and the order of members are the whole flow's), and the
   * candidates of one part share most of their sides: a 10,000-step layered flow lowered 72,851
   * such sets, 16,505 of them distinct. Keyed by a hash of those indices, each entry holding them
   * to tell sets with the same hash apart (a text key of the indices cost more than the lookup saved).
   */
  scored: Map<number, ScoredSet[]>;
  /** Each block's makespan per sample (blockSpans), for the blocks lookahead measures. */
  spans: WeakMap<Block, Float64Array>;
  /** True when only an exact lowering is wanted: a set with an N throws NOT_EXACT instead of being cut. */
  exactOnly: boolean;
}

/**
 * Every Ctx (and every SubOrder, see `restrict`) is built with its fields in one order, so the
 * hot functions see one object shape: objects spread from others had shapes of their own, and the
 * optimised code was thrown away and rebuilt for each new one.
 */
function makeCtx(order: SubOrder, globalIndex: Map<string, number>, added: AddedPairs, lookahead: boolean, scored: Map<number, ScoredSet[]>, spans: WeakMap<Block, Float64Array>, exactOnly: boolean): Ctx {
  return { order, globalIndex, added, lookahead, scored, spans, exactOnly };
}

/**
 * Decomposes the sub-order on `members` (ascending indices, so topological). Every member set
 * met here is convex (whatever lies between two members is a member), so paths between members
 * stay inside the set. Parallel when the comparability graph is disconnected, series when the
 * incomparability graph is; when both are connected the sub-order contains an N and a cut is chosen.
 */
function decompose(ctx: Ctx, members: number[]): Block {
  const { order } = ctx;
  if (members.length === 1) return { kind: 'step', id: order.names[members[0] as number] as string };
  if (ctx.lookahead) return decomposeSet(ctx, members);
  const gid = order.gid;
  let hash = Math.imul(0x811c9dc5 ^ members.length, 0x01000193);
  for (const m of members) hash = Math.imul(hash ^ (gid[m] as number), 0x01000193);
  hash &= scoredHash.mask;
  const bucket = ctx.scored.get(hash);
  if (bucket) for (const known of bucket) if (sameMembers(known.gids, gid, members)) return known.block;
  const block = decomposeSet(ctx, members);
  const gids = new Int32Array(members.length);
  for (let i = 0; i < gids.length; i++) gids[i] = gid[members[i] as number] as number;
  const entry: ScoredSet = { gids, block };
  // Looked up again: the decomposition may have added sets with the same hash.
  const now = ctx.scored.get(hash);
  if (now) now.push(entry);
  else ctx.scored.set(hash, [entry]);
  return block;
}

/** Bits of the scored-set hash kept: tests set 0, so every set shares one bucket and only the full comparison tells them apart. */
export const scoredHash = { mask: 0xffffffff };

/** A set lowered while scoring candidates: its members' whole-flow indices (ascending) and its block. */
interface ScoredSet {
  gids: Int32Array;
  block: Block;
}

function sameMembers(gids: Int32Array, gid: number[], members: number[]): boolean {
  if (gids.length !== members.length) return false;
  for (let i = 0; i < gids.length; i++) if (gids[i] !== gid[members[i] as number]) return false;
  return true;
}

function decomposeSet(ctx: Ctx, members: number[]): Block {
  const { order } = ctx;
  // A small part of a big flow gets its own index space, so its bitsets are sized to it: without
  // this every set operation on a 30-step part of a 10,000-step flow walks 10,000 bits.
  if (members.length >= RESTRICT_MIN && members.length * 4 <= order.n) {
    const sub = restrict(order, members);
    return decompose(makeCtx(sub, ctx.globalIndex, ctx.added, ctx.lookahead, ctx.scored, ctx.spans, ctx.exactOnly), sub.names.map((_, i) => i));
  }
  const together = components(order, members, /* comparableNeighbours */ true);
  if (together.length > 1) return par(together.map((c) => decompose(ctx, c)));
  const layers = components(order, members, /* comparableNeighbours */ false);
  // Layers of a series composition are totally ordered and indices are topological, so sorting
  // by first member puts them in order.
  if (layers.length > 1) {
    return seq(layers.sort((p, q) => (p[0] as number) - (q[0] as number)).map((c) => decompose(ctx, c)));
  }
  if (ctx.exactOnly) throw NOT_EXACT;
  const before = chooseCut(ctx, members);
  const after = members.filter((m) => !hasBit(before, m));
  // Word at a time: each word of (after \ above[x]) holds up to 32 added pairs.
  const afterMask = subset(order, after, () => true);
  const lo = (members[0] as number) >>> 5;
  const hi = (members[members.length - 1] as number) >>> 5;
  for (const x of members) {
    if (!hasBit(before, x)) continue;
    const above = order.above[x] as Bits;
    for (let k = lo; k <= hi; k++) {
      let word = (afterMask[k] as number) & ~(above[k] as number);
      while (word !== 0) {
        const bit = word & -word;
        word ^= bit;
        ctx.added.push(order.gid[x] as number, order.gid[(k << 5) + (31 - Math.clz32(bit))] as number);
      }
    }
  }
  return seq([decompose(ctx, members.filter((m) => hasBit(before, m))), decompose(ctx, after)]);
}

/**
 * Connected components of the comparability graph (or of its complement) restricted to
 * `members`, each sorted ascending, listed by first member. O(k * n / 32) with bitsets.
 */
function components(order: SubOrder, members: number[], comparableNeighbours: boolean): number[][] {
  const remaining = newBits(order.n);
  for (const m of members) setBit(remaining, m);
  // Bits outside the members' words are never set: only their range is walked.
  const lo = (members[0] as number) >>> 5;
  const hi = (members[members.length - 1] as number) >>> 5;
  // Each member's component, numbered by first member; the members are then dealt out in
  // ascending order, so each component comes out sorted without a sort.
  const label = scratchOf(componentScratch, order);
  let count = 0;
  const stack: number[] = [];
  for (const start of members) {
    if (!hasBit(remaining, start)) continue;
    stack.push(start);
    clearBit(remaining, start);
    while (stack.length > 0) {
      const v = stack.pop() as number;
      label[v] = count;
      const below = order.below[v] as Bits;
      const above = order.above[v] as Bits;
      for (let k = lo; k <= hi; k++) {
        if (remaining[k] === 0) continue;
        const rel = (below[k] as number) | (above[k] as number);
        let word = (remaining[k] as number) & (comparableNeighbours ? rel : ~rel);
        remaining[k] = (remaining[k] as number) & ~word;
        while (word !== 0) {
          const bit = word & -word;
          word ^= bit;
          stack.push((k << 5) + (31 - Math.clz32(bit)));
        }
      }
    }
    count++;
  }
  if (count === 1) return [members];
  const out: number[][] = Array.from({ length: count }, () => []);
  for (const m of members) (out[label[m] as number] as number[]).push(m);
  return out;
}

/** Per-order scratch arrays of one int per index, reused across calls (their contents are set before being read). */
const componentScratch = new WeakMap<SubOrder, Int32Array>();

function scratchOf(table: WeakMap<SubOrder, Int32Array>, order: SubOrder): Int32Array {
  let scratch = table.get(order);
  if (scratch === undefined) {
    scratch = new Int32Array(order.n);
    table.set(order, scratch);
  }
  return scratch;
}

/** Parts at least this big, and at most a quarter of their parent, get their own index space. */
const RESTRICT_MIN = 3;

/**
 * The order restricted to a convex `members` set (ascending): reachability between members is
 * the whole order's (every path between members stays inside). O(k^2 / 32 + edges inside).
 */
function restrict(order: SubOrder, members: number[]): SubOrder {
  const k = members.length;
  const pos = positionsOf(order);
  for (let i = 0; i < k; i++) pos[members[i] as number] = i;
  const names = members.map((m) => order.names[m] as string);
  const succ = members.map((m) => localIndices(order.succ[m] as number[], pos));
  const pred = members.map((m) => localIndices(order.pred[m] as number[], pos));
  for (const m of members) pos[m] = -1;
  // A member's ancestors among the members are the members its whole-order `below` holds (and
  // likewise `above`): gathered a run of consecutive indices at a time, a word per 32 members.
  const runs = indexRuns(members);
  const below = members.map((m) => gatherBits(order.below[m] as Bits, runs, k));
  const above = members.map((m) => gatherBits(order.above[m] as Bits, runs, k));
  return {
    n: k,
    names,
    succ,
    pred,
    below,
    above,
    depth: members.map((m) => order.depth[m] as number),
    height: members.map((m) => order.height[m] as number),
    gid: members.map((m) => order.gid[m] as number),
  };
}

/** The members among `list`, by their position in `pos` (in `list`'s order). */
function localIndices(list: number[], pos: Int32Array): number[] {
  const out: number[] = [];
  for (const v of list) {
    const p = pos[v] as number;
    if (p >= 0) out.push(p);
  }
  return out;
}

/** Ascending indices as runs of consecutive ones: [first index, length] pairs, flat. */
function indexRuns(members: number[]): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < members.length; ) {
    let j = i + 1;
    while (j < members.length && (members[j] as number) === (members[j - 1] as number) + 1) j++;
    out.push(members[i] as number, j - i);
    i = j;
  }
  return Int32Array.from(out);
}

/** The bits of `src` at the runs' indices, packed: the t-th index of the runs is bit t. */
function gatherBits(src: Bits, runs: Int32Array, k: number): Bits {
  const out = newBits(k);
  let to = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const from = runs[r] as number;
    const len = runs[r + 1] as number;
    for (let t = 0; t < len; t += 32) {
      const a = from + t;
      const lo = (src[a >>> 5] as number) >>> (a & 31);
      // JavaScript shifts by the count mod 32, so a whole-word shift is done by hand.
      const hi = (a & 31) === 0 ? 0 : ((src[(a >>> 5) + 1] ?? 0) as number) << (32 - (a & 31));
      const bits = len - t;
      let word = (lo | hi) >>> 0;
      if (bits < 32) word &= (1 << bits) - 1;
      if (word === 0) continue;
      const b = to + t;
      out[b >>> 5] = (out[b >>> 5] as number) | (word << (b & 31));
      if ((b & 31) !== 0 && (b >>> 5) + 1 < out.length) out[(b >>> 5) + 1] = (out[(b >>> 5) + 1] as number) | (word >>> (32 - (b & 31)));
    }
    to += len;
  }
  return out;
}

/** A level cut: the members on ASAP levels below `level`, as a set once needed. */
interface Candidate {
  level: number;
  x?: Bits;
}

/** Up to this many members each candidate is scored by lowering both sides (lookahead). */
const LOOKAHEAD_MAX = 64;
/** Weight samples for the makespan estimate; fixed, so the output is deterministic. A multiple of 4 (longestPaths). */
const SAMPLES = 16;

/**
 * Picks a series cut of a sub-order that contains an N, as the down-set that runs first. Only
 * cuts whose added pairs go to a strictly higher ASAP level are allowed: that is what makes the
 * result never slower than level-by-level flattening. The allowed cuts are exactly the ASAP level
 * cuts (docs/lowering.md, "Choosing the cut"), so those are the candidates. The winner has the
 * smallest estimated makespan (mean over fixed pseudo-random durations), then the fewest added
 * pairs, then comes first.
 */
function chooseCut(ctx: Ctx, members: number[]): Bits {
  const { order } = ctx;
  // A level cut's set is built only when needed (a tie, the winner, lookahead): a big set has as
  // many level cuts as levels, and building each was O(k) apiece.
  const candidates: Candidate[] = [];
  const bitsOf = (c: Candidate): Bits => (c.x ??= subset(order, members, (m) => (order.depth[m] as number) < c.level));
  // Each level cut holds the members below its level, at least one level's worth and never all,
  // and no two are equal.
  for (const d of distinct(members.map((m) => order.depth[m] as number)).slice(1)) candidates.push({ level: d });
  const lookahead = ctx.lookahead && members.length <= LOOKAHEAD_MAX;
  // Level cuts of a big set are scored from one pass over it (levelCutSpans), not one pass per
  // cut: with a thousand levels that is the difference between O(k) and O(k * levels).
  const local = lookahead ? undefined : localGraph(order, members);
  const levelSpans = local ? levelCutSpans(order, members, local) : undefined;
  const sides = (x: Bits) => ({ before: members.filter((m) => hasBit(x, m)), after: members.filter((m) => !hasBit(x, m)) });
  const spanOf = (c: Candidate): number => {
    if (levelSpans) return levelSpans(c.level);
    const { before, after } = sides(bitsOf(c));
    return lookaheadSpan(ctx, before, after);
  };
  // Added pairs only break exact ties of the span, so they are counted only then.
  const pairsOf = (c: { c: Candidate; pairs?: number }): number => {
    if (c.pairs === undefined) {
      const { before, after } = sides(bitsOf(c.c));
      c.pairs = addedPairs(order, before, after);
    }
    return c.pairs;
  };
  let best: { c: Candidate; span: number; pairs?: number } | null = null;
  for (const c of candidates) {
    const span = spanOf(c);
    // Spans are means of the same samples, so exact float ties happen (equal structures).
    if (best === null || span < best.span - 1e-12) best = { c, span };
    else if (Math.abs(span - best.span) <= 1e-12) {
      const here: { c: Candidate; span: number; pairs?: number } = { c, span };
      if (pairsOf(here) < pairsOf(best)) best = here;
    }
  }
  if (best === null) throw new Error('internal: a sub-order with an N spans at least two ASAP levels');
  return bitsOf(best.c);
}

/**
 * `sampledSpan(before) + sampledSpan(after)` for every ASAP level cut of a convex `members` set
 * (before: members on a level below `d`), from one forward and one backward pass. Both sides'
 * longest paths stay inside their side: a predecessor of a step below `d` is below `d`, a
 * successor of a step at or above `d` is at or above `d`. O(SAMPLES * (k + edges inside + levels)).
 */
function levelCutSpans(order: SubOrder, members: number[], local: LocalGraph): (level: number) => number {
  const k = members.length;
  const levels = distinct(members.map((m) => order.depth[m] as number));
  const slot = new Map(levels.map((d, i) => [d, i]));
  const L = levels.length;
  const slotOf = new Int32Array(k);
  for (let j = 0; j < k; j++) slotOf[j] = slot.get(order.depth[members[j] as number] as number) as number;
  // prefix[i]: the before-side span when the cut is at levels[i] (steps on levels[0..i-1]);
  // suffix[i]: the after-side span (steps on levels[i..]). Heads first, then tails (successors
  // come later in topological order, so are done first).
  const finish = finishScratch(k * SAMPLES);
  const byLevelMax = new Float64Array(L * SAMPLES);
  const prefixTotal = new Float64Array(L + 1);
  const suffixTotal = new Float64Array(L + 1);
  longestPaths(k, local.predStart, local.pred, local.table, local.durRow, slotOf, finish, byLevelMax, true);
  runningTotals(byLevelMax, L, prefixTotal, true);
  // Every row of `finish` is written before it is read: only the level maxima start again from 0.
  byLevelMax.fill(0);
  longestPaths(k, local.succStart, local.succ, local.table, local.durRow, slotOf, finish, byLevelMax, false);
  runningTotals(byLevelMax, L, suffixTotal, false);
  return (level) => {
    const i = slot.get(level) as number;
    return (prefixTotal[i] as number) / SAMPLES + (suffixTotal[i] as number) / SAMPLES;
  };
}

/** levelCutSpans' longest paths, reused: longestPaths writes each row before any row reads it. */
let finishRows = new Float64Array(0);

function finishScratch(length: number): Float64Array {
  if (finishRows.length < length) finishRows = new Float64Array(Math.max(length, 2 * finishRows.length));
  return finishRows;
}

/*
 * The passes of levelCutSpans, on typed arrays only and each in a function of its own: inline in
 * levelCutSpans, the first long loop of a call was compiled on the fly (on-stack replacement) and
 * the code after it, never run yet, threw that compilation away again, once per part lowered.
 */

/**
 * Each member's longest path in each sample, from the sources (`heads`: over predecessors, members
 * in topological order) or to the sinks (over successors, in reverse), into `finish`, and the
 * largest per ASAP level slot into `byLevelMax`. All samples of a member sit side by side (row
 * j * SAMPLES), so each edge is read once, not once per sample; every sample's values are computed
 * as one sample at a time would, so the result is the same to the bit.
 */
function longestPaths(k: number, start: Int32Array, list: Int32Array, table: Float64Array, durRow: Int32Array, slotOf: Int32Array, finish: Float64Array, byLevelMax: Float64Array, heads: boolean): void {
  const S = SAMPLES;
  for (let t = 0; t < k; t++) {
    const j = heads ? t : k - 1 - t;
    const row = j * S;
    const first = start[j] as number;
    const last = start[j + 1] as number;
    const at = (slotOf[j] as number) * S;
    const dur = durRow[j] as number;
    // Four samples at a time (SAMPLES is a multiple of 4), their running maxima in locals rather
    // than in `finish`. Values are positive (durations lie in (0, 1)) and the maxima start at 0,
    // so a comparison picks what Math.max would, to the bit.
    for (let s = 0; s < S; s += 4) {
      let m0 = 0;
      let m1 = 0;
      let m2 = 0;
      let m3 = 0;
      for (let e = first; e < last; e++) {
        const from = (list[e] as number) * S + s;
        const v0 = finish[from] as number;
        const v1 = finish[from + 1] as number;
        const v2 = finish[from + 2] as number;
        const v3 = finish[from + 3] as number;
        if (v0 > m0) m0 = v0;
        if (v1 > m1) m1 = v1;
        if (v2 > m2) m2 = v2;
        if (v3 > m3) m3 = v3;
      }
      const f0 = m0 + (table[dur + s] as number);
      const f1 = m1 + (table[dur + s + 1] as number);
      const f2 = m2 + (table[dur + s + 2] as number);
      const f3 = m3 + (table[dur + s + 3] as number);
      finish[row + s] = f0;
      finish[row + s + 1] = f1;
      finish[row + s + 2] = f2;
      finish[row + s + 3] = f3;
      const b = at + s;
      if (f0 > (byLevelMax[b] as number)) byLevelMax[b] = f0;
      if (f1 > (byLevelMax[b + 1] as number)) byLevelMax[b + 1] = f1;
      if (f2 > (byLevelMax[b + 2] as number)) byLevelMax[b + 2] = f2;
      if (f3 > (byLevelMax[b + 3] as number)) byLevelMax[b + 3] = f3;
    }
  }
}

/**
 * Sums over samples, in sample order, of the running maximum of `byLevelMax` over level slots: from
 * the first slot up (`prefix`, total i covers slots 0..i-1) or from the last down (total i covers
 * slots i..L-1).
 */
function runningTotals(byLevelMax: Float64Array, L: number, total: Float64Array, prefix: boolean): void {
  const S = SAMPLES;
  for (let s = 0; s < S; s++) {
    let running = 0;
    if (prefix) {
      for (let i = 1; i <= L; i++) {
        running = Math.max(running, byLevelMax[(i - 1) * S + s] as number);
        total[i] = (total[i] as number) + running;
      }
    } else {
      for (let i = L - 1; i >= 0; i--) {
        running = Math.max(running, byLevelMax[i * S + s] as number);
        total[i] = (total[i] as number) + running;
      }
    }
  }
}

/**
 * The edges inside a convex `members` set by local position (0..k-1, topological), as flat
 * arrays, and each member's sample durations: the span estimates loop over these instead of
 * hash maps (they run millions of times on a big flow).
 */
interface LocalGraph {
  predStart: Int32Array;
  pred: Int32Array;
  succStart: Int32Array;
  succ: Int32Array;
  /** table[durRow[j] + s]: member j's duration in sample s (sampleDurations' table, rows by whole-flow index). */
  table: Float64Array;
  durRow: Int32Array;
}

/**
 * Positions of a member set by index, -1 for every other index: one array per order, reused by
 * restrict and localGraph (which never nest), each setting its members' and putting back -1 after.
 * A Map per restriction was a tenth of what lowering allocated.
 */
const positionScratch = new WeakMap<SubOrder, Int32Array>();

function positionsOf(order: SubOrder): Int32Array {
  let pos = positionScratch.get(order);
  if (pos === undefined) {
    pos = new Int32Array(order.n).fill(-1);
    positionScratch.set(order, pos);
  }
  return pos;
}

function localGraph(order: SubOrder, members: number[]): LocalGraph {
  const pos = positionsOf(order);
  const k = members.length;
  for (let j = 0; j < k; j++) pos[members[j] as number] = j;
  const p = localLists(order.pred, members, pos);
  const q = localLists(order.succ, members, pos);
  for (const m of members) pos[m] = -1;
  let last = 0;
  const durRow = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    const g = order.gid[members[j] as number] as number;
    last = Math.max(last, g);
    durRow[j] = g * SAMPLES;
  }
  return { predStart: p.start, pred: p.list, succStart: q.start, succ: q.list, table: sampleDurations(last + 1), durRow };
}

/** `lists` (by index) kept to the members and renumbered by `pos` (-1 outside), as offsets and one flat list. */
function localLists(lists: number[][], members: number[], pos: Int32Array): { start: Int32Array; list: Int32Array } {
  const k = members.length;
  const start = new Int32Array(k + 1);
  let total = 0;
  for (let j = 0; j < k; j++) {
    for (const u of lists[members[j] as number] as number[]) if ((pos[u] as number) >= 0) total++;
    start[j + 1] = total;
  }
  const list = new Int32Array(total);
  let at = 0;
  for (let j = 0; j < k; j++) {
    for (const u of lists[members[j] as number] as number[]) {
      const p = pos[u] as number;
      if (p >= 0) list[at++] = p;
    }
  }
  return { start, list };
}

function distinct(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function subset(order: SubOrder, members: number[], keep: (m: number) => boolean): Bits {
  const b = newBits(order.n);
  for (const m of members) if (keep(m)) setBit(b, m);
  return b;
}

/** How many pairs (b, a) with b before the cut and a after it are not already ordered. */
function addedPairs(order: SubOrder, before: number[], after: number[]): number {
  const mask = newBits(order.n);
  for (const a of after) setBit(mask, a);
  let pairs = 0;
  for (const b of before) {
    const above = order.above[b] as Bits;
    for (let k = 0; k < mask.length; k++) pairs += popcount((mask[k] as number) & ~(above[k] as number));
  }
  return pairs;
}

/** sampleDuration(s, v) at [v * SAMPLES + s], for v below the length asked for: grown, never changed. */
let durationTable = new Float64Array(0);

function sampleDurations(steps: number): Float64Array {
  const have = durationTable.length / SAMPLES;
  if (steps <= have) return durationTable;
  const grown = new Float64Array(Math.max(steps, 2 * have) * SAMPLES);
  grown.set(durationTable);
  for (let v = have; v < grown.length / SAMPLES; v++) for (let s = 0; s < SAMPLES; s++) grown[v * SAMPLES + s] = sampleDuration(s, v);
  durationTable = grown;
  return grown;
}

/** A duration in (0, 1) for step `v` in sample `s`: a fixed hash, so lowering is deterministic. */
function sampleDuration(s: number, v: number): number {
  let h = Math.imul(s * 7919 + v * 104729 + 1, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (((h ^ (h >>> 16)) >>> 0) + 0.5) / 4294967296;
}

/** Mean makespan over the sample durations of the structure this cut leads to (no nested lookahead). */
function lookaheadSpan(ctx: Ctx, before: number[], after: number[]): number {
  const inner = makeCtx(ctx.order, ctx.globalIndex, [], false, ctx.scored, ctx.spans, false);
  const block = seq([decompose(inner, before), decompose(inner, after)]);
  const spans = blockSpans(block, ctx.globalIndex, ctx.spans);
  let total = 0;
  for (let s = 0; s < SAMPLES; s++) total += spans[s] as number;
  return total / SAMPLES;
}

/**
 * A block's makespan in each sample (a sequence sums its items in order, a parallel block takes
 * its slowest branch), remembered per block: candidates share the blocks remembered in `scored`,
 * and each sample's value is computed exactly as one sample at a time would.
 */
function blockSpans(block: Block, index: Map<string, number>, known: WeakMap<Block, Float64Array>): Float64Array {
  const had = known.get(block);
  if (had) return had;
  const out = new Float64Array(SAMPLES);
  switch (block.kind) {
    case 'step': {
      const v = index.get(block.id) as number;
      const row = sampleDurations(v + 1);
      for (let s = 0; s < SAMPLES; s++) out[s] = row[v * SAMPLES + s] as number;
      break;
    }
    case 'seq':
      for (const item of block.items) {
        const x = blockSpans(item, index, known);
        for (let s = 0; s < SAMPLES; s++) out[s] = (out[s] as number) + (x[s] as number);
      }
      break;
    case 'par':
      out.fill(-Infinity);
      for (const branch of block.branches) {
        const x = blockSpans(branch, index, known);
        for (let s = 0; s < SAMPLES; s++) out[s] = Math.max(out[s] as number, x[s] as number);
      }
      break;
  }
  known.set(block, out);
  return out;
}

/** A series block, flattening nested series. */
export function seq(items: Block[]): Block {
  const flat = items.flatMap((b) => (b.kind === 'seq' ? b.items : [b]));
  return flat.length === 1 ? (flat[0] as Block) : { kind: 'seq', items: flat };
}

/** A parallel block, flattening nested parallels. */
export function par(branches: Block[]): Block {
  const flat = branches.flatMap((b) => (b.kind === 'par' ? b.branches : [b]));
  return flat.length === 1 ? (flat[0] as Block) : { kind: 'par', branches: flat };
}
