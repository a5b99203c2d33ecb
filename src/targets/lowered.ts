import type { LoweredGraph } from '../ir/blocks.js';
import { lowerGraph, lowerIfExact } from '../ir/lower-blocks.js';
import type { IR } from '../ir/types.js';

/**
 * The lowering of one IR's step graph (src/ir/lower-blocks.ts), shared by the targets that ask for
 * it: Cloud Workflows lowers every flow, Step Functions asks whether the lowering is exact, and a
 * build compiles the same IR to both. IRs are never changed once built, and the result is deeply
 * frozen, so no target can change what another reads.
 */
const lowerings = new WeakMap<IR, LoweredGraph>();

/** `lowerGraph(ir)`, computed once per IR. */
export function loweredGraph(ir: IR): LoweredGraph {
  let lowered = lowerings.get(ir);
  if (!lowered) lowerings.set(ir, (lowered = deepFreeze(lowerGraph(ir))));
  return lowered;
}

/**
 * `lowerIfExact(ir)`: the lowering when it is exact, else null. An exact lowering is `lowerGraph`'s
 * (lower-blocks.ts), so each answers for the other.
 */
export function exactLowering(ir: IR): LoweredGraph | null {
  const known = lowerings.get(ir);
  if (known) return known.exact ? known : null;
  const exact = lowerIfExact(ir);
  if (!exact) return null;
  const frozen = deepFreeze(exact);
  lowerings.set(ir, frozen);
  return frozen;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Walked in place: an array of values apiece (Object.values) was most of what freezing the
    // 150,000 added orderings of a 10,000-step flow allocated.
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    else for (const k of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[k]);
  }
  return value;
}
