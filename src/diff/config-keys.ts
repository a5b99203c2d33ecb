import { canonicalJson } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import type { ConfigKeyChange } from './types.js';

/** One resolved config leaf as a lockfile records it (src/config/lock.ts). */
interface LockLeaf {
  value: Json;
  origin: Record<string, unknown> | undefined;
}

/** Leaves by `<config>.<path>`, read from a lockfile's `configs` (or `lockProvenance`'s output). */
export type ConfigLeaves = Map<string, LockLeaf>;

/**
 * The leaves of every config in a lockfile's `configs` part. The input may be a file on disk
 * (untrusted): only the shape read here is used, anything else is skipped.
 */
export function configLeaves(configs: unknown): ConfigLeaves {
  const out: ConfigLeaves = new Map();
  if (!isObject(configs)) return out;
  for (const [name, entry] of Object.entries(configs)) {
    const provenance = isObject(entry) && Array.isArray(entry.provenance) ? entry.provenance : Array.isArray(entry) ? entry : [];
    for (const leaf of provenance) {
      if (!isObject(leaf) || typeof leaf.path !== 'string') continue;
      const key = leaf.path.startsWith('[') ? `${name}${leaf.path}` : `${name}.${leaf.path}`;
      out.set(key, { value: (leaf.value ?? null) as Json, origin: isObject(leaf.origin) ? leaf.origin : undefined });
    }
  }
  return out;
}

/**
 * The config keys whose values differ, sorted by key, with where each was set (the after side's
 * origin; the before side's for a removed key). `place` turns a lockfile path into what the user
 * reads (relative to here, or `<rev>:<path>` for a git revision). Provenance alone (a value moved
 * to another line, TOML rewritten as YAML) is no change.
 */
export function configKeyChanges(options: { before: ConfigLeaves; after: ConfigLeaves; placeBefore: (file: string) => string; placeAfter: (file: string) => string }): ConfigKeyChange[] {
  const { before, after } = options;
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ConfigKeyChange[] = [];
  for (const key of keys) {
    const a = before.get(key);
    const b = after.get(key);
    if (a && b && canonicalJson(a.value) === canonicalJson(b.value)) continue;
    const change: ConfigKeyChange = { key };
    if (a) change.before = a.value;
    if (b) change.after = b.value;
    const at = b ? originText(b.origin, options.placeAfter) : originText(a?.origin, options.placeBefore);
    if (at) change.at = at;
    out.push(change);
  }
  return out;
}

function originText(o: Record<string, unknown> | undefined, place: (file: string) => string): string {
  if (!o) return '';
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const file = str('file');
  const at = file ? `${place(file)}${typeof o.line === 'number' ? `:${o.line}:${typeof o.col === 'number' ? o.col : 1}` : ''}` : '';
  switch (o.kind) {
    case 'set':
      return `--set ${str('arg')}${at ? ` at ${at}` : ''}`;
    case 'env':
      return `environment variable ${str('name')}`;
    case 'schema-default':
      return `schema default ${str('pointer')}${str('schema') ? ` in ${place(str('schema'))}` : ''}`;
    default:
      return at;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaves of resolved config values without provenance (an IR's `config.values`): lists are one leaf each item, as in a lockfile. */
export function valueLeaves(values: Record<string, Json>): ConfigLeaves {
  const out: ConfigLeaves = new Map();
  const walk = (v: Json, key: string) => {
    if (Array.isArray(v) && v.length > 0) v.forEach((item, i) => walk(item, `${key}[${i}]`));
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) walk(x, `${key}.${k}`);
    else out.set(key, { value: v, origin: undefined });
  };
  for (const [name, v] of Object.entries(values)) walk(v, name);
  return out;
}
