import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import { loadTree } from '../source/load-tree.js';
import { toJson as lToJson, type Json } from '../source/tree.js';
import type { Segment } from './path.js';

// Finding the part of a JSON Schema that describes a given place in a config (best effort).

export function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Whether a config's schema declares a path (through `properties`, `items`, local `$ref`s and
 * `allOf`/`anyOf`/`oneOf` branches), for `--set` on keys only the schema knows. Reads the schema
 * quietly: its problems are reported when the config is validated.
 */
export function schemaDeclares(options: { schemaPath: string; sources: SourceRegistry }): (segments: Segment[]) => boolean {
  const tree = loadTree(options.schemaPath, { sources: options.sources, diagnostics: new DiagnosticBag() });
  if (tree === undefined) return () => false;
  const schema = options.sources.derive(lToJson, tree);
  return (segments) => segments.length > 0 && schemaAt(segments, schema) !== undefined;
}

/**
 * The subschema that describes the value at `path`, following `properties`, `items`/`prefixItems`,
 * local `$ref`s and the branches of `allOf`/`anyOf`/`oneOf`. Best effort: undefined when unclear.
 */
export function schemaAt(path: Segment[], root: Json): { node: Json; pointer: string } | undefined {
  let cur: { node: Json; pointer: string } | undefined = { node: root, pointer: '' };
  for (const seg of path) {
    if (cur === undefined) return undefined;
    cur = step(cur, seg, root, 0);
  }
  return cur;
}

function step(at: { node: Json; pointer: string }, seg: Segment, root: Json, depth: number): { node: Json; pointer: string } | undefined {
  const s = at.node;
  if (depth > 20 || s === null || typeof s !== 'object' || Array.isArray(s)) return undefined;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) {
    const target = resolveLocalRef(s.$ref, root);
    if (target !== undefined) {
      const found = step(target, seg, root, depth + 1);
      if (found) return found;
    }
  }
  if (typeof seg === 'string') {
    const props = s.properties;
    if (props !== null && typeof props === 'object' && !Array.isArray(props) && Object.hasOwn(props, seg)) {
      return { node: props[seg] as Json, pointer: `${at.pointer}/properties/${escapePointer(seg)}` };
    }
  } else {
    const prefix = Array.isArray(s.prefixItems) ? 'prefixItems' : Array.isArray(s.items) ? 'items' : undefined;
    const tuple = prefix === undefined ? undefined : (s[prefix] as Json[]);
    if (prefix !== undefined && tuple !== undefined && seg < tuple.length) return { node: tuple[seg] as Json, pointer: `${at.pointer}/${prefix}/${seg}` };
    if (s.items !== undefined && !Array.isArray(s.items)) return { node: s.items, pointer: `${at.pointer}/items` };
  }
  for (const kw of ['allOf', 'anyOf', 'oneOf']) {
    const branches = s[kw];
    if (!Array.isArray(branches)) continue;
    for (let i = 0; i < branches.length; i++) {
      const found = step({ node: branches[i] as Json, pointer: `${at.pointer}/${kw}/${i}` }, seg, root, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function resolveLocalRef(ref: string, root: Json): { node: Json; pointer: string } | undefined {
  const pointer = decodeURIComponent(ref.slice(1));
  let node: Json | undefined = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(seg)] : Object.hasOwn(node, seg) ? node[seg] : undefined;
    if (node === undefined) return undefined;
  }
  return { node, pointer };
}
