import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { folderMemo, inspectOutput, missingFolderOf, outputFolders, outputPath } from '../../src/project/output-paths.js';
import { tempDir } from './helpers.js';

const names = ['a', 'b', 'c'];
const relArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
/** What stands at a path of the tree: a folder, a file, a link to a folder or to a file (each made only if its parent is a real folder). */
const kindArb = fc.constantFrom('dir', 'file', 'link-dir', 'link-file');

/** The topmost absent folder on the way to `<root>/<rel>` (strictly below root), walking with lstat. */
function topMissing(root: string, rel: string): string | undefined {
  const parts = rel.split('/');
  let path = root;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    try {
      if (!lstatSync(path).isDirectory()) return undefined;
    } catch {
      return path;
    }
  }
  return undefined;
}

// The memo (one map lookup per file for folders already seen) must answer exactly as the walk
// without it, whatever the tree: links and files where folders are expected included.
describe('output path inspection with a folder memo', () => {
  it('answers as without the memo, in any order of paths, and names the topmost missing folder', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(relArb, kindArb), { maxLength: 12 }), fc.array(relArb, { minLength: 1, maxLength: 30 }), (tree, rels) => {
        const root = tempDir();
        const outside = tempDir();
        mkdirSync(join(outside, 'd'));
        writeFileSync(join(outside, 'f'), 'x');
        for (const [rel, kind] of tree) {
          const path = join(root, rel);
          try {
            if (kind === 'dir') mkdirSync(path);
            else if (kind === 'file') writeFileSync(path, 'x', { flag: 'wx' });
            else symlinkSync(join(outside, kind === 'link-dir' ? 'd' : 'f'), path);
          } catch {
            // Its parent is missing or not a folder, or the path is taken: the tree stays as it is.
          }
        }
        const memo = folderMemo();
        const folders = folderMemo();
        for (const rel of rels) {
          expect(inspectOutput(root, rel, memo)).toEqual(inspectOutput(root, rel));
          expect(outputFolders(root, rel, folders)).toEqual(outputFolders(root, rel, folderMemo()));
          expect(missingFolderOf(rel, memo)).toBe(topMissing(root, rel));
          expect(missingFolderOf(rel, folders)).toBe(outputFolders(root, rel, folderMemo()) === 'missing' ? topMissing(root, rel) : undefined);
        }
      }),
      { numRuns: 150 },
    );
  });

  // A first build writes into an output folder that does not exist: the memo then knows every
  // folder below it is missing without looking (folderMemo(root)), and must still answer as the walk.
  it('answers as the walk when given the root, whether the root is a folder, missing, or a link to nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom('dir', 'missing', 'dangling-link', 'link-dir'), fc.array(relArb, { minLength: 1, maxLength: 30 }), (rootKind, rels) => {
        const base = tempDir();
        const root = join(base, 'out');
        if (rootKind === 'dir') mkdirSync(root);
        if (rootKind === 'dangling-link') symlinkSync(join(base, 'nowhere'), root);
        if (rootKind === 'link-dir') {
          mkdirSync(join(base, 'real'));
          mkdirSync(join(base, 'real', 'a'));
          symlinkSync(join(base, 'real'), root);
        }
        const memo = folderMemo(root);
        expect(memo.missingRoot).toBe(rootKind === 'missing' || rootKind === 'dangling-link' ? root : undefined);
        const folders = folderMemo(root);
        for (const rel of rels) {
          expect(inspectOutput(root, rel, memo)).toEqual(inspectOutput(root, rel));
          expect(outputFolders(root, rel, folders)).toEqual(outputFolders(root, rel, folderMemo()));
          expect(missingFolderOf(rel, memo)).toBe(topMissing(root, rel));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('joins a checked relative path as join does, for normal and other roots', () => {
    for (const root of ['/tmp/out', '/tmp/out/', '/', '/tmp//out', '/tmp/./out', '/tmp/x/../out', 'out', './out']) {
      for (const rel of ['a', 'a/b.yaml', 'flowc-manifest.json']) expect(outputPath(root, rel)).toBe(join(root, rel));
    }
  });
});
