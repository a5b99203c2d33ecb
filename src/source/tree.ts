import { setOwn } from './own-keys.js';
import type { Span } from './span.js';

/**
 * A parsed YAML/JSON/TOML document as a tree that remembers where every key and value stood.
 * Flows and config files share this shape so provenance and diagnostics work the same for both.
 */
export type LNode = LMap | LSeq | LScalar;

export interface LMapEntry {
  key: string;
  keySpan: Span;
  value: LNode;
}

export interface LMap {
  kind: 'map';
  span: Span;
  entries: LMapEntry[];
}

export interface LSeq {
  kind: 'seq';
  span: Span;
  items: LNode[];
}

export type Scalar = string | number | boolean | null;

export interface LScalar {
  kind: 'scalar';
  span: Span;
  value: Scalar;
  /** True when the scalar was quoted in the source (YAML '...'/"..." or any TOML/JSON string). */
  quoted?: boolean;
}

export type Json = Scalar | Json[] | { [key: string]: Json };

/**
 * The plain value of a located tree. Keys are defined as own data properties, so `__proto__` stays
 * a key like any other instead of replacing the object's prototype (and the value it holds).
 */
export function toJson(node: LNode): Json {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJson);
    case 'map': {
      const out: { [key: string]: Json } = {};
      for (const e of node.entries) setOwn(out, e.key, toJson(e.value));
      return out;
    }
  }
}

export function mapGet(node: LMap, key: string): LMapEntry | undefined {
  return node.entries.find((e) => e.key === key);
}

/**
 * True when two trees have the same plain value (`toJson` of both gives equal JSON, keys in the
 * same order), without building either value: shared subtrees are the same object and cost one
 * comparison. False is always a safe answer (a caller then does the full work), so values that
 * `===` does not settle (NaN) count as different.
 */
export function sameJson(a: LNode, b: LNode): boolean {
  if (a === b) return true;
  if (a.kind === 'scalar') return b.kind === 'scalar' && a.value === b.value;
  if (a.kind === 'seq') {
    if (b.kind !== 'seq' || a.items.length !== b.items.length) return false;
    for (let i = 0; i < a.items.length; i++) if (!sameJson(a.items[i] as LNode, b.items[i] as LNode)) return false;
    return true;
  }
  if (b.kind !== 'map' || a.entries.length !== b.entries.length) return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i] as LMapEntry;
    const y = b.entries[i] as LMapEntry;
    if (x.key !== y.key || !sameJson(x.value, y.value)) return false;
  }
  return true;
}
