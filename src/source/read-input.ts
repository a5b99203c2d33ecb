import { isUtf8 } from 'node:buffer';
import type { Code } from '../diagnostics/codes.js';
import { formatBytes } from './limits.js';
import { readRegularFile } from './regular-file.js';

/** Why a file could not be read; `code` is set when the reason has its own diagnostic. */
export interface ReadFailure {
  error: string;
  code?: Extract<Code, 'FLOWC006' | 'FLOWC007' | 'FLOWC008'>;
  /** Where in the file the problem is (invalid UTF-8), when it has a place. */
  at?: { line: number; col: number };
}

/**
 * Reads an input file named by the user as UTF-8 text, refusing anything that is not a regular
 * file of at most `maxBytes` bytes or not valid UTF-8 (a leading BOM is dropped).
 *
 * The file is opened first and checked through its descriptor, so there is no window between a
 * check and the open for a symlink to be swapped; O_NONBLOCK makes opening a FIFO return at once
 * instead of waiting for a writer, and no more than `maxBytes + 1` bytes are ever read, so
 * `/dev/zero`, `/dev/stdin`, a FIFO or a file that keeps growing cannot hang flowc or fill its memory.
 */
export function readInputFile(absPath: string, maxBytes: number): { text: string } | ReadFailure {
  const r = readRegularFile(absPath, { maxBytes, followLinks: true });
  if (r.ok) return decodeUtf8(r.bytes);
  switch (r.reason) {
    case 'missing':
      return { error: 'no such file' };
    case 'not-regular':
      return { code: 'FLOWC006', error: `it is ${r.kind ?? 'a special file'}, not a regular file (flowc reads only regular files)` };
    case 'too-large': {
      const what = r.size === undefined ? 'it is larger than' : `it is ${r.size} bytes, more than`;
      return { code: 'FLOWC007', error: `${what} the ${formatBytes(maxBytes)} limit for input files` };
    }
    case 'unreadable':
      return { error: ERRNO_TEXT[r.error ?? ''] ?? String(r.error) };
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ELOOP: 'too many levels of symbolic links',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Strict UTF-8: a byte sequence that is not UTF-8 is an error at its line and column, never a
 * silent U+FFFD that would change a command or a value without anyone noticing.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | ReadFailure {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (isUtf8(body)) return { text: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') };
  const bad = firstInvalidUtf8(body);
  const before = Buffer.from(body.buffer, body.byteOffset, bad).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (before.charCodeAt(i) === 10) line++;
  const byte = (body[bad] as number).toString(16).padStart(2, '0');
  return {
    code: 'FLOWC008',
    error: `invalid UTF-8 at byte ${bad + (body === bytes ? 0 : 3)} (0x${byte}); input files must be UTF-8`,
    at: { line, col: before.length - lineStart + 1 },
  };
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF); the length when all is well formed.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (d < min || d > max) return i;
    }
    i += n + 1;
  }
  return i;
}
