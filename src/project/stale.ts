import { existsSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { sha256Hex } from '../source/canonical-json.js';
import type { PreviousManifest } from './manifest.js';

/**
 * Files an earlier build wrote (per its manifest) that this build does not produce and that are
 * still on disk: outputs of a binding that was removed or renamed, of a target dropped from a
 * binding, of a sweep value no longer swept. `keep` names units outside this build's scope
 * (`--only`), whose files are not stale. Returns relative path -> the hash flowc wrote.
 */
export function findStale(options: { outDir: string; previous: PreviousManifest | undefined; produced: Set<string>; keep: Set<string> }): Record<string, string> {
  const { previous, produced, keep } = options;
  const stale: Record<string, string> = {};
  if (!previous) return stale;
  const candidates: Record<string, string> = { ...previous.stale };
  for (const [name, unit] of previous.units) if (!keep.has(name)) Object.assign(candidates, unit.files);
  for (const [rel, sha] of Object.entries(candidates)) {
    if (produced.has(rel) || !isInside(rel)) continue;
    if (existsSync(join(options.outDir, rel))) stale[rel] = sha;
  }
  return stale;
}

/**
 * `--prune`: removes each stale file whose contents are still what flowc wrote, then any folders
 * that left empty (never the output folder itself). A file changed since is someone else's now:
 * it stays, and is returned in `changed`.
 */
export function pruneStale(outDir: string, stale: Record<string, string>): { removed: string[]; changed: string[] } {
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [rel, sha] of Object.entries(stale).sort()) {
    const path = join(outDir, rel);
    let current: string;
    try {
      current = sha256Hex(readFileSync(path));
    } catch {
      continue;
    }
    if (current !== sha) {
      changed.push(rel);
      continue;
    }
    unlinkSync(path);
    removed.push(rel);
    for (let dir = dirname(path); dir !== outDir && isInside(relative(outDir, dir)); dir = dirname(dir)) {
      if (readdirSync(dir).length > 0) break;
      rmdirSync(dir);
    }
  }
  return { removed, changed };
}

/** A manifest path must stay inside the output folder: a hand-edited `../x` is never touched. */
function isInside(rel: string): boolean {
  return rel !== '' && !rel.startsWith('/') && !rel.split(/[\\/]/).includes('..') && !rel.includes(`:${sep}`);
}
