import type { Origin } from '../source/span.js';
import type { Json, LNode, Scalar } from '../source/tree.js';
import type { InterpolationSource, Overridden } from './types.js';

/**
 * The cascade's working tree: a config value in which every node remembers which layer set it and
 * what it replaced, so the resolved config can explain itself (SPEC §4, provenance). Maps keep
 * their keys in insertion order (a JS Map), the order the cascade first saw them.
 */
export type PNode = PMap | PSeq | PScalar;

interface PBase {
  origin: Origin;
  /** Values this node replaced, most recent first. */
  overrode: Overridden[];
  /**
   * True when this node replaced a value of another shape (or a map wholesale), so merging it onto
   * an older layer replaces rather than deep-merges. It makes `merge` associative (see merge.ts).
   */
  replaces?: boolean;
  /** Set when interpolation produced the node (see LeafProvenance.interpolated). */
  interpolated?: { template: string; sources: InterpolationSource[] };
}

export interface PMap extends PBase {
  kind: 'map';
  entries: Map<string, PNode>;
}

export interface PSeq extends PBase {
  kind: 'seq';
  items: PNode[];
}

export interface PScalar extends PBase {
  kind: 'scalar';
  value: Scalar;
}

/** A located tree from a file becomes a PNode whose every node points at its own span. */
export function fromLNode(node: LNode, originOf: (n: LNode) => Origin): PNode {
  switch (node.kind) {
    case 'scalar':
      return { kind: 'scalar', value: node.value, origin: originOf(node), overrode: [] };
    case 'seq':
      return { kind: 'seq', items: node.items.map((i) => fromLNode(i, originOf)), origin: originOf(node), overrode: [] };
    case 'map': {
      const entries = new Map<string, PNode>();
      for (const e of node.entries) entries.set(e.key, fromLNode(e.value, originOf));
      return { kind: 'map', entries, origin: originOf(node), overrode: [] };
    }
  }
}

/** A plain value (an override's value, a schema default) becomes a PNode with one origin throughout. */
export function fromJson(value: Json, origin: Origin): PNode {
  if (value === null || typeof value !== 'object') return { kind: 'scalar', value, origin, overrode: [] };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromJson(v, origin)), origin, overrode: [] };
  const entries = new Map<string, PNode>();
  for (const [k, v] of Object.entries(value)) entries.set(k, fromJson(v, origin));
  return { kind: 'map', entries, origin, overrode: [] };
}

/** The plain value. Keys keep insertion order (`__proto__` is kept as a real key, not a prototype). */
export function toJson(node: PNode): Json {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJson);
    case 'map': {
      const out: { [key: string]: Json } = {};
      for (const [k, v] of node.entries) defineKey(out, k, toJson(v));
      return out;
    }
  }
}

/** Sets a key even when it is `__proto__`, which plain assignment would treat as the prototype. */
export function defineKey(obj: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy (nodes are mutated by overrides and interpolation; layers must not share them). */
export function clonePNode(node: PNode): PNode {
  // The cascade copies every layer it merges: written out per kind rather than spread from a base
  // object, with the same keys in the same order.
  if (node.replaces || node.interpolated) return cloneMarked(node);
  const overrode = node.overrode.length === 0 ? [] : node.overrode.slice();
  switch (node.kind) {
    case 'scalar':
      return { origin: node.origin, overrode, kind: 'scalar', value: node.value };
    case 'seq': {
      const items = new Array<PNode>(node.items.length);
      for (let i = 0; i < items.length; i++) items[i] = clonePNode(node.items[i] as PNode);
      return { origin: node.origin, overrode, kind: 'seq', items };
    }
    case 'map': {
      const entries = new Map<string, PNode>();
      for (const [k, v] of node.entries) entries.set(k, clonePNode(v));
      return { origin: node.origin, overrode, kind: 'map', entries };
    }
  }
}

function cloneMarked(node: PNode): PNode {
  const base: PBase = { origin: node.origin, overrode: [...node.overrode] };
  if (node.replaces) base.replaces = true;
  if (node.interpolated) base.interpolated = node.interpolated;
  switch (node.kind) {
    case 'scalar':
      return { ...base, kind: 'scalar', value: node.value };
    case 'seq':
      return { ...base, kind: 'seq', items: node.items.map(clonePNode) };
    case 'map':
      return { ...base, kind: 'map', entries: new Map([...node.entries].map(([k, v]) => [k, clonePNode(v)])) };
  }
}

/** A leaf is what provenance is kept for: a scalar, or a map or list with nothing in it. */
export function isLeaf(node: PNode): boolean {
  return node.kind === 'scalar' || (node.kind === 'seq' ? node.items.length === 0 : node.entries.size === 0);
}
