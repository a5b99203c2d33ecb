import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'vitest';

/**
 * The state of every entry under `root`, without following links or opening anything that is not
 * a regular file (so a FIFO or a link to /dev/zero in the tree is recorded, never read):
 * relative path -> "file <sha256>", "dir", "link -> target", "fifo", ...
 */
export function treeState(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join('/');
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(path);
      } else if (st.isFile()) out.set(rel, `file ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      else out.set(rel, st.isFIFO() ? 'fifo' : 'special');
    }
  };
  walk(root);
  return out;
}

/**
 * Guards a sandbox directory tree around an output folder: snapshot it now, then
 * `expectUnchangedOutside()` asserts that nothing outside the allowed folders (the output folder,
 * a cache folder) was created, changed or deleted. This is how the tests prove that flowc's
 * writes and deletes stay inside its output folder.
 */
export function guardSandbox(root: string, allowed: string[]): { expectUnchangedOutside: () => void } {
  const inside = (rel: string) => allowed.some((a) => {
    const base = relative(root, a).split(sep).join('/');
    return rel === base || rel.startsWith(`${base}/`);
  });
  const before = treeState(root);
  return {
    expectUnchangedOutside() {
      const after = treeState(root);
      const changed: string[] = [];
      for (const key of new Set([...before.keys(), ...after.keys()])) {
        if (inside(key)) continue;
        const a = before.get(key);
        const b = after.get(key);
        if (a !== b) changed.push(`${key}: ${a ?? '(absent)'} => ${b ?? '(absent)'}`);
      }
      expect(changed, 'entries outside the output folder changed').toEqual([]);
    },
  };
}

/** A process id no process has now (counting down from a high one), for debris of a "killed" run. */
export function deadPid(): number {
  for (let pid = 4_190_000; pid > 1; pid--) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('every process id is in use');
}
