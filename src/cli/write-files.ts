import { constants, copyFileSync, linkSync, mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { folderMemo, inspectOutput } from '../project/output-paths.js';
import { guardSignals, type SignalGuard, turn } from './signal-guard.js';
import { removeStaleTemps, tempName } from './temp-files.js';

/** A file to write, relative to the output folder (`/`-separated, already confined). */
export interface OutputWrite {
  rel: string;
  contents: string;
  /** `contents` as UTF-8, when the caller has them (a build's planned files): written as they are, without reading `contents`. */
  bytes?: Buffer;
  /**
   * The bytes read when the file is staged (a cached file whose entry is read only now), valid
   * until the next call; undefined when they cannot be had (the write then stages nothing more
   * and says which files, `unavailable`).
   */
  load?: () => Buffer | undefined;
}

/** What a transactional write did. Every variant says truthfully which files changed. */
export type WriteOutcome =
  | { status: 'written'; count: number }
  /** Paths holding something flowc does not replace; nothing was written. */
  | { status: 'refused'; refused: { rel: string; what: string }[] }
  /** A write or rename failed; `changed` lists files left changed when the rollback itself failed (empty: nothing changed), with where their previous version is kept (relative to the root). */
  | { status: 'failed'; rel: string; error: string; changed: { rel: string; backup?: string }[] }
  /** Some files' bytes could not be read (`load`); nothing was written. */
  | { status: 'unavailable'; rels: string[] }
  /** SIGINT/SIGTERM arrived; `committed` says whether the files were all written before it was acted on. */
  | { status: 'interrupted'; signal: NodeJS.Signals; committed: boolean };

interface Staged {
  rel: string;
  path: string;
  temp: string;
  existed: boolean;
  backup?: string;
}

/**
 * Writes files into `root` all-or-nothing (docs/security.md, "Outputs, cache and prune"):
 * 1. check every path: only absent paths and regular files reached through real folders are
 *    replaced, anything else (folder, link, FIFO, device) refuses the whole write;
 * 2. remove temporary files killed runs left in the folders written to;
 * 3. stage every file as a temporary sibling (a signal here removes them all);
 * 4. commit by renaming, keeping a backup (hard link, else copy) of each replaced file; if a rename
 *    fails, the renames done are undone from the backups and every temporary file is removed;
 * 5. on success, remove the backups.
 * Readers never see half a file: each path is either its old or its new version.
 */
export async function writeFilesTransactionally(options: { root: string; files: OutputWrite[] }): Promise<WriteOutcome> {
  const { root } = options;
  const refused: { rel: string; what: string }[] = [];
  const staged: Staged[] = [];
  const memo = folderMemo();
  for (const f of options.files) {
    const state = inspectOutput(root, f.rel, memo);
    if (state.kind === 'refused') refused.push({ rel: f.rel, what: state.what });
    else staged.push({ rel: f.rel, path: join(root, f.rel), temp: '', existed: state.kind === 'file' });
  }
  if (refused.length > 0) return { status: 'refused', refused };
  if (staged.length === 0) return { status: 'written', count: 0 };
  removeStaleTemps(root, new Set(staged.map((s) => dirname(s.path))));

  const guard = guardSignals();
  const createdDirs: string[] = [];
  const removeTemps = () => {
    for (const s of staged) unlinkQuietly(s.temp);
    // Folders this write created are removed again when empty, so "nothing changed" holds.
    for (const d of createdDirs.reverse()) rmdirQuietly(d);
  };
  let outcome: WriteOutcome;
  try {
    outcome = await stageAndCommit({ root, staged, contents: new Map(options.files.map((f) => [f.rel, f])), guard, createdDirs, removeTemps });
  } finally {
    await guard.release();
  }
  // A signal that came during the (synchronous) commit is acted on now that the files are in place.
  if (outcome.status === 'written' && guard.caught) return { status: 'interrupted', signal: guard.caught, committed: true };
  return outcome;
}

/** The longest staging runs without letting a signal through (a signal then waits at most this long). */
const TURN_MS = 10;

async function stageAndCommit(options: {
  root: string;
  staged: Staged[];
  contents: Map<string, OutputWrite>;
  guard: SignalGuard;
  createdDirs: string[];
  removeTemps: () => void;
}): Promise<WriteOutcome> {
  const { root, staged, guard, createdDirs, removeTemps } = options;
  const madeDirs = new Set<string>();
  const unavailable: string[] = [];
  let turned = performance.now();
  for (const s of staged) {
    if (guard.caught) {
      removeTemps();
      return { status: 'interrupted', signal: guard.caught, committed: false };
    }
    const dir = dirname(s.path);
    try {
      if (!madeDirs.has(dir)) {
        const made = mkdirSync(dir, { recursive: true });
        if (made) for (let d = dir; d.length >= made.length; d = dirname(d)) createdDirs.unshift(d);
        madeDirs.add(dir);
      }
      s.temp = join(dir, tempName('tmp'));
      const f = options.contents.get(s.rel) as OutputWrite;
      const data = f.bytes ?? (f.load ? f.load() : f.contents);
      if (data === undefined || unavailable.length > 0) {
        // Every file whose bytes are missing is named at once (each costs a compile), none written.
        if (data === undefined) unavailable.push(s.rel);
        s.temp = '';
        continue;
      }
      // wx: never write through something that appeared at the temporary name.
      writeFileSync(s.temp, data, { flag: 'wx' });
    } catch (e) {
      // EEXIST: the name was taken by a file that is not ours; it must not be removed with ours.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') s.temp = '';
      removeTemps();
      return { status: 'failed', rel: failedRel(root, e, s.rel), error: errorCode(e), changed: [] };
    }
    // Let a pending SIGINT/SIGTERM reach the guard between two files, at least every TURN_MS:
    // a turn of the event loop per file was a tenth of writing 9,001 small files.
    if (performance.now() - turned >= TURN_MS) {
      await turn();
      turned = performance.now();
    }
  }
  if (guard.caught) {
    removeTemps();
    return { status: 'interrupted', signal: guard.caught, committed: false };
  }
  if (unavailable.length > 0) {
    removeTemps();
    return { status: 'unavailable', rels: unavailable };
  }
  const failure = commit(staged);
  if (failure) {
    removeTemps();
    return failure;
  }
  for (const s of staged) if (s.backup) unlinkQuietly(s.backup);
  return { status: 'written', count: staged.length };
}

/** The renames, synchronous so no signal handler runs between them; undoes them all on failure. */
function commit(staged: Staged[]): (WriteOutcome & { status: 'failed' }) | undefined {
  const done: Staged[] = [];
  for (const s of staged) {
    try {
      if (s.existed) s.backup = backUp(s.path);
      renameSync(s.temp, s.path);
      s.temp = '';
      done.push(s);
    } catch (e) {
      return { status: 'failed', rel: s.rel, error: errorCode(e), changed: rollBack(done, s) };
    }
  }
  return undefined;
}

/** Puts back what `done` replaced, newest first; returns the files it could not restore. */
function rollBack(done: Staged[], failed: Staged): { rel: string; backup?: string }[] {
  if (failed.backup) unlinkQuietly(failed.backup);
  const left: { rel: string; backup?: string }[] = [];
  for (const s of [...done].reverse()) {
    try {
      if (s.backup) renameSync(s.backup, s.path);
      else unlinkSync(s.path);
    } catch {
      left.push(s.backup ? { rel: s.rel, backup: posix.join(posix.dirname(s.rel), basename(s.backup)) } : { rel: s.rel });
    }
  }
  return left.reverse();
}

/** A second name for the file about to be replaced (a hard link; a copy where links are not allowed). */
function backUp(path: string): string {
  const backup = join(dirname(path), tempName('bak'));
  try {
    linkSync(path, backup);
  } catch {
    copyFileSync(path, backup, constants.COPYFILE_EXCL);
  }
  return backup;
}

/** The path an error names (a folder mkdir could not create), relative to the root; else the file being written. */
function failedRel(root: string, e: unknown, rel: string): string {
  const path = (e as NodeJS.ErrnoException)?.path;
  if (typeof path !== 'string' || path.includes(`${sep}.flowc-`)) return rel;
  return relative(root, path).split(sep).join('/');
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);
}

function unlinkQuietly(path: string): void {
  if (!path) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // Not empty or gone: leave it.
  }
}
