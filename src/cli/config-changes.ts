import { visibleText } from '../source/visible-text.js';

/** At most this many changed keys are named per lockfile; the rest are counted. */
export const MAX_KEYS_SHOWN = 10;

interface LockOrigin {
  kind?: string;
  file?: string;
  line?: number;
  col?: number;
  arg?: string;
  name?: string;
  pointer?: string;
}

interface LockShape {
  flow?: { sha256?: string };
  configs?: Record<string, { values?: unknown; provenance?: { path?: string; origin?: LockOrigin }[] }>;
}

/**
 * What changed between two config lockfiles (the one on disk and the one just compiled), in the
 * user's terms: each config key whose value changed, old -> new, with where the new value was set
 * (the lockfile's provenance, as `flowc config --explain` shows it). The file on disk is untrusted
 * input: anything that does not parse gives `undefined`, and only the shape read here is used.
 */
export function configChanges(oldText: string, newText: string): { keys: string[]; more: number; flowChanged: boolean } | undefined {
  const before = parse(oldText);
  const after = parse(newText);
  if (!before || !after) return undefined;
  const changes: string[] = [];
  const names = [...new Set([...Object.keys(before.configs ?? {}), ...Object.keys(after.configs ?? {})])].sort();
  for (const name of names) {
    const a = flatten(before.configs?.[name]?.values, name);
    const b = flatten(after.configs?.[name]?.values, name);
    const provenance = new Map((after.configs?.[name]?.provenance ?? []).map((p) => [`${name}.${p.path ?? ''}`, p.origin]));
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const was = a.get(key);
      const now = b.get(key);
      if (was === now) continue;
      const where = now === undefined ? '' : originText(provenanceFor(provenance, key));
      changes.push(`${key}: ${was ?? '(absent)'} -> ${now ?? '(removed)'}${where ? ` (${where})` : ''}`);
    }
  }
  const flowChanged = before.flow?.sha256 !== after.flow?.sha256;
  return { keys: changes.slice(0, MAX_KEYS_SHOWN).map(visibleText), more: Math.max(0, changes.length - MAX_KEYS_SHOWN), flowChanged };
}

function parse(text: string): LockShape | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as LockShape) : undefined;
  } catch {
    return undefined;
  }
}

/** Leaf values by dotted key; a list is one value (a changed list is one changed key). */
function flatten(value: unknown, prefix: string, out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, `${prefix}.${k}`, out);
  } else if (value !== undefined) out.set(prefix, shortJson(value));
  return out;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The provenance of a key, or of the nearest map above it that has one (a list's items are under the list). */
function provenanceFor(provenance: Map<string, LockOrigin | undefined>, key: string): LockOrigin | undefined {
  for (let k = key; k.includes('.'); k = k.slice(0, k.lastIndexOf('.'))) {
    const o = provenance.get(k);
    if (o) return o;
  }
  return undefined;
}

function originText(o: LockOrigin | undefined): string {
  if (!o) return '';
  const at = o.file ? `${o.file}${o.line ? `:${o.line}:${o.col ?? 1}` : ''}` : '';
  switch (o.kind) {
    case 'set':
      return `--set ${o.arg ?? ''}${at ? ` at ${at}` : ''}`;
    case 'env':
      return `environment variable ${o.name ?? ''}`;
    case 'schema-default':
      return `schema default${o.pointer ? ` ${o.pointer}` : ''}`;
    default:
      return at;
  }
}
