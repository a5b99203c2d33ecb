import { canonicalJson } from '../source/canonical-json.js';
import { getOwn } from '../source/own-keys.js';
import type { Json } from '../source/tree.js';

/**
 * The value at `path` inside a foreach item (`${item.a[0]}`), or undefined when this item has no
 * such path. Items are known at compile time, so targets use this to pre-format item text.
 */
export function itemValueAt(item: Json, path: readonly (string | number)[]): Json | undefined {
  let v: Json | undefined = item;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    // Own keys only: an item without `constructor` has no such path, whatever Object.prototype holds.
    v = Array.isArray(v) ? (typeof seg === 'number' ? v[seg] : undefined) : getOwn(v as Record<string, Json>, String(seg));
  }
  return v;
}

/**
 * How a run-time value reads as text in every target (docs/ir.md): strings as they are, anything
 * else (numbers, booleans, null, lists, maps) as canonical JSON, so a map item is the same text on
 * every engine. A missing path reads as the empty string.
 */
export function valueText(value: Json | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : canonicalJson(value);
}
