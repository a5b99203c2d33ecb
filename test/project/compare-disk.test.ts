import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithDisk, type PlannedFile } from '../../src/project/outputs.js';
import { tempFolders } from './helpers.js';

const { temp } = tempFolders();

// compareWithDisk remembers the folders it found to be real (a build checks 9 files per binding
// folder); a folder that is a link must still refuse every file under it, not only the first.
describe('comparing planned files with the output folder', () => {
  it('refuses every file under a linked folder and reads every file under a real one', () => {
    const root = temp();
    const outside = temp();
    mkdirSync(join(root, 'a'));
    symlinkSync(outside, join(root, 'b'));
    for (const d of [join(root, 'a'), outside]) for (const f of ['x', 'y', 'z']) writeFileSync(join(d, f), `${f}\n`);
    const planned = (rel: string, contents: string): PlannedFile => ({ path: join(root, rel), rel, contents });
    const files = ['a/x', 'b/x', 'a/y', 'b/y', 'a/z', 'b/z'].map((rel) => planned(rel, rel.endsWith('z') ? 'other\n' : `${rel.slice(2)}\n`));
    const r = compareWithDisk({ outDir: root, files, wantText: false });
    expect(r.refused.map((x) => [x.file.rel, x.what])).toEqual([
      ['b/x', 'under b, which is a symbolic link (to ' + JSON.stringify(outside) + ')'],
      ['b/y', 'under b, which is a symbolic link (to ' + JSON.stringify(outside) + ')'],
      ['b/z', 'under b, which is a symbolic link (to ' + JSON.stringify(outside) + ')'],
    ]);
    expect(r.differing.map((d) => d.file.rel)).toEqual(['a/z']);
  });
});
