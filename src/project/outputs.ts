import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import { type Manifest, type ManifestUnit, type PreviousManifest, serializeManifest } from './manifest.js';
import { findStale } from './stale.js';
import type { UnitOutput } from './unit.js';

/** A file to write: absolute path, path relative to the output folder (`/`-separated), contents. */
export interface PlannedFile {
  path: string;
  rel: string;
  contents: string;
}

/** One unit in build order: freshly compiled (`output`) or outside `--only` and carried over from the last manifest. */
export interface PlannedUnit {
  name: string;
  meta: Record<string, Json>;
  output?: UnitOutput;
  carried?: ManifestUnit;
}

/**
 * Lays out a build (docs/project.md, "Output layout"): each unit's files under `<out>/<name>/`,
 * then the manifest naming every file with its hash, and the stale files of earlier builds
 * (kept in the manifest until pruned, so they are never forgotten).
 */
export function planOutputs(options: {
  outDir: string;
  manifestName: string;
  kind: Manifest['kind'];
  header: Record<string, Json>;
  units: PlannedUnit[];
  previous: PreviousManifest | undefined;
  prune: boolean;
}): { files: PlannedFile[]; stale: Record<string, string> } {
  const { outDir } = options;
  const files: PlannedFile[] = [];
  const manifest: Manifest = { kind: options.kind, header: options.header, units: new Map(), stale: {} };
  const keep = new Set<string>();
  for (const u of options.units) {
    if (u.carried) {
      keep.add(u.name);
      manifest.units.set(u.name, u.carried);
      continue;
    }
    const out = u.output as UnitOutput;
    const hashes: Record<string, string> = {};
    for (const f of out.files) {
      const rel = `${u.name}/${f.path}`;
      files.push({ path: join(outDir, rel), rel, contents: f.contents });
      hashes[rel] = sha256Hex(f.contents);
    }
    manifest.units.set(u.name, { ...u.meta, configHash: out.configHash ?? '', files: hashes });
  }
  const produced = new Set([...manifest.units.values()].flatMap((u) => Object.keys(u.files)));
  produced.add(options.manifestName);
  const stale = findStale({ outDir, previous: options.previous, produced, keep });
  if (!options.prune) manifest.stale = stale;
  files.push({ path: join(outDir, options.manifestName), rel: options.manifestName, contents: serializeManifest(manifest) });
  return { files, stale };
}

/** The planned files whose contents on disk differ (`onDisk` undefined: missing). */
export function differingFiles(files: PlannedFile[]): { file: PlannedFile; onDisk: string | undefined }[] {
  const out: { file: PlannedFile; onDisk: string | undefined }[] = [];
  for (const file of files) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(file.path, 'utf8');
    } catch {
      onDisk = undefined;
    }
    if (onDisk !== file.contents) out.push({ file, onDisk });
  }
  return out;
}
