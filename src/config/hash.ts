import { canonicalJson, sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';

/**
 * The config hash (SPEC §4, §7): SHA-256 of the canonical JSON of every resolved config by name.
 * Key order and whitespace never change it; any value change does.
 */
export function configHash(values: Record<string, Json>): string {
  return sha256Hex(canonicalJson(values));
}
