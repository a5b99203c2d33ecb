import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { foldersOf, isRealFolderBelow, removeStaleTemps } from '../../src/cli/temp-files.js';
import { tempFolders } from './helpers.js';

const { temp } = tempFolders();

/** A pid no process has: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

// removeStaleTemps tells the output folder's own subfolders from one listing of it (entry types)
// instead of an lstat each: checked here against the lstat of every part, on every kind of entry.
describe('debris of a killed run in an output folder with links', () => {
  it('is removed from real folders only, deep or direct, as the lstat of each part says', () => {
    const root = temp();
    const outside = temp();
    const debris = `.flowc-${deadPid()}-0123456789ab.tmp`;
    for (const d of ['real', 'deep/er/est', 'outside-target']) mkdirSync(join(d === 'outside-target' ? outside : root, d), { recursive: true });
    symlinkSync(join(outside, 'outside-target'), join(root, 'linked'));
    symlinkSync(join(root, 'real'), join(root, 'linked-inside'));
    mkdirSync(join(outside, 'outside-target', 'sub'));
    writeFileSync(join(root, 'file'), 'x');
    const dirs = ['', 'real', 'deep', 'deep/er', 'deep/er/est', 'linked', 'linked/sub', 'linked-inside', 'file', 'missing', '../escape'];
    const places = [root, join(root, 'real'), join(root, 'deep'), join(root, 'deep/er'), join(root, 'deep/er/est'), join(outside, 'outside-target'), join(outside, 'outside-target', 'sub'), outside];
    for (const p of places) writeFileSync(join(p, debris), 'debris\n');
    const slow = new Set(dirs.filter((d) => !d.startsWith('..') && isRealFolderBelow(root, d)));
    expect([...slow].sort()).toEqual(['', 'deep', 'deep/er', 'deep/er/est', 'real']);
    // Twice over: folders the write creates later are listed before they exist.
    const removed = removeStaleTemps(root, [...dirs, ...dirs].map((d) => join(root, d)));
    expect(removed).toBe(5);
    for (const p of places) {
      const rel = p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p === root ? '' : undefined;
      expect(existsSync(join(p, debris)), p).toBe(!(rel !== undefined && slow.has(rel)));
    }
    expect(readdirSync(join(outside, 'outside-target')).sort()).toEqual([debris, 'sub'].sort());
  });
});

describe('the folders a write touches', () => {
  // foldersOf skips dirname for a path in the same folder as the one before: it must still give
  // exactly the set of folders dirname gives, each once, in first-seen order.
  it('are the dirnames of the paths, each once, in first-seen order', () => {
    const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', 'x', '');
    const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.array(path, { maxLength: 40 }), (paths) => {
        expect([...foldersOf(paths)]).toEqual([...new Set(paths.map((p) => dirname(p)))]);
      }),
      { numRuns: 500 },
    );
  });

  it('are not walked when the output folder does not exist: it holds no debris', () => {
    const root = join(temp(), 'out');
    const walked: string[] = [];
    const dirs = (function* () {
      for (const d of ['', 'a', 'a/b']) {
        walked.push(d);
        yield join(root, d);
      }
    })();
    expect(removeStaleTemps(root, dirs)).toBe(0);
    expect(walked).toEqual([]);
  });
});
