import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_FILE = 'flowc.yaml';

/** Where `flowc build` reads its project file from, or the folders it searched in vain. */
export type ProjectLocation = { found: true; file: string } | { found: false; file: string; searched: string[] };

/**
 * `-p FILE` is that file and `-p DIR` is `DIR/flowc.yaml`. Without `-p`, the nearest `flowc.yaml`
 * from the working folder upwards, as eslint finds `.eslintrc` and git finds `.git`: the search
 * stops at the first folder holding `.git` (a repository's root; a project file above it belongs
 * to another tree) or at the filesystem root (docs/decisions.md, "Diagnostics and CLI").
 */
export function findProjectFile(cwd: string, given: string | undefined): ProjectLocation {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    return { found: true, file: isFolder(path) ? join(path, PROJECT_FILE) : path };
  }
  const searched: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    searched.push(dir);
    const file = join(dir, PROJECT_FILE);
    if (existsSync(file)) return { found: true, file };
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return { found: false, file: join(resolve(cwd), PROJECT_FILE), searched };
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
