import type { Json } from '../source/tree.js';
import type { IR, IRSecret } from './types.js';

/** The secrets a flow's steps use, sorted by name (a declared secret no step uses is not here). */
export function usedSecrets(ir: IR): IRSecret[] {
  const used = new Set(ir.steps.flatMap((s) => s.secretEnv.map((e) => e.secret)));
  return ir.secrets.filter((s) => used.has(s.name));
}

/** One target's locator of a secret, or undefined when the flow gives none for that target. */
export function secretLocator(ir: IR, secret: string, targetId: string): Json | undefined {
  const s = ir.secrets.find((x) => x.name === secret);
  return s !== undefined && Object.hasOwn(s.locators, targetId) ? s.locators[targetId] : undefined;
}
