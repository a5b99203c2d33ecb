import type { Block } from '../../ir/blocks.js';
import { MinHeap } from '../../ir/min-heap.js';
import type { PoolPlan } from './dag-pool.js';

/*
 * The worker pool's timing model (dag-pool.ts): the compile-time choice between the pool and the
 * blocks (dag-scheduler.ts) and the benchmark (scripts/bench-dag-gcw.mjs) use it.
 */

export interface PoolTiming {
  /** The dispatcher's sleep between looks (0: it sees a finished step at once). */
  dispatchPoll: number;
  /** An idle worker's sleeps between looks, the last one repeated ([]: it sees a task at once). */
  workerNaps: readonly number[];
}

/** A worker's first look at or after `at`, when its looks started at `from` and sleep `naps`. */
function nextLook(from: number, at: number, naps: readonly number[]): number {
  let t = from;
  for (let i = 0; t < at - 1e-9; i++) {
    if (naps.length === 0) return at;
    const nap = naps[Math.min(i, naps.length - 1)] as number;
    if (i >= naps.length - 1) return t + Math.ceil((at - t) / nap - 1e-9) * nap;
    t += nap;
  }
  return t;
}

/**
 * How long the pool takes when each step takes `duration(id)`, in the model of its definition:
 * the dispatcher looks at t = 0 and then every `dispatchPoll` s, takes in every step that ended
 * by then and hands the ready steps, in plan order, to free workers (the one freed last first); a
 * worker looks at its key when it starts and after each step, then after each of `workerNaps`,
 * and starts the step it finds at that look. With no polls it is a list schedule on `workers`.
 */
export function poolMakespan(plan: PoolPlan, duration: (id: string) => number, timing: PoolTiming): number {
  return poolRun(plan, duration, timing).span;
}

/** `poolMakespan`, with the sleeps the dispatcher and the workers take (each sleep costs 2 or 3 steps). */
export function poolRun(plan: PoolPlan, duration: (id: string) => number, timing: PoolTiming): { span: number; dispatcherSleeps: number; workerSleeps: number } {
  // Steps by their place in plan order, so the ready set is a heap of places.
  const place = new Map(plan.order.map((s, i) => [s, i]));
  const left = plan.order.map((s) => (plan.needs[s] as string[]).length);
  const dependants = plan.order.map((s) => (plan.dependants[s] as string[]).map((d) => place.get(d) as number));
  const ready = new MinHeap();
  left.forEach((n, i) => n === 0 && ready.push(i));
  // Per worker: the step it runs (-1: none) and when it ends; when its looks started.
  const runs = new Int32Array(plan.workers).fill(-1);
  const ends = new Float64Array(plan.workers);
  const lookFrom = new Float64Array(plan.workers);
  // Free workers as the dispatcher's stack: the top (last) is handed the next step.
  const free = Array.from({ length: plan.workers }, (_, i) => plan.workers - 1 - i);
  let workerSleeps = 0;
  let now = 0;
  let end = 0;
  for (;;) {
    for (let k = 0; k < plan.workers; k++) {
      const v = runs[k] as number;
      if (v < 0 || (ends[k] as number) > now) continue;
      runs[k] = -1;
      lookFrom[k] = ends[k] as number;
      free.push(k);
      for (const d of dependants[v] as number[]) if (--(left[d] as number) === 0) ready.push(d);
    }
    while (free.length > 0 && ready.size > 0) {
      const k = free.pop() as number;
      const v = ready.pop();
      const start = nextLook(lookFrom[k] as number, now, timing.workerNaps);
      workerSleeps += sleepsBetween(lookFrom[k] as number, start, timing.workerNaps);
      runs[k] = v;
      ends[k] = start + duration(plan.order[v] as string);
      end = Math.max(end, ends[k] as number);
    }
    let first = Infinity;
    for (let k = 0; k < plan.workers; k++) if ((runs[k] as number) >= 0) first = Math.min(first, ends[k] as number);
    if (first === Infinity) {
      // Idle workers sleep until the dispatcher stops them, at its last look.
      for (const k of free) workerSleeps += sleepsBetween(lookFrom[k] as number, now, timing.workerNaps);
      break;
    }
    now = timing.dispatchPoll > 0 ? Math.max(now + timing.dispatchPoll, Math.ceil(first / timing.dispatchPoll - 1e-9) * timing.dispatchPoll) : Math.max(now, first);
  }
  return { span: end, dispatcherSleeps: timing.dispatchPoll > 0 ? Math.round(now / timing.dispatchPoll) : 0, workerSleeps };
}

/** Sleeps a worker takes between looking at `from` and its look at `until`. */
function sleepsBetween(from: number, until: number, naps: readonly number[]): number {
  let n = 0;
  for (let t = from; t < until - 1e-9 && naps.length > 0; n++) t += naps[Math.min(n, naps.length - 1)] as number;
  return n;
}

/**
 * Parallel blocks as a pool plan on `branches` workers: what the blocks take when Workflows runs at
 * most that many of their branches at once (the compile-time comparison with the pool). A
 * sequence's items follow each other through a join (`#<n>`, which takes no time: give it 0).
 */
export function blocksAsPool(block: Block, branches: number): PoolPlan {
  const needs: Record<string, string[]> = {};
  let joins = 0;
  // Returns the nodes that end the block, given the nodes it starts after.
  const walk = (b: Block, after: string[]): string[] => {
    if (b.kind === 'step') {
      needs[b.id] = after;
      return [b.id];
    }
    if (b.kind === 'par') return b.branches.flatMap((x) => walk(x, after));
    let ends = after;
    b.items.forEach((item, i) => {
      if (i > 0 && ends.length > 1) {
        const join = `#${joins++}`;
        needs[join] = ends;
        ends = [join];
      }
      ends = walk(item, ends);
    });
    return ends;
  };
  walk(block, []);
  const dependants: Record<string, string[]> = Object.fromEntries(Object.keys(needs).map((k) => [k, []]));
  for (const [k, ns] of Object.entries(needs)) for (const n of ns) (dependants[n] as string[]).push(k);
  // Workflows may start queued branches in any order: the written order stands in for it.
  return { order: Object.keys(needs), needs, dependants, workers: branches };
}
