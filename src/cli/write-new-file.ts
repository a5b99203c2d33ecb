import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

/**
 * Writes `data` to `path` as a new file (flag `wx`: never through something already there) and
 * puts its fstat, taken on the descriptor just written, in `stats` from `statAt` (size, mtimeMs,
 * ctimeMs, ino, dev: WrittenStats' layout): a build stamps the files it writes into a new folder
 * from it instead of an lstat of each after the commit (output-stamps.ts, restamp).
 */
export function writeNewFile(path: string, data: Uint8Array | string, stats: Float64Array, statAt: number): void {
  const fd = openSync(path, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    const st = fstatSync(fd);
    stats[statAt] = st.size;
    stats[statAt + 1] = st.mtimeMs;
    stats[statAt + 2] = st.ctimeMs;
    stats[statAt + 3] = st.ino;
    stats[statAt + 4] = st.dev;
  } finally {
    closeSync(fd);
  }
}
