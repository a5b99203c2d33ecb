/**
 * The graph lowered to nested sequence/parallel blocks, shared by the targets whose engines have
 * no DAG (Step Functions `Parallel`, Google Cloud Workflows `parallel`). Implemented in
 * `src/ir/lower-blocks.ts`.
 */
export type Block =
  | { kind: 'step'; id: string }
  /** Run in order; each item starts after the previous one finished. */
  | { kind: 'seq'; items: Block[] }
  /** Run all branches at once; finishes when all finished. At least two branches. */
  | { kind: 'par'; branches: Block[] };

export interface LoweredGraph {
  block: Block;
  /** True when the graph was series-parallel and the block structure is exact. */
  exact: boolean;
  /**
   * For a non-series-parallel graph: each pair [a, b] where b now waits for a although the flow
   * does not require it (the concurrency given up), sorted by the steps' positions in the IR's
   * (topological) step order, first a then b. Empty when exact.
   */
  addedOrderings: [string, string][];
}
