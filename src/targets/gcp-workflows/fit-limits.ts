import type { Block } from '../../ir/blocks.js';

/**
 * Google Cloud Workflows limits on `parallel` steps (https://cloud.google.com/workflows/quotas):
 * at most 10 branches in one parallel step, and parallel steps nested at most 2 deep (a
 * `parallel: for` counts as a parallel step).
 */
export const MAX_BRANCHES = 10;
export const MAX_PARALLEL_DEPTH = 2;

/** The lowered graph after fitting: foreach steps know whether their items still run at once. */
export type Fitted =
  | { kind: 'step'; id: string; items: 'parallel' | 'sequential' | null }
  | { kind: 'seq'; items: Fitted[] }
  | { kind: 'par'; branches: Fitted[] };

export interface FitResult {
  block: Fitted;
  /** Orderings added to fit, each [a, b]: b now waits for a. Sorted, no duplicates. */
  addedOrderings: [string, string][];
  /** Foreach steps whose items now run one at a time. */
  sequentialForeach: string[];
}

/**
 * Fits a lowered graph into the parallel limits, giving up as little concurrency as it can: a
 * parallel with more than 10 branches becomes a parallel of parallels when one more level is
 * free (up to 100 branches at the top), otherwise groups of branches run one group after another;
 * a parallel deeper than 2 runs its branches in sequence, and a foreach that deep runs its items
 * in sequence. Every ordering this adds is reported (FLOWC640).
 */
export function fitLimits(block: Block, isForeach: (id: string) => boolean): FitResult {
  const added: [string, string][] = [];
  const sequentialForeach: string[] = [];

  const serialize = (parts: Fitted[]): Fitted => {
    for (let i = 1; i < parts.length; i++) {
      for (const a of exits(parts[i - 1] as Fitted)) for (const b of entries(parts[i] as Fitted)) added.push([a, b]);
    }
    return seqOf(parts);
  };

  const fit = (b: Block, depth: number): Fitted => {
    if (b.kind === 'step') {
      if (!isForeach(b.id)) return { kind: 'step', id: b.id, items: null };
      if (depth < MAX_PARALLEL_DEPTH) return { kind: 'step', id: b.id, items: 'parallel' };
      sequentialForeach.push(b.id);
      return { kind: 'step', id: b.id, items: 'sequential' };
    }
    if (b.kind === 'seq') return seqOf(b.items.map((x) => fit(x, depth)));
    return fitPar(b.branches, depth);
  };

  const fitPar = (branches: Block[], depth: number): Fitted => {
    if (depth >= MAX_PARALLEL_DEPTH) return serialize(branches.map((x) => fit(x, depth)));
    if (branches.length <= MAX_BRANCHES) return { kind: 'par', branches: branches.map((x) => fit(x, depth + 1)) };
    const levelsLeft = MAX_PARALLEL_DEPTH - depth;
    const width = MAX_BRANCHES ** levelsLeft;
    if (branches.length <= width) {
      const groups = chunk(branches, Math.ceil(branches.length / MAX_BRANCHES));
      return { kind: 'par', branches: groups.map((g) => (g.length === 1 ? fit(g[0] as Block, depth + 1) : fitPar(g, depth + 1))) };
    }
    return serialize(chunk(branches, width).map((g) => fitPar(g, depth)));
  };

  const fitted = fit(block, 0);
  const seen = new Set<string>();
  const unique = added.filter(([a, b]) => {
    const k = `${a}\u0000${b}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  unique.sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : p[1] < q[1] ? -1 : p[1] > q[1] ? 1 : 0));
  return { block: fitted, addedOrderings: unique, sequentialForeach };
}

function seqOf(items: Fitted[]): Fitted {
  const flat = items.flatMap((x) => (x.kind === 'seq' ? x.items : [x]));
  return flat.length === 1 ? (flat[0] as Fitted) : { kind: 'seq', items: flat };
}

/** Splits `xs` into consecutive groups of at most `size`. */
function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Steps that start first in a block. */
function entries(b: Fitted): string[] {
  if (b.kind === 'step') return [b.id];
  if (b.kind === 'seq') return entries(b.items[0] as Fitted);
  return b.branches.flatMap(entries);
}

/** Steps that finish last in a block. */
function exits(b: Fitted): string[] {
  if (b.kind === 'step') return [b.id];
  if (b.kind === 'seq') return exits(b.items[b.items.length - 1] as Fitted);
  return b.branches.flatMap(exits);
}
