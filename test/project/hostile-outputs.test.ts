import { deadPid } from './sandbox.js';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/source/canonical-json.js';
import { editEntry, type EditableEntry, unitEntries } from './cache-entries.js';
import { runCli } from '../cli/run-cli.js';
import { PROJECT, snapshot, tempFolders } from './helpers.js';
import { guardSandbox } from './sandbox.js';

const { temp } = tempFolders();

/**
 * A sandbox: `<root>/project` (the fixture project, output folder `build`, cache `.flowc-cache`)
 * beside `<root>/outside`, which holds the files a hostile cache, manifest or link aims at.
 */
function sandbox() {
  const root = temp();
  const dir = join(root, 'project');
  cpSync(PROJECT, dir, { recursive: true, filter: (src) => !src.includes('/expected') && !src.includes('.flowc-cache') });
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.txt'), 'precious\n');
  return { root, dir, out: join(dir, 'build'), cache: join(dir, '.flowc-cache'), outside };
}

const build = (dir: string, ...extra: string[]) => runCli(['build', '--target', 'ir', '--jobs', '1', ...extra], { cwd: dir });

/** Every cache entry (`units/<request key>.entry`), edited through `edit`; re-sealed so only the edit is wrong, unless `reseal` is false. */
function editCacheEntries(cache: string, edit: (body: EditableEntry) => void, reseal = true): void {
  for (const e of unitEntries(cache)) editEntry(e, edit, reseal);
}

describe('an edited build cache entry', () => {
  it('cannot make flowc write outside the output folder: the entry is ignored, recompiled, and FLOWC713 says so', async () => {
    const box = sandbox();
    expect((await build(box.dir)).code).toBe(0);
    const good = snapshot(box.out);
    rmSync(box.out, { recursive: true });
    // A hash-valid entry whose first file climbs out of <out>/<binding>/ into the sandbox.
    editCacheEntries(box.cache, (body) => {
      (body.files[0] as { path: string }).path = '../../../outside/pwned.txt';
    });
    const guard = guardSandbox(box.root, [box.out, box.cache]);
    const r = await build(box.dir);
    guard.expectUnchangedOutside();
    expect(existsSync(join(box.outside, 'pwned.txt'))).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flowc: warning FLOWC713: build cache entry \.flowc-cache\/units\/[0-9a-f]{64}\.entry failed verification: file path "\.\.\/\.\.\/\.\.\/outside\/pwned\.txt" climbs out of the output folder with \.\.; it was ignored and binding 'content-base' compiled afresh$/m);
    expect(r.stderr.match(/FLOWC713/g)).toHaveLength(3);
    expect(r.stdout).toContain('3 compiled, 0 from cache');
    expect(snapshot(box.out)).toEqual(good);
    // The fresh compiles replaced the bad entries.
    const again = await build(box.dir);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('0 compiled, 3 from cache');
  });

  it.each([
    ['an absolute path', '/tmp/flowc-pwned.txt', /is absolute/],
    ['a NUL', 'content-base.ir.json\u0000x', /contains a NUL character/],
    ['a newline', 'a\nflowc: error FLOWC001: forged', /contains a control character/],
    ['a . segment', './content-base.ir.json', /is not normalized/],
  ])('refuses %s in a file path', async (_what, path, reason) => {
    const box = sandbox();
    expect((await build(box.dir)).code).toBe(0);
    editCacheEntries(box.cache, (body) => {
      (body.files[0] as { path: string }).path = path;
    });
    const guard = guardSandbox(box.root, [box.out, box.cache]);
    const r = await build(box.dir);
    guard.expectUnchangedOutside();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning FLOWC713: /);
    expect(r.stderr).toMatch(reason);
    expect(existsSync('/tmp/flowc-pwned.txt')).toBe(false);
  });

  it('is detected by its lengths when an edit that changes them is not re-sealed, and the real output is written', async () => {
    const box = sandbox();
    expect((await build(box.dir)).code).toBe(0);
    const good = snapshot(box.out);
    editCacheEntries(
      box.cache,
      (body) => {
        for (const f of body.files) f.contents = f.contents.replace('"lockfileVersion": 1', '"lockfileVersion": 1, "injected": true');
      },
      /* reseal */ false,
    );
    const r = await build(box.dir);
    expect(r.code).toBe(0);
    // The header (hash-checked) gives each file's length: an entry longer than they add up to is
    // refused at lookup, before any of its bytes is read.
    expect(r.stderr).toMatch(/warning FLOWC713: build cache entry .* failed verification: it holds more than its files; it was ignored and binding 'content-ctr' compiled afresh/);
    expect(snapshot(box.out)).toEqual(good);
  });

  it('is detected by its content hash when a same-length edit is not re-sealed, once its bytes are needed; the unit is compiled afresh and its entry repaired', async () => {
    const box = sandbox();
    expect((await build(box.dir)).code).toBe(0);
    const good = snapshot(box.out);
    const sameLength = () =>
      editCacheEntries(
        box.cache,
        (body) => {
          for (const f of body.files) f.contents = f.contents.replace('"lockfileVersion": 1', '"lockfileVersion": 7');
        },
        /* reseal */ false,
      );
    sameLength();
    // Outputs already on disk are compared by the hashes of the (verified) header: the damaged
    // bytes are never read, and what is on disk is what the compile produced.
    const upToDate = await build(box.dir);
    expect(upToDate.code).toBe(0);
    expect(upToDate.stderr).not.toMatch(/FLOWC713/);
    expect(upToDate.stdout).toMatch(/: 0 files written, 0 compiled, 3 from cache/);
    // Written again, each file is read from its entry and checked against its hash.
    rmSync(box.out, { recursive: true });
    const r = await build(box.dir);
    expect(r.code).toBe(0);
    expect(r.stderr.match(/warning FLOWC713: build cache entry \S+ failed verification: its content hash does not match \(edited or corrupted\); it was ignored and binding '[a-z-]+' compiled afresh/g)).toHaveLength(3);
    expect(r.stdout).toMatch(/: 7 files written, 3 compiled, 0 from cache/);
    expect(snapshot(box.out)).toEqual(good);
    // The fresh compiles replaced the damaged entries.
    rmSync(box.out, { recursive: true });
    const again = await build(box.dir);
    expect(again.stderr).not.toMatch(/FLOWC713/);
    expect(again.stdout).toMatch(/: 7 files written, 0 compiled, 3 from cache/);
    expect(snapshot(box.out)).toEqual(good);
    // --check reads and verifies every entry whole at lookup: a damaged one is found there.
    sameLength();
    const check = await build(box.dir, '--check');
    expect(check.code).toBe(0);
    expect(check.stderr.match(/warning FLOWC713: .* its content hash does not match/g)).toHaveLength(3);
  });

  it('a dependency recorded as a FIFO or /dev/zero is neither opened for reading nor hashed: a miss, no hang', async () => {
    const box = sandbox();
    expect((await build(box.dir)).code).toBe(0);
    execFileSync('mkfifo', [join(box.outside, 'fifo')]);
    symlinkSync('/dev/zero', join(box.outside, 'zero.toml'));
    editCacheEntries(box.cache, (entry) => {
      entry.deps.files.push({ path: join(box.outside, 'fifo'), sha256: sha256Hex('a config\n') }, { path: join(box.outside, 'zero.toml'), sha256: sha256Hex('a config\n') });
    });
    const r = await build(box.dir);
    expect(r.code).toBe(0);
    // Neither is read (a non-regular file hashes to null), so neither matches its recorded hash and
    // the lookup goes on to a kept entry that was never stored: a plain miss, compiled afresh.
    expect(r.stdout).toContain('3 compiled, 0 from cache');
  });
});

describe('build --prune on a hostile output folder', () => {
  it('never deletes through a symbolic link, nor a link itself, nor a path the manifest cannot name (FLOWC714, FLOWC717)', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    const victimSha = sha256Hex(readFileSync(join(box.outside, 'victim.txt')));
    // A link inside the output folder to the sandbox's outside folder, and a link to the victim itself.
    symlinkSync(box.outside, join(box.out, 'content-base', 'link'));
    symlinkSync(join(box.outside, 'victim.txt'), join(box.out, 'content-base', 'evil.json'));
    const manifestPath = join(box.out, 'build.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.stale = {
      'content-base/link/victim.txt': victimSha,
      'content-base/evil.json': victimSha,
      '../outside/victim.txt': victimSha,
      [`${box.outside}/victim.txt`]: victimSha,
      'content-base/bad\u0000.json': victimSha,
      'content-base/nohash.json': 'not-a-hash',
    };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const guard = guardSandbox(box.root, [box.out]);
    const r = await build(box.dir, '--no-cache', '--prune');
    guard.expectUnchangedOutside();
    expect(readFileSync(join(box.outside, 'victim.txt'), 'utf8')).toBe('precious\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flowc: warning FLOWC714: build\/build\.manifest\.json lists 4 files flowc cannot have written; they are ignored: never pruned nor reported as stale$/m);
    expect(r.stderr).toContain('note: "../outside/victim.txt" climbs out of the output folder with ..');
    expect(r.stderr).toContain('note: "content-base/nohash.json" has no SHA-256');
    expect(r.stderr).toMatch(/^flowc: warning FLOWC717: build\/content-base\/link\/victim\.txt is listed as a stale output but is under content-base\/link, which is a symbolic link \(to ".*\/outside"\); --prune deletes only regular files in real folders/m);
    expect(r.stderr).toMatch(/^flowc: warning FLOWC717: build\/content-base\/evil\.json is listed as a stale output but is a symbolic link/m);
    // The links stay, and are no longer tracked.
    expect(lstatSync(join(box.out, 'content-base', 'evil.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).stale).toBeUndefined();
  });

  it('reads the manifest only if it is a regular file: a FIFO there is FLOWC712, then refused as an output (FLOWC013)', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    unlinkSync(join(box.out, 'build.manifest.json'));
    execFileSync('mkfifo', [join(box.out, 'build.manifest.json')]);
    const guard = guardSandbox(box.root, [box.out]);
    const r = await build(box.dir, '--no-cache', '--prune');
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warning FLOWC712: build\/build\.manifest\.json is not a manifest this flowc wrote/);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: build\/build\.manifest\.json is a FIFO \(named pipe\); flowc neither replaces nor writes through it, so nothing was written$/m);
    expect(lstatSync(join(box.out, 'build.manifest.json')).isFIFO()).toBe(true);
  });
});

describe('a binding folder that is a symbolic link', () => {
  it('is never written through, even to files the build owns (FLOWC013); nothing is written anywhere', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    const before = snapshot(box.out);
    rmSync(join(box.out, 'content-base'), { recursive: true });
    symlinkSync(box.outside, join(box.out, 'content-base'));
    const guard = guardSandbox(box.root, [box.out]);
    const r = await build(box.dir, '--no-cache');
    guard.expectUnchangedOutside();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: build\/content-base\/content-base\.ir\.json is under content-base, which is a symbolic link \(to ".*\/outside"\); flowc neither replaces nor writes through it, so nothing was written$/m);
    expect(readdirSync(box.outside)).toEqual(['victim.txt']);
    const after = snapshot(box.out);
    for (const f of Object.keys(before).filter((f) => !f.startsWith('content-base/'))) expect(after[f]).toBe(before[f]);
  });
});

describe('temporary files of a killed build', () => {
  it('go on the next run even when nothing changes, only inside the output folder', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    const dead = deadPid();
    const name = `.flowc-${dead}-0123456789ab.tmp`;
    writeFileSync(join(box.out, 'content-base', name), 'debris\n');
    writeFileSync(join(box.out, name), 'debris\n');
    writeFileSync(join(box.outside, name), 'not flowc\'s to remove\n');
    symlinkSync(box.outside, join(box.out, 'linked'));
    const guard = guardSandbox(box.root, [box.out]);
    const r = await build(box.dir, '--no-cache');
    guard.expectUnchangedOutside();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(': 0 files written');
    expect(existsSync(join(box.out, 'content-base', name))).toBe(false);
    expect(existsSync(join(box.out, name))).toBe(false);
  });
});

describe('build --check on a hostile output folder', () => {
  it('reports a FIFO, a link to /dev/zero and a folder at artifact paths as FLOWC013 (exit 1) without reading them', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    const at = (b: string) => join(box.out, b, `${b}.ir.json`);
    unlinkSync(at('content-base'));
    execFileSync('mkfifo', [at('content-base')]);
    unlinkSync(at('content-ctr'));
    symlinkSync('/dev/zero', at('content-ctr'));
    unlinkSync(at('content-retention'));
    mkdirSync(at('content-retention'));
    const guard = guardSandbox(box.root, [box.out]);
    const r = await build(box.dir, '--no-cache', '--check');
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: build\/content-base\/content-base\.ir\.json is a FIFO \(named pipe\); flowc neither replaces nor writes through it/m);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: build\/content-ctr\/content-ctr\.ir\.json is a symbolic link \(to "\/dev\/zero"\)/m);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: build\/content-retention\/content-retention\.ir\.json is a folder/m);
    expect(r.stdout).toBe('');
    // A plain build refuses the same paths and writes nothing.
    const w = await build(box.dir, '--no-cache');
    expect(w.code).toBe(1);
    expect(w.stderr.match(/error FLOWC013/g)).toHaveLength(3);
    guard.expectUnchangedOutside();
  });

  it('does not read an existing output larger than 16 MiB (FLOWC014)', async () => {
    const box = sandbox();
    expect((await build(box.dir, '--no-cache')).code).toBe(0);
    // Sparse: 17 MiB on paper, no disk used.
    truncateSync(join(box.out, 'content-base', 'content-base.ir.json'), 17 * 1024 * 1024);
    const r = await build(box.dir, '--no-cache', '--check');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC014: build\/content-base\/content-base\.ir\.json is 17825792 bytes, more than the 16777216 bytes \(16 MiB\) --check reads of an existing output/m);
    expect(r.stdout).toBe('');
  });
});

describe('--jobs', () => {
  it('is clamped to 4 per core (at most 64) with a warning (FLOWC715)', async () => {
    const { maxJobs } = await import('../../src/cli/commands/build.js');
    expect(maxJobs()).toBeLessThanOrEqual(64);
    const out = temp();
    // One binding compiles in this thread: the test is about the warning, not about starting threads.
    const r = await runCli(['build', '--target', 'ir', '--out', out, '--no-cache', '--only', 'content-base', '--jobs', '400'], { cwd: PROJECT });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`flowc: warning FLOWC715: --jobs 400 is above the limit of ${maxJobs()} threads (4 per core, at most 64); using ${maxJobs()}\n1 warning\n`);
    const within = await runCli(['build', '--target', 'ir', '--out', temp(), '--no-cache', '--only', 'content-base', '--jobs', String(maxJobs())], { cwd: PROJECT });
    expect(within.stderr).toBe('');
  });
});
