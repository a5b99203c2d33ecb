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
