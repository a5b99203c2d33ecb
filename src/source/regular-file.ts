import { createHash, hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/**
 * Outcome of reading a file flowc did not write or cannot trust: an input (flow, config, schema,
 * project file), an output, a cache entry, a manifest.
 */
export type ReadOutcome =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable'; size?: number; error?: string; /** what the path is, for 'not-regular' ("a FIFO (named pipe)") */ kind?: string };

/**
 * SHA-256 (hex) in one call: no Hash object per call, which for the ~20,000 hashes of a warm build
 * (one per artifact read or verified) was garbage with native handles to finalize.
 */
export function sha256Of(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/**
 * Reads a regular file of at most `maxBytes`, never anything else: the descriptor is opened
 * non-blocking (a FIFO swapped in cannot hang the open) and checked with fstat before any byte is
 * read, so `/dev/zero`, a FIFO or a folder is refused instead of hanging or filling memory.
 * `followLinks: false` also refuses a symbolic link at the path itself.
 */
export function readRegularFile(path: string, options: { maxBytes: number; followLinks: boolean; scratch?: { buf: Buffer } }): ReadOutcome {
  const opened = openRegular(path, options.followLinks);
  if (!opened.ok) return opened;
  const { fd, size } = opened;
  try {
    if (size > options.maxBytes) return { ok: false, reason: 'too-large', size };
    // Read at most one byte more than allowed: a file growing under us is still bounded. Not
    // zero-filled: only the bytes read are returned.
    const want = Math.min(size, options.maxBytes) + 1;
    const { scratch } = options;
    // `scratch`: a buffer reused from read to read (the bytes returned are valid until the next
    // one). Fresh memory costs a page fault per 4 KiB, which for a warm build's 55 MB of cache
    // entries was most of the time spent reading them.
    if (scratch && scratch.buf.length < want) scratch.buf = Buffer.allocUnsafe(Math.max(want, 2 * scratch.buf.length));
    const buf = scratch ? scratch.buf.subarray(0, want) : Buffer.allocUnsafe(want);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > options.maxBytes) return { ok: false, reason: 'too-large', size: length };
    return { ok: true, bytes: buf.subarray(0, length) };
  } catch (e) {
    return { ok: false, reason: 'unreadable', error: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The first `head` bytes of a regular file (all of it when shorter) and the file's size, opened as
 * readRegularFile opens; a file larger than `maxBytes` is refused unread. For a header read
 * without the body behind it (a cache lookup reads ~3 KB of a ~55 KB entry).
 */
export function readRegularHead(path: string, options: { head: number; maxBytes: number; followLinks: boolean; scratch: { buf: Buffer } }): { ok: true; bytes: Buffer; size: number } | (ReadOutcome & { ok: false }) {
  const opened = openRegular(path, options.followLinks);
  if (!opened.ok) return opened;
  const { fd, size } = opened;
  try {
    if (size > options.maxBytes) return { ok: false, reason: 'too-large', size };
    const want = Math.min(size, options.head);
    const { scratch } = options;
    if (scratch.buf.length < want) scratch.buf = Buffer.allocUnsafe(Math.max(want, 2 * scratch.buf.length));
    let length = 0;
    while (length < want) {
      const n = readSync(fd, scratch.buf, length, want - length, null);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, bytes: scratch.buf.subarray(0, length), size };
  } catch (e) {
    return { ok: false, reason: 'unreadable', error: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the regular file at `path` holds exactly `expected` (bytes, or their size and SHA-256), opened as readRegularFile opens
 * (non-blocking, fstat before any byte is read) and never through a link at the path itself.
 * `missing`: nothing there; `other`: not a regular file, or it could not be opened or read (the
 * caller looks closer). A file of another size is `different` without being read. `scratch` is a
 * buffer reused from call to call (grown as needed), so comparing thousands of files allocates
 * almost nothing.
 */
export function compareRegularFile(path: string, expected: Buffer | { size: number; sha256: string }, scratch: { buf: Buffer }): 'same' | 'different' | 'missing' | 'other' {
  const opened = openRegular(path, false);
  if (!opened.ok) return opened.reason === 'missing' ? 'missing' : 'other';
  const size = Buffer.isBuffer(expected) ? expected.length : expected.size;
  try {
    if (opened.size !== size) return 'different';
    if (scratch.buf.length < size + 1) scratch.buf = Buffer.allocUnsafe(Math.max(size + 1, 2 * scratch.buf.length));
    // One byte more than expected: a read that gets it means the file grew since the fstat. A
    // regular file reads short only at its end, so one call is enough (a short read anywhere else
    // can only make an equal file look different, and rewriting it is harmless).
    let length = 0;
    for (;;) {
      const want = size + 1 - length;
      const n = readSync(opened.fd, scratch.buf, length, want, null);
      length += n;
      if (length > size) return 'different';
      if (n < want) break;
    }
    if (length !== size) return 'different';
    const onDisk = scratch.buf.subarray(0, length);
    // Without the bytes (a cached file not kept in memory), by the SHA-256 its cache entry verified.
    return (Buffer.isBuffer(expected) ? onDisk.equals(expected) : sha256Of(onDisk) === expected.sha256) ? 'same' : 'different';
  } catch {
    return 'other';
  } finally {
    closeSync(opened.fd);
  }
}

/** The SHA-256 (hex) of a regular file, read in chunks so any size is fine; undefined for anything else. */
export function hashRegularFile(path: string, options: { followLinks: boolean }): string | undefined {
  const opened = openRegular(path, options.followLinks);
  if (!opened.ok) return undefined;
  const digest = createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  try {
    for (;;) {
      const n = readSync(opened.fd, buf, 0, buf.length, null);
      if (n === 0) break;
      digest.update(buf.subarray(0, n));
    }
    return digest.digest('hex');
  } catch {
    return undefined;
  } finally {
    closeSync(opened.fd);
  }
}

function openRegular(path: string, followLinks: boolean): { ok: true; fd: number; size: number } | (ReadOutcome & { ok: false }) {
  let fd: number;
  try {
    // O_NONBLOCK and O_NOCTTY are 0 on platforms without them (Windows has no FIFOs to guard against).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0) | (followLinks ? 0 : constants.O_NOFOLLOW));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing' };
    // O_NOFOLLOW on a link fails with ELOOP; a folder may fail with EISDIR on some systems.
    if (code === 'ELOOP' && !followLinks) return { ok: false, reason: 'not-regular', kind: 'a symbolic link' };
    if (code === 'EISDIR') return { ok: false, reason: 'not-regular', kind: 'a folder' };
    // Opening a Unix socket fails (ENXIO); say what the path is rather than the errno.
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') return { ok: false, reason: 'not-regular', kind: kindAt(path) };
    return { ok: false, reason: 'unreadable', error: code ?? String(e) };
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return { ok: false, reason: 'not-regular', kind: kindOf(st) };
  }
  return { ok: true, fd, size: st.size };
}

function kindAt(path: string): string {
  try {
    return kindOf(statSync(path));
  } catch {
    return 'a special file';
  }
}

/** What a path that is not a regular file is, in words for a diagnostic. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}
