import { constants, copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { folderMemo, inspectOutput, missingFolderOf, outputPath } from '../project/output-paths.js';
import { guardSignals, type SignalGuard, turn } from './signal-guard.js';
import { HELP_FROM, StageHelper } from './stage-helper.js';
import { JOB, type StageFailure } from './stage-protocol.js';
import { foldersOf, removeStaleTemps, tempName } from './temp-files.js';
import { WRITTEN_STAT_FIELDS, WrittenStats } from '../project/output-stamps.js';
import { writeNewFile } from './write-new-file.js';

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
  /**
   * `helped`: how many of them a second thread wrote (stage-helper.ts), when one ran. `stats`: the
   * fstat of each file written into a new folder, taken as it was written (a folder's rename moves
   * no file's times), by the file's place in the files given; and `committedAtMs`, the clock read
   * before the commit began: together what output stamps need (restamp) without an lstat of each file.
   */
  | { status: 'written'; count: number; helped?: number; stats?: WrittenStats; committedAtMs?: number }
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
  /** Where it is written first: a temporary sibling, or its own name inside `fresh`'s temporary folder; '' when nothing of ours is there. */
  temp: string;
  existed: boolean;
  backup?: string;
  /** The new folder it is staged in (the topmost folder of its path that does not exist yet). */
  fresh?: FreshFolder;
  /** Sent to the staging helper (which may not have written it: see StageHelper.mark). */
  helped?: boolean;
}

/**
 * A folder the write creates (with everything below it), staged whole under a temporary name
 * beside it and committed by one rename: a build into an empty output folder renames 1,000 unit
 * folders instead of 9,001 files. Its files are invisible at their final paths until then.
 */
interface FreshFolder {
  path: string;
  temp: string;
  /** Folders made inside `temp` (relative to it), parents first. */
  dirs: Set<string>;
  /** Every file staged in it: a rename commits them all at once, and undoing it removes them all. */
  files: Staged[];
  committed: boolean;
}

/**
 * Writes files into `root` all-or-nothing (docs/security.md, "Outputs, cache and prune"):
 * 1. check every path: only absent paths and regular files reached through real folders are
 *    replaced, anything else (folder, link, FIFO, device) refuses the whole write;
 * 2. remove temporary files killed runs left in the folders written to;
 * 3. stage every file as a temporary sibling, or, for a folder that does not exist yet, the whole
 *    folder as a temporary sibling folder (a signal here removes them all);
 * 4. commit by renaming, keeping a backup (hard link, else copy) of each replaced file; if a rename
 *    fails, the renames done are undone from the backups (a committed new folder is removed with
 *    the files put in it) and every temporary file is removed;
 * 5. on success, remove the backups.
 * Readers never see half a file: each path is either its old or its new version.
 */
export async function writeFilesTransactionally(options: {
  root: string;
  files: OutputWrite[];
  /** Files from which a second thread helps writing (default HELP_FROM); Infinity: never. */
  helpFrom?: number;
}): Promise<WriteOutcome> {
  const { root } = options;
  const refused: { rel: string; what: string }[] = [];
  const staged: Staged[] = [];
  const memo = folderMemo(root);
  const freshFolders = new Map<string, FreshFolder>();
  for (const f of options.files) {
    const state = inspectOutput(root, f.rel, memo);
    if (state.kind === 'refused') {
      refused.push({ rel: f.rel, what: state.what });
      continue;
    }
    const s: Staged = { rel: f.rel, path: outputPath(root, f.rel), temp: '', existed: state.kind === 'file' };
    const fresh = state.kind === 'missing' ? missingFolderOf(f.rel, memo) : undefined;
    if (fresh !== undefined) {
      let folder = freshFolders.get(fresh);
      if (!folder) freshFolders.set(fresh, (folder = { path: fresh, temp: '', dirs: new Set(), files: [], committed: false }));
      s.fresh = folder;
      folder.files.push(s);
    }
    staged.push(s);
  }
  if (refused.length > 0) return { status: 'refused', refused };
  if (staged.length === 0) return { status: 'written', count: 0 };
  removeStaleTemps(root, foldersOf(stagedFolders(staged)));

  const guard = guardSignals();
  const createdDirs: string[] = [];
  const removeTemps = () => {
    for (const s of staged) unlinkQuietly(s.temp);
    for (const folder of freshFolders.values()) if (!folder.committed) removeFolder(folder.temp, folder.dirs);
    // Folders this write created are removed again when empty, so "nothing changed" holds.
    for (const d of createdDirs.reverse()) rmdirQuietly(d);
  };
  let outcome: WriteOutcome;
  try {
    outcome = await stageAndCommit({ root, staged, contents: new Map(options.files.map((f) => [f.rel, f])), guard, createdDirs, removeTemps, helpFrom: options.helpFrom ?? HELP_FROM });
  } finally {
    await guard.release();
  }
  // A signal that came during the (synchronous) commit is acted on now that the files are in place.
  if (outcome.status === 'written' && guard.caught) return { status: 'interrupted', signal: guard.caught, committed: true };
  return outcome;
}

/** What each staged file is written as: itself, or the new folder it is staged in (whose twin is staged beside it). */
function* stagedFolders(staged: Staged[]): Iterable<string> {
  for (const s of staged) yield s.fresh ? s.fresh.path : s.path;
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
  helpFrom: number;
}): Promise<WriteOutcome> {
  const { root, staged, guard, createdDirs, removeTemps } = options;
  const madeDirs = new Set<string>();
  const unavailable: string[] = [];
  // A second thread writes some of the files of a large write (stage-helper.ts).
  const helper = staged.length >= options.helpFrom ? StageHelper.start(staged.length) : undefined;
  // Shared with the helper when there is one: each thread puts the stats of the files it writes.
  const stats = helper ? helper.stats : WrittenStats.empty(staged.length);
  /** Waits for the helper, then forgets the temporary names it did not create (only ours are removed). */
  const settle = async (stop: boolean): Promise<StageFailure | undefined> => {
    if (!helper) return undefined;
    const failure = await helper.finish(stop);
    staged.forEach((s, k) => {
      if (!s.helped) return;
      if (helper.mark(k) === JOB.written) return;
      s.temp = '';
      stats.clear(k);
    });
    return failure;
  };
  let turned = performance.now();
  for (let k = 0; k < staged.length; k++) {
    const s = staged[k] as Staged;
    if (guard.caught) {
      await settle(true);
      removeTemps();
      return { status: 'interrupted', signal: guard.caught, committed: false };
    }
    try {
      s.temp = stagePath(s, madeDirs, createdDirs);
      const f = options.contents.get(s.rel) as OutputWrite;
      const data = f.bytes ?? (f.load ? f.load() : f.contents);
      if (data === undefined || unavailable.length > 0) {
        // Every file whose bytes are missing is named at once (each costs a compile), none written.
        if (data === undefined) unavailable.push(s.rel);
        s.temp = '';
        continue;
      }
      if (helper?.wants()) {
        helper.take(k, s.temp, data, s.fresh !== undefined);
        s.helped = true;
      } else if (s.fresh) {
        // wx: never write through something that appeared at the temporary name.
        writeNewFile(s.temp, data, stats.values, k * WRITTEN_STAT_FIELDS);
      } else {
        writeFileSync(s.temp, data, { flag: 'wx' });
      }
    } catch (e) {
      // EEXIST: the name was taken by a file that is not ours; it must not be removed with ours.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') s.temp = '';
      await settle(true);
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
  const failure = await settle(guard.caught !== undefined || unavailable.length > 0);
  if (guard.caught) {
    removeTemps();
    return { status: 'interrupted', signal: guard.caught, committed: false };
  }
  if (unavailable.length > 0) {
    removeTemps();
    return { status: 'unavailable', rels: unavailable };
  }
  if (failure) {
    removeTemps();
    const failed = staged[failure.k];
    const rel = failed ? failedRel(root, { path: failure.path }, failed.rel) : (staged[0] as Staged).rel;
    return { status: 'failed', rel, error: failure.code, changed: [] };
  }
  // Before any rename: a file's times as written are sound for a stamp only if older than the
  // moment it appeared at its final path by the stamps' margin (output-stamps.ts, restamp).
  const committedAtMs = Date.now();
  const commitFailure = commit(staged);
  if (commitFailure) {
    removeTemps();
    return commitFailure;
  }
  for (const s of staged) if (s.backup) unlinkQuietly(s.backup);
  return { status: 'written', count: staged.length, ...(helper ? { helped: staged.filter((s) => s.helped).length } : {}), stats, committedAtMs };
}

/**
 * Where `s` is written now, making the folders it needs: a temporary sibling of its path, or its
 * path inside its new folder's temporary twin. Folders made outside those twins are noted in
 * `createdDirs` (parents first), to be removed if the write is undone.
 */
function stagePath(s: Staged, madeDirs: Set<string>, createdDirs: string[]): string {
  const folder = s.fresh;
  if (!folder) {
    const dir = dirname(s.path);
    makeDir(dir, madeDirs, createdDirs);
    // dirname of a normalized path is normalized: join's normalizing pass is not needed.
    return (dir.endsWith(sep) ? dir : dir + sep) + tempName('tmp');
  }
  if (folder.temp === '') {
    makeDir(dirname(folder.path), madeDirs, createdDirs);
    const temp = join(dirname(folder.path), tempName('dir'));
    // Not recursive: the name must be new (a folder already there is not ours to fill).
    mkdirSync(temp);
    folder.temp = temp;
  }
  const inside = s.path.slice(folder.path.length + 1);
  const parts = inside.split(sep);
  for (let i = 1; i < parts.length; i++) {
    const sub = parts.slice(0, i).join(sep);
    if (folder.dirs.has(sub)) continue;
    mkdirSync(join(folder.temp, sub));
    folder.dirs.add(sub);
  }
  return folder.temp + sep + inside;
}

function makeDir(dir: string, madeDirs: Set<string>, createdDirs: string[]): void {
  if (madeDirs.has(dir)) return;
  const made = mkdirSync(dir, { recursive: true });
  if (made) for (let d = dir; d.length >= made.length; d = dirname(d)) createdDirs.unshift(d);
  madeDirs.add(dir);
}

/** Removes a folder this write made, with only what it put there: its files' names, then `dirs` (deepest first), then itself. */
function removeFolder(path: string, dirs: Set<string>, files: string[] = []): boolean {
  if (path === '') return true;
  for (const f of files) unlinkQuietly(f);
  let clean = true;
  for (const d of [...dirs].reverse()) clean = rmdirQuietly(join(path, d)) && clean;
  return rmdirQuietly(path) && clean;
}

/** The renames, synchronous so no signal handler runs between them; undoes them all on failure. */
function commit(staged: Staged[]): (WriteOutcome & { status: 'failed' }) | undefined {
  const done: Staged[] = [];
  for (const s of staged) {
    try {
      if (s.fresh) {
        // The first file of a new folder commits the whole folder; the others are then in place.
        if (!s.fresh.committed) {
          renameSync(s.fresh.temp, s.fresh.path);
          s.fresh.committed = true;
        }
      } else {
        if (s.existed) s.backup = backUp(s.path);
        renameSync(s.temp, s.path);
      }
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
  const committed = new Set<FreshFolder>();
  for (const s of [...done].reverse()) {
    if (s.fresh) {
      committed.add(s.fresh);
      continue;
    }
    try {
      if (s.backup) renameSync(s.backup, s.path);
      else unlinkSync(s.path);
    } catch {
      left.push(s.backup ? { rel: s.rel, backup: posix.join(posix.dirname(s.rel), basename(s.backup)) } : { rel: s.rel });
    }
  }
  // A committed new folder is removed again, with only the files this write put there (all of
  // its files, also those the commit had not reached: the folder's rename moved them all).
  for (const folder of committed) {
    if (!removeFolder(folder.path, folder.dirs, folder.files.map((f) => f.path))) left.push(...folder.files.filter((f) => existsSync(f.path)).map((f) => ({ rel: f.rel })));
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

function rmdirQuietly(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch {
    // Not empty or gone: leave it.
    return false;
  }
}
