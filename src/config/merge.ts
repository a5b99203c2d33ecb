import { canonicalEqual } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import { clonePNode, isLeaf, toJson, type PNode } from './ptree.js';
import type { Overridden } from './types.js';

/**
 * Lays `over` on top of `base` (SPEC §4 "Merge"): maps merge deeply, key by key, keeping the order
 * in which keys first appeared; lists and scalars replace; a map replacing a scalar or list (or the
 * other way round) replaces too. Inputs are not changed.
 *
 * Every leaf that replaces something records what it replaced (the value at the same path, or the
 * value of another shape it displaced), most recent first, for `flowc config --explain`; the same
 * value from the same place is recorded once.
 *
 * A map that replaced a value of another shape is marked `replaces`, and a marked map replaces
 * rather than merges when laid on anything. This keeps `merge` associative —
 * merge(merge(a, b), c) and merge(a, merge(b, c)) hold the same values — even for a = {x: 1},
 * b = 5, c = {y: 2}, where plain deep merge gives {y: 2} on the left and {x: 1, y: 2} on the right.
 * In the cascade itself layers fold from the lowest, so the mark changes nothing there.
 */
export function merge(base: PNode | undefined, over: PNode): PNode {
  if (base === undefined) return clonePNode(over);
  if (base.kind === 'map' && over.kind === 'map' && !over.replaces) {
    const entries = new Map<string, PNode>();
    for (const [k, v] of base.entries) entries.set(k, clonePNode(v));
    for (const [k, v] of over.entries) entries.set(k, merge(entries.get(k), v));
    const out: PNode = { kind: 'map', entries, origin: base.origin, overrode: [...base.overrode] };
    if (base.replaces) out.replaces = true;
    return out;
  }
  return replace(base, over);
}

/** `over` in place of `old`, each new leaf remembering what stood where it now stands. */
export function replace(old: PNode | undefined, over: PNode): PNode {
  const nu = clonePNode(over);
  if (old !== undefined) {
    attachHistory(nu, old);
    if (nu.kind === 'map') nu.replaces = true;
  }
  return nu;
}

function attachHistory(nu: PNode, old: PNode): void {
  const sameContainer = !isLeaf(old) && old.kind === nu.kind && !isLeaf(nu);
  if (!sameContainer) {
    appendToLeaves(nu, history(old));
    return;
  }
  if (nu.kind === 'map' && old.kind === 'map') {
    for (const [k, child] of nu.entries) {
      const before = old.entries.get(k);
      if (before !== undefined) attachHistory(child, before);
    }
  } else if (nu.kind === 'seq' && old.kind === 'seq') {
    nu.items.forEach((child, i) => {
      const before = old.items[i];
      if (before !== undefined) attachHistory(child, before);
    });
  }
}

/** What a node stood for before it was replaced: itself, then what it had replaced (leaves only). */
function history(old: PNode): Overridden[] {
  const self: Overridden = { origin: old.origin, value: toJson(old) };
  return isLeaf(old) ? [self, ...old.overrode] : [self];
}

function appendToLeaves(node: PNode, older: Overridden[]): void {
  if (isLeaf(node)) {
    for (const o of older) {
      // A file laid twice (in `files:` and again through an `extends:`) sets the same value from
      // the same place twice; "overrode 4 from base.toml:6:7" twice in a row explains nothing.
      const last = node.overrode[node.overrode.length - 1] ?? { origin: node.origin, value: toJson(node) };
      if (sameOverridden(last, o)) continue;
      node.overrode.push(o);
    }
    return;
  }
  if (node.kind === 'map') for (const child of node.entries.values()) appendToLeaves(child, older);
  else if (node.kind === 'seq') for (const child of node.items) appendToLeaves(child, older);
}

/** Whether two recorded values are the same value from the same place (exported for its test). */
export function sameOverridden(a: Overridden, b: Overridden): boolean {
  if (originsDiffer(a.origin, b.origin)) return false;
  return canonicalEqual(a.value, b.value) && canonicalEqual(a.origin as unknown as Json, b.origin as unknown as Json);
}

/**
 * True only when the canonical JSON of the two origins certainly differs, told from a few fields
 * (most values replaced in a cascade come from different places): another kind, or a span at
 * another file, line or column. Otherwise the full comparison decides.
 */
function originsDiffer(a: Overridden['origin'], b: Overridden['origin']): boolean {
  if (a.kind !== b.kind) return true;
  const x = 'span' in a ? a.span : undefined;
  const y = 'span' in b ? b.span : undefined;
  if (x === undefined || y === undefined) return false;
  if (typeof x.file === 'string' && typeof y.file === 'string' && x.file !== y.file) return true;
  return differentIntegers(x.line, y.line) || differentIntegers(x.col, y.col);
}

function differentIntegers(x: unknown, y: unknown): boolean {
  return Number.isInteger(x) && Number.isInteger(y) && x !== y;
}
