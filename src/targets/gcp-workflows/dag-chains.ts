import { buildOrder, type Dag, hasBit, type Order } from '../../ir/order.js';
import type { PoolPlan } from './dag-pool.js';

/**
 * A cover of a step graph by chains (docs/targets/gcp-workflows.md, "Exact DAGs"): each chain is
 * a list of steps where every step must, by the flow's own order, come after the one before it, so
 * running a chain one step after another adds no ordering the flow does not already have. A step
 * also waits for the needs that lie on other chains (`waits`), by polling.
 */
export interface DagChains {
  chains: ChainStep[][];
  /** Set for a graph too wide for chains: it runs on a worker pool instead (dag-pool.ts), `chains` empty. */
  pool?: PoolPlan;
}

export interface ChainStep {
  id: string;
  /** Needs on other chains this step polls for, none implied by another or by its chain predecessor. */
  waits: string[];
}

/**
 * Past this many steps no chain cover is tried: the reachability bitsets cost n^2 / 16 bytes, and
 * a Workflows definition that size is over its 128 KB source limit anyway.
 */
export const MAX_DAG_STEPS = 1000;

/**
 * A minimum chain cover (Dilworth: as many chains as the largest set of steps that may all run at
 * once), or null when that is more than `maxChains`, the graph has more than MAX_DAG_STEPS steps,
 * or the search for one runs out of its budget (then the caller treats the graph as too wide).
 * Chains come from a maximum matching in the comparability graph (u matched to a later v that
 * needs it, transitively): a greedy match along direct edges first, then augmenting paths.
 */
export function chainCover(dag: Dag, maxChains: number): DagChains | null {
  const n = dag.nodes.length;
  if (n === 0 || n > MAX_DAG_STEPS) return null;
  const order = buildOrder(dag);
  // A level of the ASAP layering is a set of steps that can all run at once: one wider than
  // `maxChains` settles it without a matching.
  const perLevel = new Map<number, number>();
  for (const d of order.depth) perLevel.set(d, (perLevel.get(d) ?? 0) + 1);
  if (Math.max(...perLevel.values()) > maxChains) return null;
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  for (let u = 0; u < n; u++) {
    for (const v of order.succ[u] as number[]) {
      if ((prev[v] as number) < 0) {
        next[u] = v;
        prev[v] = u;
        break;
      }
    }
  }
  let chains = n - countMatched(next);
  const seen = new Uint8Array(n);
  // Each augmenting search visits a step at most once: the budget bounds the work (by count, so
  // the result does not depend on the machine) at 64 searches over every step.
  const budget = { visits: 64 * n };
  for (let u = 0; u < n && chains > maxChains && budget.visits > 0; u++) {
    if ((next[u] as number) >= 0) continue;
    seen.fill(0);
    if (augment(order, u, next, prev, seen, budget)) chains--;
  }
  if (chains > maxChains) return null;
  const out: ChainStep[][] = [];
  for (let s = 0; s < n; s++) {
    if ((prev[s] as number) >= 0) continue;
    const chain: ChainStep[] = [];
    for (let v = s; v >= 0; v = next[v] as number) chain.push({ id: order.names[v] as string, waits: waits(order, v, prev[v] as number).map((w) => order.names[w] as string) });
    out.push(chain);
  }
  return { chains: out };
}

/**
 * How long the chains take when each step takes `duration(id)`: a step starts once its chain
 * predecessor ended and each of its waits, looked at in order every `poll` seconds, saw its need
 * done (the benchmark's model; with `poll` near 0 the compile-time estimate).
 */
export function chainMakespan(nodes: readonly string[], plan: DagChains, duration: (id: string) => number, poll: number): number {
  const prev = new Map<string, string | null>();
  const waitsOf = new Map<string, string[]>();
  for (const chain of plan.chains) {
    chain.forEach((s, i) => {
      prev.set(s.id, i > 0 ? (chain[i - 1] as ChainStep).id : null);
      waitsOf.set(s.id, s.waits);
    });
  }
  const finish = new Map<string, number>();
  // A chain predecessor and every wait come earlier in one topological order: the recursion ends.
  const done = (id: string): number => {
    const known = finish.get(id);
    if (known !== undefined) return known;
    const p = prev.get(id);
    let t = p ? done(p) : 0;
    for (const w of waitsOf.get(id) ?? []) {
      const f = done(w);
      if (f > t) t += Math.ceil((f - t) / poll) * poll;
    }
    finish.set(id, t + duration(id));
    return t + duration(id);
  };
  return Math.max(0, ...nodes.map(done));
}

const countMatched = (next: Int32Array): number => next.reduce((k, v) => k + (v >= 0 ? 1 : 0), 0);

/** Kuhn's augmenting path from `u` over every later step that (transitively) needs it. */
function augment(order: Order, u: number, next: Int32Array, prev: Int32Array, seen: Uint8Array, budget: { visits: number }): boolean {
  const above = order.above[u] as Uint32Array;
  for (let w = 0; w < above.length; w++) {
    let word = above[w] as number;
    while (word !== 0) {
      const bit = word & -word;
      word ^= bit;
      const v = (w << 5) + (31 - Math.clz32(bit));
      if (seen[v]) continue;
      seen[v] = 1;
      budget.visits--;
      const owner = prev[v] as number;
      if (owner < 0 || augment(order, owner, next, prev, seen, budget)) {
        next[u] = v;
        prev[v] = u;
        return true;
      }
    }
  }
  return false;
}

/**
 * The needs of `v` it must poll for: its direct needs, less the chain predecessor and whatever that
 * predecessor already needs (done before it), less any need another kept need already comes after.
 */
function waits(order: Order, v: number, before: number): number[] {
  const cands = (order.pred[v] as number[]).filter((u) => u !== before && !(before >= 0 && hasBit(order.below[before] as Uint32Array, u)));
  return cands.filter((u) => !cands.some((w) => w !== u && hasBit(order.below[w] as Uint32Array, u))).sort((a, b) => a - b);
}
