import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { kindOf } from '../source/regular-file.js';

/**
 * Path confinement for everything flowc writes, reads back or deletes in an output folder
 * (docs/security.md, "Outputs, cache and prune"). Paths that come from a cache entry or a manifest
 * are untrusted text: they must be relative, `/`-separated and normalized, so joining them to the
 * output folder can never leave it.
 */
export function relPathProblem(rel: unknown): string | undefined {
  // Every path flowc itself writes passes this (a build checks each one twice): segments of
  // letters, digits, `_`, `-` and `.` not starting with `.`, so none is empty, `.` or `..`.
  if (typeof rel === 'string' && rel.length <= 4096 && PLAIN_REL.test(rel)) return undefined;
  return fullRelPathProblem(rel);
}

const PLAIN_REL = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

/** relPathProblem without its shortcut for plain paths (exported for the test that holds them equal). */
export function fullRelPathProblem(rel: unknown): string | undefined {
  if (typeof rel !== 'string' || rel === '') return 'is not a non-empty string';
  if (rel.length > 4096) return 'is longer than 4096 characters';
  if (rel.includes('\0')) return 'contains a NUL character';
  // Control characters in a file name would also forge lines in flowc's own messages.
  if (/[\u0001-\u001f\u007f]/.test(rel)) return 'contains a control character';
  if (rel.includes('\\')) return 'contains a backslash';
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'is absolute';
  const parts = rel.split('/');
  if (parts.includes('..')) return 'climbs out of the output folder with ..';
  if (parts.some((p) => p === '' || p === '.')) return 'is not normalized (empty or . segment)';
  return undefined;
}

/** What is at an output path, as far as flowc may touch it. */
export type OutputState =
  | { kind: 'missing' }
  | { kind: 'file'; size: number }
  /** Something flowc must neither read, replace nor delete; `what` says what it is. */
  | { kind: 'refused'; what: string };

/**
 * Folders one pass over an output folder has already looked at: `real` ones (a build checks 9
 * files per binding folder) and `missing` ones (an empty output folder: every file under a missing
 * folder is missing). Only for a pass that creates nothing while it looks.
 */
export interface FolderMemo {
  real: Set<string>;
  missing: Set<string>;
  /**
   * The folder part of a relative path (`a/b` of `a/b/f.yaml`) as seen: all real folders, or
   * missing from `top` (the topmost absent one, absolute) down. A build asks about 9,001 files in
   * 1,000 folders: one map lookup per file instead of a path joined and looked up per segment.
   */
  folders: Map<string, { kind: 'real' } | { kind: 'missing'; top: string }>;
  /**
   * The output folder, when it was missing as the pass began (a first build, a clean checkout):
   * every folder under it is missing too, from its first segment down, which is then known without
   * an lstat of each unit's folder.
   */
  missingRoot?: string;
}

/** A memo for one pass over `root` (see FolderMemo); it looks at `root` itself once, now. */
export function folderMemo(root?: string): FolderMemo {
  const memo: FolderMemo = { real: new Set(), missing: new Set(), folders: new Map() };
  if (root !== undefined && isMissing(root)) memo.missingRoot = root;
  return memo;
}

/** Nothing at `path` (a link to nothing included: nothing can be reached through it either). */
export function isMissing(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined;
  } catch {
    // ENOTDIR, EACCES, a loop: not known to be missing; each path is then looked at as before.
    return false;
  }
}

/** `<root>/<rel>` for a checked relative path (relPathProblem): join's result, without join's normalizing pass when `root` is already normal. */
export function outputPath(root: string, rel: string): string {
  if (sep !== '/' || !isNormal(root)) return join(root, rel);
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

let lastRoot: { root: string; normal: boolean } | undefined;
function isNormal(root: string): boolean {
  if (lastRoot?.root !== root) lastRoot = { root, normal: normalize(root) === root };
  return lastRoot.normal;
}

/** The topmost folder of `<root>/<rel>` found missing by inspectOutput or outputFolders with `memo`, when one is. */
export function missingFolderOf(rel: string, memo: FolderMemo): string | undefined {
  const cut = rel.lastIndexOf('/');
  const known = cut < 0 ? undefined : memo.folders.get(rel.slice(0, cut));
  return known?.kind === 'missing' ? known.top : undefined;
}

/** What `memo` knows of the folders of `rel`, recording what the slow walk just found (`seen`). */
function knownFolders(rel: string, memo: FolderMemo | undefined): { kind: 'real' } | { kind: 'missing'; top: string } | undefined {
  if (!memo) return undefined;
  const cut = rel.lastIndexOf('/');
  if (cut < 0) return REAL;
  const dir = rel.slice(0, cut);
  const known = memo.folders.get(dir);
  if (known !== undefined || memo.missingRoot === undefined) return known;
  const seen = { kind: 'missing' as const, top: outputPath(memo.missingRoot, rel.slice(0, rel.indexOf('/'))) };
  memo.folders.set(dir, seen);
  return seen;
}

const REAL = { kind: 'real' } as const;

function noteFolders(rel: string, memo: FolderMemo | undefined, seen: { kind: 'real' } | { kind: 'missing'; top: string }): void {
  const cut = rel.lastIndexOf('/');
  if (memo && cut >= 0) memo.folders.set(rel.slice(0, cut), seen);
}

/**
 * Looks at `<root>/<rel>` without following any symbolic link below `root`: every folder on the
 * way must be a real folder, and the path itself a regular file (or absent). `root` itself may be
 * a link (a user's `--out` pointing elsewhere is their choice); links inside it are not followed,
 * because an output folder is often shared or committed, and a link there is how a file outside
 * it would be overwritten, read or deleted.
 */
export function inspectOutput(root: string, rel: string, memo?: FolderMemo): OutputState {
  const known = knownFolders(rel, memo);
  if (known?.kind === 'missing') return { kind: 'missing' };
  if (known?.kind === 'real') return inspectFile(outputPath(root, rel));
  const parts = rel.split('/');
  let path = root;
  for (let i = 0; i < parts.length; i++) {
    path = join(path, parts[i] as string);
    const last = i === parts.length - 1;
    if (last) noteFolders(rel, memo, { kind: 'real' });
    if (!last && memo?.real.has(path)) continue;
    if (!last && memo?.missing.has(path)) {
      noteFolders(rel, memo, { kind: 'missing', top: path });
      return { kind: 'missing' };
    }
    const st = lstatOrUndefined(path);
    if (st === undefined) {
      if (!last) {
        memo?.missing.add(path);
        noteFolders(rel, memo, { kind: 'missing', top: path });
      }
      return { kind: 'missing' };
    }
    if ('error' in st) return { kind: 'refused', what: `cannot be inspected (${st.error})` };
    if (last && st.isFile()) return { kind: 'file', size: st.size };
    if (!last && st.isDirectory()) {
      memo?.real.add(path);
      continue;
    }
    const what = describeEntry(path, st);
    return { kind: 'refused', what: last ? what : `under ${parts.slice(0, i + 1).join('/')}, which is ${what}` };
  }
  return { kind: 'missing' };
}

/** inspectOutput's last step: the path itself, its folders known to be real. */
function inspectFile(path: string): OutputState {
  const st = lstatOrUndefined(path);
  if (st === undefined) return { kind: 'missing' };
  if ('error' in st) return { kind: 'refused', what: `cannot be inspected (${st.error})` };
  if (st.isFile()) return { kind: 'file', size: st.size };
  return { kind: 'refused', what: describeEntry(path, st) };
}

/**
 * The folders on the way to `<root>/<rel>` (not the file itself), as inspectOutput sees them:
 * `real` when every one is a real folder, `missing` when one is absent, `other` for anything else
 * (inspectOutput then says what).
 */
export function outputFolders(root: string, rel: string, memo: FolderMemo): 'real' | 'missing' | 'other' {
  const known = knownFolders(rel, memo);
  if (known) return known.kind;
  const parts = rel.split('/');
  let path = root;
  for (let i = 0; i < parts.length - 1; i++) {
    path = join(path, parts[i] as string);
    if (memo.real.has(path)) continue;
    if (memo.missing.has(path)) {
      noteFolders(rel, memo, { kind: 'missing', top: path });
      return 'missing';
    }
    const st = lstatOrUndefined(path);
    if (st === undefined) {
      memo.missing.add(path);
      noteFolders(rel, memo, { kind: 'missing', top: path });
      return 'missing';
    }
    if ('error' in st || !st.isDirectory()) return 'other';
    memo.real.add(path);
  }
  noteFolders(rel, memo, { kind: 'real' });
  return 'real';
}

/** "a folder", "a symbolic link to /etc/passwd", "a FIFO (named pipe)", ... for messages. */
export function describeEntry(path: string, st: Stats): string {
  if (st.isSymbolicLink()) {
    let target = '?';
    try {
      target = readlinkSync(path);
    } catch {
      // Unreadable link: the message still says what it is.
    }
    return `a symbolic link (to ${JSON.stringify(target)})`;
  }
  return st.isFile() ? 'a regular file' : kindOf(st);
}

function lstatOrUndefined(path: string): Stats | { error: string } | undefined {
  try {
    // A missing path is the common answer (a build into an empty folder asks once per unit
    // folder): no exception, whose error object and stack cost more than the lstat.
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a file where a folder of the path should be; writing reports it (FLOWC004).
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { error: code ?? String(e) };
  }
}
