import { parseAllDocuments } from 'yaml';
import type { Artifact } from '../targets/target.js';

export type Path = (string | number)[];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every path (keys and indices from `root`) to a node `match` accepts, in document order. */
export function findPaths(root: unknown, match: (node: unknown) => boolean): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, path: Path) => {
    if (match(node)) out.push(path);
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
    else if (isObject(node)) for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  };
  walk(root, []);
  return out;
}

/** The node at `path` (undefined when it leaves the tree). */
export function at(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isObject(node) && typeof key === 'string') node = node[key];
    else return undefined;
  }
  return node;
}

/** An artifact's documents (JSON, or YAML with one or more documents), by file name. */
export function artifactDocuments(artifacts: Artifact[], suffix: string): unknown[] {
  const a = artifacts.find((x) => x.path.endsWith(suffix));
  if (!a) return [];
  return a.path.endsWith('.json') ? [JSON.parse(a.contents) as unknown] : parseAllDocuments(a.contents).map((d) => d.toJS() as unknown);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A name in backquotes, as the text report prints names. */
export function q(name: unknown): string {
  return `\`${String(name)}\``;
}
