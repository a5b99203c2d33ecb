import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithDisk, type PlannedFile } from '../../src/project/outputs.js';
import { sha256Hex } from '../../src/source/canonical-json.js';
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

  it('compares by hash without a diff to show, finding exactly the files the text comparison finds (and bytes that only decode alike)', () => {
    const root = temp();
    const planned = (rel: string, contents: string): PlannedFile => ({ path: join(root, rel), rel, contents, sha256: sha256Hex(contents) });
    const cases: [string, string | Buffer, string][] = [
      ['same.txt', 'é😀 line\n', 'é😀 line\n'],
      ['one-char.txt', 'abc\n', 'abd\n'],
      ['same-size-bom.txt', '\ufeffab', '\ufeffac'],
      ['longer.txt', 'abc', 'abcd'],
      ['empty.txt', '', ''],
      // A truncated 4-byte sequence decodes to one U+FFFD (3 bytes, so the sizes match): as text it
      // equals the planned contents, as bytes it does not.
      ['invalid.txt', Buffer.from([0x61, 0xf0, 0x9f, 0x98, 0x62]), 'a\ufffdb'],
    ];
    mkdirSync(join(root, 'u'));
    for (const [name, disk] of cases) writeFileSync(join(root, 'u', name), disk);
    const files = cases.map(([name, , contents]) => planned(`u/${name}`, contents));
    const byHash = compareWithDisk({ outDir: root, files, wantText: false });
    const byText = compareWithDisk({ outDir: root, files, wantText: true });
    expect(byHash.differing.map((d) => d.file.rel)).toEqual(['u/one-char.txt', 'u/same-size-bom.txt', 'u/longer.txt', 'u/invalid.txt']);
    expect(byText.differing.map((d) => d.file.rel)).toEqual(['u/one-char.txt', 'u/same-size-bom.txt', 'u/longer.txt']);
    // Without a hash (compile's single files), the text comparison as before.
    const noHash = compareWithDisk({ outDir: root, files: files.map(({ sha256: _, ...f }) => f), wantText: false });
    expect(noHash.differing.map((d) => d.file.rel)).toEqual(byText.differing.map((d) => d.file.rel));
  });
});
