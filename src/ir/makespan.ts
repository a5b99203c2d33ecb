import type { Block } from './blocks.js';
import { buildOrder, type Dag } from './order.js';

/**
 * How long a block takes when each step takes `duration(id)`: a sequence sums, a parallel block
 * takes its slowest branch. Used by the benchmark and the property tests (docs/lowering.md).
 */
export function blockMakespan(block: Block, duration: (id: string) => number): number {
  switch (block.kind) {
    case 'step':
      return duration(block.id);
    case 'seq':
      return block.items.reduce((t, b) => t + blockMakespan(b, duration), 0);
    case 'par':
      return Math.max(...block.branches.map((b) => blockMakespan(b, duration)));
  }
}

/** The ideal makespan of the DAG itself: its longest weighted path (unbounded workers). */
export function dagMakespan(dag: Dag, duration: (id: string) => number): number {
  const order = buildOrder(dag);
  const finish: number[] = [];
  let best = 0;
  for (let v = 0; v < order.n; v++) {
    const start = Math.max(0, ...order.pred[v]!.map((u) => finish[u] as number));
    finish[v] = start + duration(order.names[v] as string);
    best = Math.max(best, finish[v] as number);
  }
  return best;
}

/** Every step id in a block, in the order it appears. */
export function blockSteps(block: Block): string[] {
  switch (block.kind) {
    case 'step':
      return [block.id];
    case 'seq':
      return block.items.flatMap(blockSteps);
    case 'par':
      return block.branches.flatMap(blockSteps);
  }
}
