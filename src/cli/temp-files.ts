import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isMissing } from '../project/output-paths.js';

/**
 * flowc's temporary files in an output folder: `.flowc-<pid>-<random>.tmp` (a file being staged),
 * `.flowc-<pid>-<random>.bak` (the previous version of a file being replaced, kept until the
 * write commits) and `.flowc-<pid>-<random>.dir` (a new folder being staged whole). The pid says
 * whose they are, so a later run can tell debris of a killed run from the files of a run still going.
 */
const TEMP_NAME = /^\.flowc-(\d+)-[0-9a-f]{12}\.(tmp|bak|dir)$/;

// A random start, then a counter: unique within the process without a random draw per file
// (randomBytes was the largest single cost of writing thousands of files).
let nextId = randomBytes(6).readUIntBE(0, 6);

export function tempName(kind: 'tmp' | 'bak' | 'dir'): string {
  nextId = (nextId + 1) % 2 ** 48;
  return `.flowc-${process.pid}-${nextId.toString(16).padStart(12, '0')}.${kind}`;
}

/**
 * Removes the temporary files a killed flowc left in `dirs` (SIGKILL cannot be caught): only names
 * matching TEMP_NAME, only regular files (never a link of that name; a folder only when named as a
 * staged folder, `.dir`), only when the process named in it is gone. Not recursive (but for a
 * staged folder): the caller passes the folders it writes into, all
 * inside the output folder `root`, and any of them reached through a symbolic link below `root` is
 * skipped. Returns how many were removed.
 */
export function removeStaleTemps(root: string, dirs: Iterable<string>): number {
  let removed = 0;
  // A first build: no folder under the output folder exists, so none holds debris (and `dirs`, a
  // folder per file of 9,001, is never walked).
  if (isMissing(root)) return 0;
  let children: Set<string> | undefined;
  for (const dir of dirs) {
    // Listing a folder reached through a link would clean up somewhere else: real folders only.
    const rel = relative(root, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    // The output folder's own entries (a build's unit folders, 1,000 of them) are told by one
    // listing of it, whose entry types are what lstat says (Node lstats an entry whose type the
    // file system leaves unknown): not an lstat each. Deeper folders take the lstat of each part.
    if (rel !== '' && !rel.includes(sep)) {
      children ??= realFolderNames(root);
      if (!children.has(rel)) continue;
    } else if (!isRealFolderBelow(root, rel)) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_NAME.exec(name);
      if (!m || isAlive(Number(m[1]))) continue;
      const path = join(dir, name);
      try {
        const st = lstatSync(path);
        if (m[2] === 'dir' && st.isDirectory()) {
          // A staged folder holds only what flowc put there; rm removes links inside without following them.
          rmSync(path, { recursive: true, force: true });
          removed++;
          continue;
        }
        if (!st.isFile()) continue;
        unlinkSync(path);
        removed++;
      } catch {
        // Gone already or not ours to remove: either way nothing to do.
      }
    }
  }
  return removed;
}

/**
 * The folders holding `paths`, each once: consecutive paths in one folder, as a build lists its
 * files, cost a comparison instead of a dirname each.
 */
export function* foldersOf(paths: Iterable<string>): Iterable<string> {
  const seen = new Set<string>();
  let last: string | undefined;
  for (const path of paths) {
    // Directly in `last`: starts with `last/` and has no separator after that (`last` is not the
    // file system's root, for which dirname of `//x` is `//`).
    if (last !== undefined && path.length > last.length + 1 && path[last.length] === sep && !last.endsWith(sep) && path.startsWith(last) && !path.includes(sep, last.length + 1)) continue;
    last = dirname(path);
    if (seen.has(last)) continue;
    seen.add(last);
    yield last;
  }
}

/** The names of the real folders (not links to one) directly in `root`; none when it cannot be listed. */
function realFolderNames(root: string): Set<string> {
  try {
    return new Set(
      readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
    );
  } catch {
    return new Set();
  }
}

/** Whether every part of `rel` below `root` is a real folder (lstat). */
export function isRealFolderBelow(root: string, rel: string): boolean {
  let path = root;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    path = join(path, part);
    try {
      if (!lstatSync(path).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Whether `pid` is a running process (our own pid counts as running: those are this run's files). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
