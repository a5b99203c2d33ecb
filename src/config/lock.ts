import type { Origin } from '../source/span.js';
import type { Json } from '../source/tree.js';
import type { ResolvedConfigs } from './types.js';

export interface LockProvenanceOptions {
  resolved: ResolvedConfigs;
  /** Makes paths relative to the flow file's folder: no absolute path may reach a lockfile. */
  relativize: (absPath: string) => string;
}

/**
 * The provenance part of `<name>.config.lock.json` (SPEC §7): per config, each leaf's path, value,
 * origin and what it overrode, as plain JSON with a fixed key order (lockfiles are diffed in review,
 * so the same inputs must give the same bytes). Empty `overrode` lists are left out.
 *
 * Origins: `{kind: "file", file, line, col}`, `{kind: "inline-default", file, line, col}`,
 * `{kind: "set", arg}` (plus `file, line, col` for a binding's `set:` entry), `{kind: "env", name}`, `{kind: "schema-default", schema, pointer}`.
 */
export function lockProvenance(options: LockProvenanceOptions): Record<string, Json> {
  const { resolved, relativize } = options;
  const out: Record<string, Json> = {};
  for (const [name, leaves] of Object.entries(resolved.provenance)) {
    out[name] = leaves.map((leaf) => {
      const entry: { [k: string]: Json } = { path: leaf.path, value: leaf.value, origin: lockOrigin(leaf.origin, relativize) };
      if (leaf.interpolated) {
        entry.interpolated = {
          template: leaf.interpolated.template,
          sources: leaf.interpolated.sources.map((s): Json => (s.defaulted ? { ref: s.ref, defaulted: true } : { ref: s.ref, origin: lockOrigin(s.origin, relativize) })),
        };
      }
      if (leaf.overrode.length > 0) entry.overrode = leaf.overrode.map((o) => ({ value: o.value, origin: lockOrigin(o.origin, relativize) }));
      return entry;
    });
  }
  return out;
}

function lockOrigin(origin: Origin, relativize: (p: string) => string): Json {
  switch (origin.kind) {
    case 'file':
    case 'inline-default':
      return { kind: origin.kind, file: relativize(origin.span.file), line: origin.span.line, col: origin.span.col };
    case 'set':
      return origin.span ? { kind: 'set', arg: origin.arg, file: relativize(origin.span.file), line: origin.span.line, col: origin.span.col } : { kind: 'set', arg: origin.arg };
    case 'env':
      return { kind: 'env', name: origin.name };
    case 'schema-default':
      return origin.schema === undefined ? { kind: 'schema-default', pointer: origin.pointer } : { kind: 'schema-default', schema: relativize(origin.schema), pointer: origin.pointer };
  }
}
