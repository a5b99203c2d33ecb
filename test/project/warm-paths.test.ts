import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullRelPathProblem, relPathProblem } from '../../src/project/output-paths.js';
import { compareWithDisk, type PlannedFile } from '../../src/project/outputs.js';
import { sha256Hex } from '../../src/source/canonical-json.js';
import { runCli } from '../cli/run-cli.js';
import { copyProject, listFiles, snapshot, tempFolders } from './helpers.js';

const { temp } = tempFolders();

/** Every file the manifest lists, with the SHA-256 it records and the SHA-256 of the file on disk. */
function manifestAgainstDisk(out: string): { recorded: Record<string, string>; onDisk: Record<string, string> } {
  const manifest = JSON.parse(readFileSync(join(out, 'build.manifest.json'), 'utf8'));
  const recorded: Record<string, string> = Object.assign({}, ...Object.values(manifest.bindings as Record<string, { files: Record<string, string> }>).map((b) => b.files));
  const onDisk = Object.fromEntries(Object.keys(recorded).map((rel) => [rel, sha256Hex(readFileSync(join(out, rel)))]));
  return { recorded, onDisk };
}

// Issue 19, warm builds: the manifest's hashes come from the cache store (cold) or the verified
// cache entry (warm) instead of being taken again, and the outputs are compared as bytes. Each
// fast path is checked here against the slow one or against the files themselves.
describe('the warm build fast paths', () => {
  it('record in the manifest the SHA-256 of every file written, cold (worker threads or not), warm, and without the cache', async () => {
    const dir = copyProject();
    const manifests: string[] = [];
    for (const [args, label] of [
      [['--jobs', '2'], 'cold, workers'],
      [['--jobs', '1', '--no-cache'], 'no cache'],
      [['--jobs', '1'], 'warm'],
    ] as const) {
      const out = join(dir, `out-${manifests.length}`);
      const r = await runCli(['build', '--out', out, ...args], { cwd: dir });
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      const { recorded, onDisk } = manifestAgainstDisk(out);
      expect(Object.keys(recorded).length).toBeGreaterThan(3);
      expect(recorded, label).toEqual(onDisk);
      manifests.push(readFileSync(join(out, 'build.manifest.json'), 'utf8'));
    }
    rmSync(join(dir, '.flowc-cache'), { recursive: true });
    const inThread = join(dir, 'out-3');
    expect((await runCli(['build', '--out', inThread, '--jobs', '1'], { cwd: dir })).code).toBe(0);
    expect(manifestAgainstDisk(inThread).recorded).toEqual(manifestAgainstDisk(inThread).onDisk);
    expect(new Set(manifests).size).toBe(1);
    expect(readFileSync(join(inThread, 'build.manifest.json'), 'utf8')).toBe(manifests[0]);
    expect(snapshot(inThread)).toEqual(snapshot(join(dir, 'out-1')));
  });

  it('a warm build over its own outputs writes nothing, and rewrites exactly the files changed on disk, whatever the change', async () => {
    const dir = copyProject();
    const out = join(dir, 'build');
    expect((await runCli(['build', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const good = snapshot(out);
    const again = await runCli(['build', '--jobs', '1'], { cwd: dir });
    expect(again.stdout).toMatch(/: 0 files written, 0 compiled, 3 from cache/);
    const files = listFiles(out).filter((f) => f !== 'build.manifest.json');
    const [sameSize, longer, emptied, removed] = files;
    const text = (rel: string) => readFileSync(join(out, rel), 'utf8');
    // One byte changed (same size), one byte added, the file emptied, the file removed.
    writeFileSync(join(out, sameSize as string), text(sameSize as string).replace(/.$/s, (c) => (c === 'x' ? 'y' : 'x')));
    writeFileSync(join(out, longer as string), `${text(longer as string)} `);
    writeFileSync(join(out, emptied as string), '');
    rmSync(join(out, removed as string));
    const r = await runCli(['build', '--jobs', '1'], { cwd: dir });
    expect(r.stdout).toMatch(/: 4 files written, 0 compiled, 3 from cache/);
    expect(snapshot(out)).toEqual(good);
  });

  it('compare bytes exactly as the text comparison and the hash comparison do, for every kind of path', () => {
    const root = temp();
    const outside = temp();
    writeFileSync(join(outside, 'target.txt'), 'same\n');
    mkdirSync(join(root, 'u'));
    mkdirSync(join(root, 'u', 'dir.txt'));
    symlinkSync(outside, join(root, 'linked'));
    symlinkSync(join(outside, 'target.txt'), join(root, 'u', 'link.txt'));
    execFileSync('mkfifo', [join(root, 'u', 'fifo.txt')]);
    writeFileSync(join(root, 'a-file'), 'x');
    const cases: [string, string | Buffer | undefined, string][] = [
      ['u/same.txt', 'é😀 line\n', 'é😀 line\n'],
      ['u/one-char.txt', 'abc\n', 'abd\n'],
      ['u/longer.txt', 'abc', 'abcd'],
      ['u/shorter.txt', 'abcd', 'abc'],
      ['u/empty.txt', '', ''],
      ['u/emptied.txt', '', 'abc'],
      ['u/missing.txt', undefined, 'abc'],
      ['gone/missing.txt', undefined, 'abc'],
      ['gone/too.txt', undefined, 'abc'],
      ['u/big.txt', 'z'.repeat(300_000), 'z'.repeat(300_000)],
      ['u/big-other.txt', `${'z'.repeat(299_999)}y`, 'z'.repeat(300_000)],
      ['u/dir.txt', undefined, 'same\n'],
      ['u/link.txt', undefined, 'same\n'],
      ['u/fifo.txt', undefined, 'same\n'],
      ['linked/target.txt', undefined, 'same\n'],
      ['a-file/under.txt', undefined, 'same\n'],
    ];
    for (const [rel, disk] of cases) if (disk !== undefined) writeFileSync(join(root, rel), disk);
    const planned = cases.map(([rel, , contents]): PlannedFile => ({ path: join(root, rel), rel, contents }));
    const view = (r: ReturnType<typeof compareWithDisk>) => ({
      differing: r.differing.map((d) => d.file.rel),
      refused: r.refused.map((x) => [x.file.rel, x.what]),
      tooLarge: r.tooLarge.map((x) => x.file.rel),
    });
    const byText = view(compareWithDisk({ outDir: root, files: planned, wantText: true }));
    const byHash = view(compareWithDisk({ outDir: root, files: planned.map((f) => ({ ...f, sha256: sha256Hex(f.contents) })), wantText: false }));
    const byBytes = view(compareWithDisk({ outDir: root, files: planned.map((f) => ({ ...f, sha256: sha256Hex(f.contents), bytes: Buffer.from(f.contents) })), wantText: false }));
    expect(byText.differing).toEqual(['u/one-char.txt', 'u/longer.txt', 'u/shorter.txt', 'u/emptied.txt', 'u/missing.txt', 'gone/missing.txt', 'gone/too.txt', 'u/big-other.txt']);
    expect(byText.refused.map(([rel]) => rel)).toEqual(['u/dir.txt', 'u/link.txt', 'u/fifo.txt', 'linked/target.txt', 'a-file/under.txt']);
    // By size and hash only: how a fresh compile's files and cached files not kept in memory are compared.
    const bySizeAndHash = view(compareWithDisk({ outDir: root, files: planned.map((f) => ({ ...f, sha256: sha256Hex(f.contents), size: Buffer.byteLength(f.contents) })), wantText: false }));
    expect(byHash).toEqual(byText);
    expect(byBytes).toEqual(byText);
    expect(bySizeAndHash).toEqual(byText);
  });
});

// relPathProblem answers plain paths (every path flowc writes) with one regex; anything else takes
// the full check. They must agree on every string, above all on `.`, `..` and empty segments.
describe('the plain-path shortcut of relPathProblem', () => {
  it('agrees with the full check on any path made of the characters that matter', () => {
    const piece = fc.constantFrom('a', 'B', '0', '_', '-', '.', '..', '/', '\\', ':', 'C:', '\u0000', '\n', 'é', ' ', '~');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const rel = parts.join('');
        expect(relPathProblem(rel)).toBe(fullRelPathProblem(rel));
      }),
      { numRuns: 5000 },
    );
    for (const rel of ['a/b.json', '.a', 'a/.', 'a/..', '../a', 'a//b', '/a', 'a/', '-a/_b.c', 'x'.repeat(4097), `${'a/'.repeat(2048)}b`, 5, undefined]) {
      expect(relPathProblem(rel)).toBe(fullRelPathProblem(rel));
    }
  });
});

describe('planOutputs paths', () => {
  it('are exactly join(outDir, rel), for any output folder as given (normalized, trailing slash, the root, odd segments)', async () => {
    const { planOutputs } = await import('../../src/project/outputs.js');
    const { join: pathJoin } = await import('node:path');
    for (const outDir of ['/tmp/out', '/tmp/out/', '/', '/tmp//out', '/tmp/./out', '/tmp/x/../out', 'relative/out']) {
      const plan = planOutputs({
        outDir,
        manifestName: 'build.manifest.json',
        kind: 'build',
        header: {},
        units: [{ name: 'u-1', meta: {}, output: { name: 'u-1', ok: true, diagnostics: [], files: [{ path: 'u-1.argo.yaml', contents: 'a' }, { path: 'sub/u-1.ir.json', contents: 'b' }], configHash: 'h' } }],
        previous: undefined,
        prune: false,
      });
      expect(plan.files.map((f) => f.path), outDir).toEqual(plan.files.map((f) => pathJoin(outDir, f.rel)));
    }
  });
});
