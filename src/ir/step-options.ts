import { setOwn } from '../source/own-keys.js';
import type { Json } from '../source/tree.js';
import type { IR, IRStep } from './types.js';

/**
 * Merges per-step target options over the flow's (SPEC section 8): maps merge key by key, lists
 * and scalars replace (the config cascade's rule, SPEC section 4).
 */
export function mergeOptions(base: Json | undefined, over: Json | undefined): Json | undefined {
  if (over === undefined) return base;
  if (!isMap(base) || !isMap(over)) return over;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) setOwn(out, k, mergeOptions(Object.hasOwn(out, k) ? out[k] : undefined, v) as Json);
  return out;
}

/** The options `step` runs with on target `targetId`: its own overrides merged over the flow's. */
export function stepTargetOptions(ir: IR, step: IRStep, targetId: string): Json | undefined {
  const flow = Object.hasOwn(ir.targets, targetId) ? ir.targets[targetId] : undefined;
  const own = Object.hasOwn(step.targets, targetId) ? step.targets[targetId] : undefined;
  return mergeOptions(flow, own);
}

function isMap(v: Json | undefined): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
