import type { WrittenFlow } from './ast.js';

/**
 * A flow after `${...}` resolution whose shape was checked again: every value is what the flow
 * means, no interpolation is left. Flow rules (src/check) and lowering (src/ir/lower.ts) read only
 * this; the brand keeps a flow as written (whose values may still be `${...}`) from reaching them.
 */
export type ResolvedFlow = WrittenFlow & { readonly resolved: true };

/** Marks a flow built from a resolved, shape-checked tree (src/pipeline/compile.ts is the one caller). */
export function asResolvedFlow(flow: WrittenFlow): ResolvedFlow {
  return { ...flow, resolved: true };
}
