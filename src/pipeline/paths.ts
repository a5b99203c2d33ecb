import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A path relative to `base`, always with `/` so outputs are the same on every OS. */
export function relativeTo(base: string, absPath: string): string {
  const r = relative(base, absPath);
  return (r === '' ? '.' : r).split(sep).join('/');
}

/** Resolves a path written in a file against that file's folder. */
export function resolveFrom(file: string, written: string): string {
  return isAbsolute(written) ? written : resolve(dirname(file), written);
}
