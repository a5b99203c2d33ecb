import { setOwn } from '../source/own-keys.js';
import type { Origin } from '../source/span.js';
import type { Json } from '../source/tree.js';
import type { Segment } from './path.js';
import { fromJson, type PMap, type PNode } from './ptree.js';
import { schemaAt } from './schema-walk.js';

export interface DefaultsContext {
  /** The schema as plain JSON. */
  schema: Json;
  /** Its absolute path, for the origins. */
  schemaPath: string;
}

/**
 * Adds to the tree what ajv's `useDefaults` added to the data (SPEC §4: "defaults from the schema
 * are applied"), each part with a schema-default origin pointing at the `default` keyword.
 */
export function applyDefaults(options: DefaultsContext & { root: PMap; data: Json }): PMap {
  walkDefaults(options.root, options.data, [], options);
  return options.root;
}

function walkDefaults(node: PNode, data: Json, path: Segment[], ctx: DefaultsContext): void {
  if (node.kind === 'map' && data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [k, v] of Object.entries(data)) {
      const existing = node.entries.get(k);
      if (existing) walkDefaults(existing, v, [...path, k], ctx);
      else node.entries.set(k, defaultNode(withSchemaKeys(v, [...path, k], ctx), [...path, k], ctx));
    }
  } else if (node.kind === 'seq' && Array.isArray(data)) {
    data.forEach((v, i) => {
      const existing = node.items[i];
      if (existing) walkDefaults(existing, v, [...path, i], ctx);
      else node.items[i] = defaultNode(withSchemaKeys(v, [...path, i], ctx), [...path, i], ctx);
    });
  }
}

/**
 * ajv writes a default into the data through generated code in which an object literal's
 * `"__proto__"` key sets a prototype instead of a key, so a default map loses that key. The
 * schema's own `default` (read with own keys) puts back what ajv dropped; what ajv added inside
 * it (defaults of nested properties) stays.
 */
function withSchemaKeys(value: Json, path: Segment[], ctx: DefaultsContext): Json {
  const at = schemaAt(path, ctx.schema)?.node;
  const declared = at !== null && typeof at === 'object' && !Array.isArray(at) && Object.hasOwn(at, 'default') ? at.default : undefined;
  return declared === undefined ? value : restoreKeys(declared, value);
}

function restoreKeys(declared: Json, filled: Json): Json {
  const isMap = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(declared) && Array.isArray(filled) && declared.length === filled.length) return filled.map((v, i) => restoreKeys(declared[i] as Json, v));
  if (!isMap(declared) || !isMap(filled)) return filled;
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(declared)) setOwn(out, k, Object.hasOwn(filled, k) ? restoreKeys(declared[k] as Json, filled[k] as Json) : (declared[k] as Json));
  for (const k of Object.keys(filled)) if (!Object.hasOwn(out, k)) setOwn(out, k, filled[k] as Json);
  return out;
}

/** A default-filled value: each part points at the nearest `default` keyword above it in the schema. */
function defaultNode(value: Json, path: Segment[], ctx: DefaultsContext): PNode {
  const origin: Origin = { kind: 'schema-default', pointer: defaultPointer(path, ctx.schema), schema: ctx.schemaPath };
  const node = fromJson(value, origin);
  const restamp = (n: PNode, at: Segment[]): void => {
    const own = schemaAt(at, ctx.schema);
    if (own !== undefined && own.node !== null && typeof own.node === 'object' && !Array.isArray(own.node) && 'default' in own.node) {
      n.origin = { kind: 'schema-default', pointer: `${own.pointer}/default`, schema: ctx.schemaPath };
    } else if (at !== path) n.origin = origin;
    if (n.kind === 'map') for (const [k, c] of n.entries) restamp(c, [...at, k]);
    else if (n.kind === 'seq') n.items.forEach((c, i) => restamp(c, [...at, i]));
  };
  restamp(node, path);
  return node;
}

function defaultPointer(path: Segment[], schema: Json): string {
  const at = schemaAt(path, schema);
  return at === undefined ? '' : `${at.pointer}/default`;
}
