import { comparePaths, formatPath, type Segment } from './path.js';
import { isLeaf, toJson, type PNode } from './ptree.js';
import type { LeafProvenance } from './types.js';

/**
 * Every leaf of a resolved config (a scalar, or an empty map or list) with where it came from and
 * what it replaced, sorted by path (keys by code units, list indexes numerically), so the output
 * never depends on the order the cascade happened to visit things (SPEC §4 provenance).
 */
export function leafProvenance(root: PNode): LeafProvenance[] {
  const out: { segments: Segment[]; leaf: LeafProvenance }[] = [];
  const walk = (node: PNode, segments: Segment[]): void => {
    if (isLeaf(node) && segments.length > 0) {
      const leaf: LeafProvenance = { path: formatPath(segments), value: toJson(node), origin: node.origin, overrode: node.overrode };
      if (node.interpolated) leaf.interpolated = node.interpolated;
      out.push({ segments, leaf });
      return;
    }
    if (node.kind === 'map') for (const [k, c] of node.entries) walk(c, [...segments, k]);
    else if (node.kind === 'seq') node.items.forEach((c, i) => walk(c, [...segments, i]));
  };
  walk(root, []);
  return out.sort((a, b) => comparePaths(a.segments, b.segments)).map((x) => x.leaf);
}
