import type { Block, LoweredGraph } from './blocks.js';
import { par, seq } from './lower-blocks.js';
import { buildOrder, type Dag, hasBit } from './order.js';
import type { IR } from './types.js';

/**
 * The baseline lowering that public tools use (CDK Pipelines' waves): group steps by ASAP level
 * (longest path from a root) and run the levels one after another, each level in parallel. Kept
 * only to measure `lowerGraph` against (`npm run bench`, docs/lowering.md); no target uses it.
 */
export function levelByLevel(ir: IR): LoweredGraph {
  return levelByLevelDag({ nodes: ir.steps.map((s) => s.id), edges: ir.edges });
}

export function levelByLevelDag(dag: Dag): LoweredGraph {
  const order = buildOrder(dag);
  const levels: number[][] = [];
  for (let v = 0; v < order.n; v++) (levels[order.depth[v] as number] ??= []).push(v);
  const block: Block = seq(levels.map((l) => par(l.map((v) => ({ kind: 'step', id: order.names[v] as string })))));
  const added: [string, string][] = [];
  for (let a = 0; a < order.n; a++) {
    for (let b = 0; b < order.n; b++) {
      if ((order.depth[a] as number) < (order.depth[b] as number) && !hasBit(order.above[a]!, b)) {
        added.push([order.names[a] as string, order.names[b] as string]);
      }
    }
  }
  return { block, exact: added.length === 0, addedOrderings: added };
}
