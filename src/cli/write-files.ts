import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes files so that readers never see half a file: every file is first written in full to a
 * temporary sibling, and only when all temporaries exist are they renamed over the targets
 * (rename is atomic within a folder). If any write fails, the temporaries are removed and the
 * existing files stay as they were.
 */
export function writeFilesAtomically(files: { path: string; contents: string }[]): void {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const temp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.tmp`);
      temps.push({ temp, path: f.path });
      writeFileSync(temp, f.contents);
    }
  } catch (e) {
    for (const t of temps) rmSync(t.temp, { force: true });
    throw e;
  }
  for (const t of temps) renameSync(t.temp, t.path);
}
