import type { LNode } from './tree.js';

/**
 * The located node at a JSON Pointer (RFC 6901, as ajv's `instancePath` gives), or the deepest
 * node on the way when the path leaves the tree (e.g. a missing property: its parent map).
 */
export function nodeAtPointer(root: LNode, pointer: string): { node: LNode; exact: boolean; keySpan?: LNode['span'] } {
  if (pointer === '') return { node: root, exact: true };
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node = root;
  let keySpan: LNode['span'] | undefined;
  for (const token of tokens) {
    if (node.kind === 'map') {
      const e = node.entries.find((x) => x.key === token);
      if (!e) return keySpan ? { node, exact: false, keySpan } : { node, exact: false };
      node = e.value;
      keySpan = e.keySpan;
    } else if (node.kind === 'seq') {
      const item = node.items[Number(token)];
      if (!item) return { node, exact: false };
      node = item;
      keySpan = undefined;
    } else {
      return { node, exact: false };
    }
  }
  return keySpan ? { node, exact: true, keySpan } : { node, exact: true };
}
