import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats, statSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describeEntry } from '../project/output-paths.js';
import { type WriteOutcome, writeFilesTransactionally } from './write-files.js';

/** Names of this process's own standard output: `-o /dev/stdout` means "print it". */
const STDOUT_NAMES = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/** What `-o FILE` did: a transactional replace, a write through to a stream, or printed on stdout. */
export type SingleOutcome = WriteOutcome | { status: 'through' } | { status: 'stdout' };

/**
 * `compile -o FILE` (docs/security.md, "Outputs, cache and prune"). The user named this one path,
 * so flowc decides by what is there:
 * - nothing, or a regular file: replaced all-or-nothing (temporary file, then rename);
 * - `/dev/stdout` (or `/dev/fd/1`): printed on standard output, like no `-o`;
 * - a FIFO or character device, directly or through links (`/dev/null`, `/dev/fd/N` of a pipe,
 *   `>(cmd)`): written through, as `cat > path` would; nothing is replaced;
 * - a folder, a block device, a socket, or a link to a regular file or a folder: refused. Renaming
 *   would replace the link itself, and writing through it would overwrite a file elsewhere in
 *   place, non-atomically, wherever the link points (possibly outside the folder of FILE).
 */
export async function writeOutputFile(options: { path: string; contents: string; stdout: (text: string) => void }): Promise<SingleOutcome> {
  const { path, contents } = options;
  if (STDOUT_NAMES.has(path)) {
    options.stdout(contents);
    return { status: 'stdout' };
  }
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st === undefined || st.isFile()) return writeFilesTransactionally({ root: dirname(path), files: [{ rel: basename(path), contents }] });
  const target = st.isSymbolicLink() ? statQuietly(path) : st;
  if (target && (target.isFIFO() || target.isCharacterDevice())) return writeThrough(path, contents);
  const what = describeEntry(path, st);
  const leads = st.isSymbolicLink() ? `, leading to ${target ? describeEntry(path, target) : 'nothing'}` : '';
  return { status: 'refused', refused: [{ rel: path, what: `${what}${leads}` }] };
}

/** Writes into an existing stream-like file (FIFO, character device), refusing it if it was swapped for anything else. */
function writeThrough(path: string, contents: string): SingleOutcome {
  let fd: number;
  try {
    // No O_CREAT/O_TRUNC: this only ever writes into something that already exists.
    fd = openSync(path, constants.O_WRONLY);
  } catch (e) {
    return { status: 'failed', rel: path, error: (e as NodeJS.ErrnoException).code ?? String(e), changed: [] };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFIFO() && !st.isCharacterDevice()) return { status: 'refused', refused: [{ rel: path, what: `${describeEntry(path, st)} (it changed while flowc was writing)` }] };
    const bytes = Buffer.from(contents);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    return { status: 'through' };
  } catch (e) {
    return { status: 'failed', rel: path, error: (e as NodeJS.ErrnoException).code ?? String(e), changed: [] };
  } finally {
    closeSync(fd);
  }
}

function statQuietly(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
