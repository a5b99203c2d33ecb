import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { WrittenStat } from '../project/output-stamps.js';

/**
 * Writes `data` to `path` as a new file (flag `wx`: never through something already there) and
 * returns its fstat, taken on the descriptor just written: a build stamps the files it writes into
 * a new folder from it instead of an lstat of each after the commit (output-stamps.ts, restamp).
 */
export function writeNewFile(path: string, data: Uint8Array | string): WrittenStat {
  const fd = openSync(path, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    const st = fstatSync(fd);
    return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev };
  } finally {
    closeSync(fd);
  }
}
