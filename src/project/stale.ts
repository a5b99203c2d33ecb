import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PreviousManifest } from './manifest.js';
import { inspectOutput, relPathProblem } from './output-paths.js';
import { hashRegularFile } from '../source/regular-file.js';

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
  // Only paths this build does not produce (an up-to-date build produces all 9,001 it lists): the
  // hash a unit records wins over an older stale entry, as it is the later write.
  const candidates = new Map<string, string>();
  for (const [rel, sha] of Object.entries(previous.stale)) if (!produced.has(rel)) candidates.set(rel, sha);
  for (const [name, unit] of previous.units) {
    if (keep.has(name)) continue;
    for (const rel in unit.files) if (!produced.has(rel)) candidates.set(rel, unit.files[rel] as string);
  }
  for (const [rel, sha] of candidates) {
    // readManifest already dropped unconfined paths; checked again because this decides deletions.
    if (relPathProblem(rel)) continue;
    if (inspectOutput(options.outDir, rel).kind !== 'missing') stale[rel] = sha;
  }
  return stale;
}

/**
 * `--prune`: removes each stale file that is a regular file reached through real folders (no
 * symbolic link in any component below the output folder, checked with lstat) and whose contents
 * are still what flowc wrote, then any folders that left empty (never the output folder itself).
 * A file changed since is someone else's now: it stays, in `changed`. Anything that is not a
 * regular file in a real folder stays too, in `refused`, with what it is.
 */
export function pruneStale(outDir: string, stale: Record<string, string>): { removed: string[]; changed: string[]; refused: { rel: string; what: string }[] } {
  const removed: string[] = [];
  const changed: string[] = [];
  const refused: { rel: string; what: string }[] = [];
  for (const [rel, sha] of Object.entries(stale).sort()) {
    if (relPathProblem(rel)) continue;
    const state = inspectOutput(outDir, rel);
    if (state.kind === 'missing') continue;
    if (state.kind === 'refused') {
      refused.push({ rel, what: state.what });
      continue;
    }
    const path = join(outDir, rel);
    // O_NOFOLLOW: a link swapped in after the lstat is not hashed through.
    const current = hashRegularFile(path, { followLinks: false });
    if (current === undefined) {
      refused.push({ rel, what: 'not a regular file' });
      continue;
    }
    if (current !== sha) {
      changed.push(rel);
      continue;
    }
    try {
      unlinkSync(path);
    } catch (e) {
      // Not ours to fix (a read-only folder, a file swapped for a folder): keep it and say so.
      refused.push({ rel, what: `a file flowc could not delete (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    removed.push(rel);
    removeEmptyFolders(path, rel.split('/').length - 1);
  }
  return { removed, changed, refused };
}

/** Removes the folders above `path` that are now empty, up to `levels` of them (never the output folder). */
function removeEmptyFolders(path: string, levels: number): void {
  let dir = dirname(path);
  for (let depth = 0; depth < levels; depth++, dir = dirname(dir)) {
    try {
      if (!lstatSync(dir).isDirectory() || readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}
