import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropSpareStageHelper, prestartStageHelper, StageHelper, stageWorkerEntry } from '../../src/cli/stage-helper.js';
import { JOB } from '../../src/cli/stage-protocol.js';
import { writeFilesTransactionally } from '../../src/cli/write-files.js';
import type { WrittenStats } from '../../src/project/output-stamps.js';
import { snapshot, tempDir } from '../project/helpers.js';

/** Text of every width and a few sizes, one per file: the helper copies bytes, which must land as they are. */
const text = (i: number) => `${'é😀x\n'.repeat(1 + (i % 7) * 300)}${i}\n`;

describe('the staging helper thread', () => {
  it('writes what it is sent, marks each file in shared memory, and reports its first failure: nothing after it is written', async () => {
    const dir = tempDir();
    const helper = StageHelper.start(6) as StageHelper;
    expect(helper).toBeDefined();
    const paths = [0, 1, 2, 3, 4, 5].map((k) => join(dir, k === 3 ? `${'n'.repeat(300)}.yaml` : `f${k}.yaml`));
    const scratch = Buffer.from(text(0));
    for (const [k, path] of paths.entries()) {
      // The caller's buffer is reused at once: the helper must have copied it.
      helper.take(k, path, k % 2 === 0 ? scratch : text(k));
      if (k % 2 === 0) scratch.fill(0x20);
      scratch.write(text(0));
    }
    const failure = await helper.finish(false);
    expect(failure).toEqual({ k: 3, code: 'ENAMETOOLONG', path: paths[3] });
    expect([0, 1, 2, 3, 4, 5].map((k) => helper.mark(k))).toEqual([JOB.written, JOB.written, JOB.written, JOB.failed, JOB.pending, JOB.pending]);
    expect(readFileSync(paths[0] as string, 'utf8')).toBe(text(0));
    expect(readFileSync(paths[1] as string, 'utf8')).toBe(text(1));
    expect(existsSync(paths[4] as string)).toBe(false);
  });

  it('never replaces a file already at a name it is sent (wx), and says so: that file is not ours to remove', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'taken'), 'not ours\n');
    const helper = StageHelper.start(1) as StageHelper;
    helper.take(0, join(dir, 'taken'), 'ours\n');
    expect(await helper.finish(false)).toMatchObject({ k: 0, code: 'EEXIST' });
    expect(helper.mark(0)).toBe(JOB.taken);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('not ours\n');
  });

  it('told to stop, writes nothing more of what it was sent', async () => {
    const dir = tempDir();
    const helper = StageHelper.start(200) as StageHelper;
    for (let k = 0; k < 200; k++) helper.take(k, join(dir, `f${k}`), text(k));
    helper.flush();
    await helper.finish(true);
    const marks = Array.from({ length: 200 }, (_, k) => helper.mark(k));
    const written = readdirSync(dir);
    // Exactly the files marked written exist: the marks are what the write trusts to clean up.
    expect(written.sort()).toEqual(marks.flatMap((m, k) => (m === JOB.written ? [`f${k}`] : [])).sort());
    expect(marks.every((m) => m === JOB.written || m === JOB.pending)).toBe(true);
  });
});

describe('a staging thread started ahead of the write (prestartStageHelper)', () => {
  it('is the one the next helper takes, and writes as a helper started then would', async () => {
    const dir = tempDir();
    const id = prestartStageHelper();
    expect(id).toBeTypeOf('number');
    // Asked twice before a write, it still starts one thread.
    expect(prestartStageHelper()).toBe(id);
    const helper = StageHelper.start(2) as StageHelper;
    expect(helper.threadId).toBe(id);
    helper.take(0, join(dir, 'a'), text(1));
    helper.take(1, join(dir, 'b'), Buffer.from(text(2)), true);
    expect(await helper.finish(false)).toBeUndefined();
    expect([helper.mark(0), helper.mark(1)]).toEqual([JOB.written, JOB.written]);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe(text(1));
    expect(helper.stats.get(1)?.size).toBe(Buffer.byteLength(text(2)));
    // No stat was asked for the first file.
    expect(helper.stats.get(0)).toBeUndefined();
    // Taken once: the next helper starts a thread of its own.
    const next = StageHelper.start(1) as StageHelper;
    expect(next.threadId).not.toBe(id);
    await next.finish(false);
  });

  it('is ended when no write takes it, and never taken after that', async () => {
    const id = prestartStageHelper();
    dropSpareStageHelper();
    const helper = StageHelper.start(1) as StageHelper;
    expect(helper.threadId).not.toBe(id);
    await helper.finish(false);
  });
});

describe('the staging helper script', () => {
  it('is found from every layout the writer runs in: src (tests), dist/cli, and the CLI bundle', () => {
    const dist = new URL('../../dist/cli/stage-worker.js', import.meta.url).href;
    for (const from of ['../../src/cli/stage-helper.ts', '../../dist/cli/stage-helper.js', '../../dist/bundle/write-report-0123abcd.cjs']) {
      expect(stageWorkerEntry(new URL(from, import.meta.url).href)?.href).toBe(dist);
    }
    // The bundle renders import.meta.url as its own chunk's URL (rollup, CommonJS output).
    const chunks = readdirSync(new URL('../../dist/bundle/', import.meta.url)).filter((f) => f.endsWith('.cjs'));
    const writer = chunks.filter((f) => readFileSync(new URL(`../../dist/bundle/${f}`, import.meta.url), 'utf8').includes('"../cli/stage-worker.js"'));
    expect(writer).toHaveLength(1);
    expect(readFileSync(new URL(`../../dist/bundle/${writer[0]}`, import.meta.url), 'utf8')).toMatch(/new URL\(rel, from\)|pathToFileURL\(__filename\)/);
  });
});

describe('a transactional write with the helper', () => {
  function files(n: number) {
    return Array.from({ length: n }, (_, i) => ({ rel: i % 3 === 0 ? `old/f${i}.yaml` : `new${i % 5}/deep/f${i}.yaml`, contents: text(i) }));
  }

  it('writes every file as given, replacing old ones and creating new folders, whichever thread wrote each', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'old'));
    for (let i = 0; i < 600; i += 3) writeFileSync(join(root, `old/f${i}.yaml`), 'old\n');
    const outcome = await writeFilesTransactionally({ root, files: files(600), helpFrom: 1 });
    expect(outcome).toMatchObject({ status: 'written', count: 600 });
    expect((outcome as { helped?: number }).helped).toBeGreaterThan(0);
    const after = snapshot(root);
    expect(Object.keys(after)).toHaveLength(600);
    for (const f of files(600)) expect(after[f.rel]).toBe(f.contents);
  });

  it.each([1, Infinity])('gives the stat of each file written into a new folder as an lstat sees it after the commit, whichever thread wrote it; none for replaced files (helper from %s files)', async (helpFrom) => {
    const root = tempDir();
    mkdirSync(join(root, 'old'));
    for (let i = 0; i < 600; i += 3) writeFileSync(join(root, `old/f${i}.yaml`), 'old\n');
    const outcome = await writeFilesTransactionally({ root, files: files(600), helpFrom });
    if (outcome.status !== 'written') throw new Error(outcome.status);
    expect(outcome.committedAtMs).toBeGreaterThan(0);
    const stats = outcome.stats as WrittenStats;
    // By each file's place in the files given: none for a file that replaced another.
    files(600).forEach((f, i) => {
      const st = stats.get(i);
      if (f.rel.startsWith('old/')) return expect(st, f.rel).toBeUndefined();
      const now = statSync(join(root, f.rel));
      expect(st, f.rel).toEqual({ size: now.size, mtimeMs: now.mtimeMs, ctimeMs: now.ctimeMs, ino: now.ino, dev: now.dev });
    });
  });

  it('takes no second thread when asked not to (what --jobs 1 asks)', async () => {
    const outcome = await writeFilesTransactionally({ root: tempDir(), files: files(1200), helpFrom: Infinity });
    expect(outcome).toMatchObject({ status: 'written', count: 1200 });
    expect(outcome).not.toHaveProperty('helped');
  });

  it('a failed file, on either thread, leaves the folder exactly as it was, with no temporary file or folder', async () => {
    for (const at of [0, 299, 599]) {
      const root = tempDir();
      mkdirSync(join(root, 'old'));
      for (let i = 0; i < 600; i += 3) writeFileSync(join(root, `old/f${i}.yaml`), 'old\n');
      const before = snapshot(root);
      const list = files(600);
      (list[at] as { rel: string }).rel = `new1/${'n'.repeat(300)}.yaml`;
      const outcome = await writeFilesTransactionally({ root, files: list, helpFrom: 1 });
      expect(outcome).toEqual({ status: 'failed', rel: `new1/${'n'.repeat(300)}.yaml`, error: 'ENAMETOOLONG', changed: [] });
      expect(snapshot(root)).toEqual(before);
      expect(readdirSync(root, { recursive: true }).map(String).filter((p) => p.includes('.flowc-'))).toEqual([]);
    }
  });
});
