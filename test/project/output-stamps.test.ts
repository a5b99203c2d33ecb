import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputStamps, restamp, type StampStat, WRITTEN_STAT_FIELDS, WrittenStats } from '../../src/project/output-stamps.js';
import { compareWithDisk, type PlannedFile } from '../../src/project/outputs.js';
import { sha256Hex } from '../../src/source/canonical-json.js';
import { runCli } from '../cli/run-cli.js';
import { copyProject, listFiles, snapshot, tempFolders } from './helpers.js';

const { temp } = tempFolders();
const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const NOW_MS = 1_800_000_000_000;

/** An lstat result as OutputStamps reads it: a regular file changed `ageMs` before NOW_MS (plus `extraMs`, a fraction as lstat gives). */
function stat(ageMs: number, over: Partial<Record<'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev', number>> = {}, extraMs = 0.000123): StampStat {
  const t = NOW_MS - ageMs + extraMs;
  return { isFile: () => true, size: 100, mtimeMs: t, ctimeMs: t, ino: 42, dev: 7, ...over };
}

/** The stamps file as the format says (output-stamps.ts): header with the body's SHA-256; out folder, count, `rel\tsha256` lines; five doubles per row. */
function decodeStamps(bytes: Buffer): { out: string; rows: [string, string, number[]][] } {
  const nl = bytes.indexOf(0x0a);
  const body = bytes.subarray(nl + 1);
  expect(bytes.subarray(0, nl).toString('latin1')).toBe(`flowc-stamps 2 ${sha256Hex(body)}`);
  const [outLine, countLine] = body.toString('latin1').split('\n', 2) as [string, string];
  const count = Number(countLine);
  const numbersAt = body.length - count * 40;
  const lines = body.subarray(0, numbersAt).toString('utf8').split('\n').slice(2, -1);
  expect(lines).toHaveLength(count);
  return {
    out: JSON.parse(outLine) as string,
    rows: lines.map((l, i) => {
      const [rel, sha] = l.split('\t') as [string, string];
      return [rel, sha, [0, 1, 2, 3, 4].map((k) => body.readDoubleLE(numbersAt + i * 40 + k * 8))];
    }),
  };
}

function encodeStamps(s: { out: string; rows: [string, string, number[]][] }, count = s.rows.length): Buffer {
  const numbers = Buffer.alloc(s.rows.length * 40);
  s.rows.forEach(([, , n], i) => n.forEach((v, k) => numbers.writeDoubleLE(v, i * 40 + k * 8)));
  const body = Buffer.concat([Buffer.from(`${JSON.stringify(s.out)}\n${count}\n${s.rows.map(([rel, sha]) => `${rel}\t${sha}\n`).join('')}`), numbers]);
  return Buffer.concat([Buffer.from(`flowc-stamps 2 ${sha256Hex(body)}\n`), body]);
}

describe('output stamps (a file seen before is not read again)', () => {
  it('vouch only for the very stat and hash recorded, and only when the stat was taken well after the last change', () => {
    const cache = temp();
    const s = OutputStamps.load(cache, '/out');
    s.record(
      [
        { rel: 'old', sha256: HASH, st: stat(5_000) },
        { rel: 'recent', sha256: HASH, st: stat(49) },
        { rel: 'edge', sha256: HASH, st: stat(50, {}, 0) },
      ],
      NOW_MS,
    );
    expect(s.vouches('old', HASH, stat(5_000))).toBe(true);
    // Changed within the clock's tick of the stat: times could stay the same through an edit.
    expect(s.vouches('recent', HASH, stat(49))).toBe(false);
    expect(s.vouches('edge', HASH, stat(50, {}, 0))).toBe(false);
    expect(s.vouches('old', OTHER, stat(5_000))).toBe(false);
    for (const field of ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dev'] as const) {
      const st = stat(5_000);
      expect(s.vouches('old', HASH, stat(5_000, { [field]: st[field] + 1 })), field).toBe(false);
    }
    // A time that differs in its fraction only (a microsecond) is another time.
    expect(s.vouches('old', HASH, stat(5_000, {}, 0.001123))).toBe(false);
    expect(s.vouches('old', HASH, { ...stat(5_000), isFile: () => false })).toBe(false);
    expect(s.vouches('missing', HASH, stat(5_000))).toBe(false);
  });

  it('take a margin of 2 s where no time has a fraction of a second (file systems keeping whole seconds)', () => {
    const s = OutputStamps.load(temp(), '/out');
    const whole = (ageS: number) => stat(ageS * 1000, {}, 0);
    // NOW_MS is a whole second: 1 s old is within the coarse margin, 3 s is not.
    s.record([{ rel: 'a', sha256: HASH, st: whole(1) }, { rel: 'b', sha256: HASH, st: whole(3) }], NOW_MS);
    expect(s.vouches('a', HASH, whole(1))).toBe(false);
    expect(s.vouches('b', HASH, whole(3))).toBe(true);
  });

  it('survive a save and a load for the same output folder only; a changed byte or another folder loses them all', () => {
    const cache = temp();
    const s = OutputStamps.load(cache, '/out');
    s.record([{ rel: 'u/a.yaml', sha256: HASH, st: stat(5_000) }, { rel: 'u/b.yaml', sha256: OTHER, st: stat(6_000) }], NOW_MS);
    s.save();
    const again = OutputStamps.load(cache, '/out');
    expect(again.vouches('u/a.yaml', HASH, stat(5_000))).toBe(true);
    expect(again.vouches('u/b.yaml', OTHER, stat(6_000))).toBe(true);
    expect(OutputStamps.load(cache, '/elsewhere').vouches('u/a.yaml', HASH, stat(5_000))).toBe(false);
    again.retain(new Set(['u/b.yaml']));
    again.save();
    const retained = OutputStamps.load(cache, '/out');
    expect(retained.vouches('u/a.yaml', HASH, stat(5_000))).toBe(false);
    expect(retained.vouches('u/b.yaml', OTHER, stat(6_000))).toBe(true);
    const [file] = readdirSync(join(cache, 'stamps'));
    const path = join(cache, 'stamps', file as string);
    const bytes = readFileSync(path);
    bytes[bytes.indexOf('u/b.yaml') + 2] = 'c'.charCodeAt(0);
    writeFileSync(path, bytes);
    expect(OutputStamps.load(cache, '/out').vouches('u/b.yaml', OTHER, stat(6_000))).toBe(false);
    expect(OutputStamps.load(cache, '/out').vouches('u/c.yaml', OTHER, stat(6_000))).toBe(false);
  });

  it('read from a file of the right hash, a changed number vouches for nothing; rows that do not match the count lose them all', () => {
    const cache = temp();
    const s = OutputStamps.load(cache, '/out');
    s.record([{ rel: 'a', sha256: HASH, st: stat(5_000) }, { rel: 'b', sha256: HASH, st: stat(5_000) }], NOW_MS);
    s.save();
    const [file] = readdirSync(join(cache, 'stamps'));
    const path = join(cache, 'stamps', file as string);
    const stamps = decodeStamps(readFileSync(path));
    expect(stamps.out).toBe('/out');
    expect(stamps.rows).toEqual([
      ['a', HASH, [100, NOW_MS - 5_000 + 0.000123, NOW_MS - 5_000 + 0.000123, 42, 7]],
      ['b', HASH, [100, NOW_MS - 5_000 + 0.000123, NOW_MS - 5_000 + 0.000123, 42, 7]],
    ]);
    writeFileSync(path, encodeStamps(stamps));
    expect(OutputStamps.load(cache, '/out').vouches('a', HASH, stat(5_000))).toBe(true);
    for (const field of [0, 1, 2, 3, 4]) {
      const edited = structuredClone(stamps);
      (edited.rows[0] as (typeof edited.rows)[0])[2][field] += field === 1 || field === 2 ? 0.001 : 1;
      writeFileSync(path, encodeStamps(edited));
      expect(OutputStamps.load(cache, '/out').vouches('a', HASH, stat(5_000)), String(field)).toBe(false);
      expect(OutputStamps.load(cache, '/out').vouches('b', HASH, stat(5_000))).toBe(true);
    }
    for (const count of [1, 3]) {
      writeFileSync(path, encodeStamps(stamps, count));
      expect(OutputStamps.load(cache, '/out').vouches('a', HASH, stat(5_000)), String(count)).toBe(false);
      expect(OutputStamps.load(cache, '/out').vouches('b', HASH, stat(5_000)), String(count)).toBe(false);
    }
  });

  // Loaded stamps are looked up where they lie in the file; those this build records are objects.
  // Both must vouch for exactly the same things, and save as the same rows.
  it('vouch the same as loaded and as recorded, for every kind of near miss', () => {
    const cache = temp();
    const s = OutputStamps.load(cache, '/out');
    s.record([{ rel: 'u/a.yaml', sha256: HASH, st: stat(5_000) }, { rel: 'u/b.yaml', sha256: OTHER, st: stat(6_000, { ino: 43 }) }, { rel: 'é/c', sha256: HASH, st: stat(7_000) }], NOW_MS);
    s.save();
    const loaded = OutputStamps.load(cache, '/out');
    const changed = OutputStamps.load(cache, '/out');
    changed.record([{ rel: 'u/new.yaml', sha256: HASH, st: stat(5_000) }], NOW_MS);
    const queries: [string, string, StampStat, boolean][] = [
      ['u/a.yaml', HASH, stat(5_000), true],
      ['u/b.yaml', OTHER, stat(6_000, { ino: 43 }), true],
      ['é/c', HASH, stat(7_000), true],
      ['u/b.yaml', OTHER, stat(6_000), false],
      ['u/a.yaml', OTHER, stat(5_000), false],
      ['u/a.yaml', HASH.slice(0, 63), stat(5_000), false],
      ['u/a.yaml', `${HASH}a`, stat(5_000), false],
      ['u/a.yaml', '', stat(5_000), false],
      ['u/a.yaml', HASH, { ...stat(5_000), isFile: () => false }, false],
      ['u/a', HASH, stat(5_000), false],
      ['u/a.yaml\t', HASH, stat(5_000), false],
      ...(['size', 'mtimeMs', 'ctimeMs', 'ino', 'dev'] as const).map((f): [string, string, StampStat, boolean] => ['u/a.yaml', HASH, stat(5_000, { [f]: stat(5_000)[f] + 1 }), false]),
    ];
    for (const [rel, sha, st, want] of queries) {
      expect(s.vouches(rel, sha, st), `recorded: ${rel} ${sha}`).toBe(want);
      expect(loaded.vouches(rel, sha, st), `loaded: ${rel} ${sha}`).toBe(want);
      expect(changed.vouches(rel, sha, st), `loaded, then one recorded: ${rel} ${sha}`).toBe(want);
    }
    expect(changed.vouches('u/new.yaml', HASH, stat(5_000))).toBe(true);
    // Recording what a loaded row already says changes nothing (no save); loaded rows and a recorded stamp save together.
    const same = OutputStamps.load(cache, '/out');
    same.record([{ rel: 'u/a.yaml', sha256: HASH, st: stat(5_000) }], NOW_MS);
    const mixed = OutputStamps.load(cache, '/out');
    mixed.record([{ rel: 'u/new.yaml', sha256: HASH, st: stat(5_000) }], NOW_MS);
    const [name] = readdirSync(join(cache, 'stamps'));
    const before = readFileSync(join(cache, 'stamps', name as string));
    same.save();
    expect(readFileSync(join(cache, 'stamps', name as string))).toEqual(before);
    mixed.save();
    const mixedBack = OutputStamps.load(cache, '/out');
    for (const [rel, sha, st, want] of queries) expect(mixedBack.vouches(rel, sha, st), `saved: ${rel} ${sha}`).toBe(want);
    expect(mixedBack.vouches('u/new.yaml', HASH, stat(5_000))).toBe(true);
    expect(decodeStamps(readFileSync(join(cache, 'stamps', name as string))).rows.map((r) => r[0])).toEqual(['u/a.yaml', 'u/b.yaml', 'é/c', 'u/new.yaml']);
    // Kept all (nothing to write), then one dropped: the file says so.
    loaded.retain(new Set(['u/a.yaml', 'u/b.yaml', 'é/c', 'other']));
    loaded.save();
    expect(OutputStamps.load(cache, '/out').vouches('é/c', HASH, stat(7_000))).toBe(true);
    loaded.retain(new Set(['u/a.yaml', 'u/b.yaml']));
    expect(loaded.vouches('é/c', HASH, stat(7_000))).toBe(false);
    expect(loaded.vouches('u/a.yaml', HASH, stat(5_000))).toBe(true);
    loaded.save();
    const again = OutputStamps.load(cache, '/out');
    expect(again.vouches('é/c', HASH, stat(7_000))).toBe(false);
    expect(again.vouches('u/b.yaml', OTHER, stat(6_000, { ino: 43 }))).toBe(true);
  });

  it('spare compareWithDisk the read of a file they vouch for (and only then)', () => {
    const root = temp();
    writeFileSync(join(root, 'a.txt'), 'abc\n');
    const st = statSync(join(root, 'a.txt'));
    const planned = (contents: string): PlannedFile => ({ path: join(root, 'a.txt'), rel: 'a.txt', contents, size: Buffer.byteLength(contents), sha256: sha256Hex(contents) });
    // A stamp recorded as if the file had held 'xyz\n': the file is then taken to hold it, unread.
    const forged = OutputStamps.load(temp(), root);
    forged.record([{ rel: 'a.txt', sha256: sha256Hex('xyz\n'), st }], st.ctimeMs + 1_000);
    expect(compareWithDisk({ outDir: root, files: [planned('xyz\n')], wantText: false, stamps: forged }).differing).toEqual([]);
    expect(compareWithDisk({ outDir: root, files: [planned('xyz\n')], wantText: false }).differing).toHaveLength(1);
    // Read and found the same: reported for stamping, with the stat taken before the read.
    const fresh = OutputStamps.load(temp(), root);
    const cmp = compareWithDisk({ outDir: root, files: [planned('abc\n')], wantText: false, stamps: fresh });
    expect(cmp.differing).toEqual([]);
    expect(cmp.verified.map((v) => [v.rel, v.sha256, v.st.ino])).toEqual([['a.txt', sha256Hex('abc\n'), st.ino]]);
  });
});

describe('flowc build with output stamps', () => {
  it('stamps every output it wrote with the hash the manifest records, and rewrites an output edited since, even with its times put back', async () => {
    const dir = copyProject();
    const out = join(dir, 'build');
    expect((await runCli(['build', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const good = snapshot(out);
    const stampsDir = join(dir, '.flowc-cache', 'stamps');
    const [file] = readdirSync(stampsDir);
    const stamps = decodeStamps(readFileSync(join(stampsDir, file as string)));
    expect(stamps.out).toBe(out);
    const body = { files: stamps.rows };
    const manifest = JSON.parse(readFileSync(join(out, 'build.manifest.json'), 'utf8')) as { bindings: Record<string, { files: Record<string, string> }> };
    const recorded = Object.assign({}, ...Object.values(manifest.bindings).map((b) => b.files)) as Record<string, string>;
    expect(Object.fromEntries(body.files.map(([rel, sha256]) => [rel, sha256]))).toEqual(recorded);

    // Same size, same modification time: only the change time (which nobody can set back) tells.
    const victim = listFiles(out).find((f) => f !== 'build.manifest.json') as string;
    // `touch -r` copies times to the nanosecond (utimes from Node rounds them).
    const reference = join(temp(), 'reference');
    execFileSync('cp', ['-p', join(out, victim), reference]);
    const before = statSync(join(out, victim), { bigint: true });
    const text = readFileSync(join(out, victim), 'utf8');
    writeFileSync(join(out, victim), text.replace(/.$/s, (c) => (c === 'x' ? 'y' : 'x')));
    execFileSync('touch', ['-r', reference, join(out, victim)]);
    const after = statSync(join(out, victim), { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    const r = await runCli(['build', '--jobs', '1'], { cwd: dir });
    expect(r.stdout).toMatch(/: 1 file written, 0 compiled/);
    expect(snapshot(out)).toEqual(good);
  });

  it('--check never trusts a stamp: a forged one that vouches for an edited output fools a build, not the drift check', async () => {
    const dir = copyProject();
    const out = join(dir, 'build');
    expect((await runCli(['build', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const victim = listFiles(out).find((f) => f !== 'build.manifest.json') as string;
    const text = readFileSync(join(out, victim), 'utf8');
    writeFileSync(join(out, victim), text.replace(/.$/s, (c) => (c === 'x' ? 'y' : 'x')));
    // Whoever can write the cache can forge stamps, as they can forge cache entries (docs/security.md).
    const st = statSync(join(out, victim));
    const stamps = OutputStamps.load(join(dir, '.flowc-cache'), out);
    const manifest = JSON.parse(readFileSync(join(out, 'build.manifest.json'), 'utf8')) as { bindings: Record<string, { files: Record<string, string> }> };
    const sha256 = Object.assign({}, ...Object.values(manifest.bindings).map((b) => b.files))[victim] as string;
    stamps.record([{ rel: victim, sha256, st }], st.ctimeMs + 1_000);
    stamps.save();
    const check = await runCli(['build', '--check', '--jobs', '1'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/1 of 3 bindings out of/);
    const build = await runCli(['build', '--jobs', '1'], { cwd: dir });
    expect(build.stdout).toMatch(/: 0 files written/);
    expect((await runCli(['build', '--jobs', '1', '--no-cache'], { cwd: dir })).stdout).toMatch(/: 1 file written/);
  });
});

describe('output stamps in a hostile cache', () => {
  it('are not written through a link planted at stamps/, nor read from one', () => {
    const cache = temp();
    const elsewhere = temp();
    symlinkSync(elsewhere, join(cache, 'stamps'));
    const s = OutputStamps.load(cache, '/out');
    s.record([{ rel: 'a', sha256: HASH, st: stat(5_000) }], NOW_MS);
    s.save();
    expect(readdirSync(elsewhere)).toEqual([]);
    // A stamps file that is a link is not read either.
    const real = temp();
    const good = OutputStamps.load(real, '/out');
    good.record([{ rel: 'a', sha256: HASH, st: stat(5_000) }], NOW_MS);
    good.save();
    const [name] = readdirSync(join(real, 'stamps'));
    const linked = temp();
    mkdirSync(join(linked, 'stamps'));
    symlinkSync(join(real, 'stamps', name as string), join(linked, 'stamps', name as string));
    expect(OutputStamps.load(real, '/out').vouches('a', HASH, stat(5_000))).toBe(true);
    expect(OutputStamps.load(linked, '/out').vouches('a', HASH, stat(5_000))).toBe(false);
  });
});

describe('restamp after a write', () => {
  const written = (root: string, names: string[]) =>
    names.map((n) => {
      writeFileSync(join(root, n), `${n}\n`);
      return { rel: n, path: join(root, n), sha256: sha256Hex(`${n}\n`) };
    });
  const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const vouched = (stamps: OutputStamps, files: { rel: string; path: string; sha256: string }[]) => files.filter((f) => stamps.vouches(f.rel, f.sha256, statSync(f.path))).map((f) => f.rel);

  it('stamps files changed long enough ago without waiting, and waits, at most the margin and a little slack in all, for those changed just now', async () => {
    const root = temp();
    const old = written(root, ['a', 'b']);
    await pause(120);
    const fresh = written(root, ['c']);
    const waits: number[] = [];
    const stamps = OutputStamps.load(temp(), root);
    await restamp({ stamps, verified: [], verifiedAtMs: 0, written: [...old, ...fresh], current: new Set(['a', 'b', 'c']), sleep: (ms) => (waits.push(ms), pause(ms)) });
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60);
    expect(vouched(stamps, [...old, ...fresh])).toEqual(['a', 'b', 'c']);
    const waited = waits.length;

    const later = OutputStamps.load(temp(), root);
    await restamp({ stamps: later, verified: [], verifiedAtMs: 0, written: old, current: new Set(['a', 'b']), sleep: (ms) => (waits.push(ms), pause(ms)) });
    expect(waits).toHaveLength(waited);
    expect(vouched(later, old)).toEqual(['a', 'b']);
  });

  it('never stamps a file still within the margin when it is stamped, however the wait went (cut short here)', async () => {
    const root = temp();
    const fresh = written(root, ['a', 'b']);
    const stamps = OutputStamps.load(temp(), root);
    await restamp({ stamps, verified: [], verifiedAtMs: 0, written: fresh, current: new Set(['a', 'b']), sleep: async () => {} });
    expect(vouched(stamps, fresh)).toEqual([]);
  });

  it('takes the stat a file had as written when its times are older than the commit by the margin, and looks again at the others', async () => {
    const root = temp();
    const files = written(root, ['a', 'b']);
    const real = statSync(join(root, 'a'));
    // A stat as written that differs from the file's (another inode): the stamp shows which was taken.
    const asWritten = (f: string, ageMs: number) => ({ size: statSync(join(root, f)).size, mtimeMs: real.mtimeMs - ageMs, ctimeMs: real.ctimeMs - ageMs, ino: 999_999, dev: real.dev });
    const committedAtMs = real.ctimeMs + 1;
    // By each file's place in `written`.
    const stats = WrittenStats.empty(files.length);
    [asWritten('a', 60), asWritten('b', 10)].forEach((st, i) => stats.values.set([st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev], i * WRITTEN_STAT_FIELDS));
    const stamps = OutputStamps.load(temp(), root);
    await restamp({ stamps, verified: [], verifiedAtMs: 0, written: files, writtenStats: { stats, committedAtMs }, current: new Set(['a', 'b']), sleep: pause });
    // a, written 61 ms before the commit: its stat as written is the stamp (the real file does not match it).
    expect(stamps.vouches('a', (files[0] as { sha256: string }).sha256, { ...real, isFile: () => true, ino: 999_999, mtimeMs: real.mtimeMs - 60, ctimeMs: real.ctimeMs - 60 })).toBe(true);
    expect(vouched(stamps, files)).toEqual(['b']);
    // b, written within the margin of the commit: looked at again after it, so its stamp is the real stat.
  });

  it('stamps a build into an empty folder from the stats as written, each as an lstat sees it after the commit, and an edit is still seen', async () => {
    const dir = copyProject();
    const out = join(dir, 'build');
    const env = { FLOWC_CACHE_DIR: 'cache' };
    expect((await runCli(['build', '--jobs', '1'], { cwd: dir, env })).code).toBe(0);
    // Warm cache, empty folder: every file is written into a new binding folder.
    rmSync(out, { recursive: true });
    expect((await runCli(['build', '--jobs', '1'], { cwd: dir, env })).stdout).toMatch(/ 0 compiled, 3 from cache/);
    const [file] = readdirSync(join(dir, 'cache', 'stamps'));
    const rows = decodeStamps(readFileSync(join(dir, 'cache', 'stamps', file as string))).rows;
    // Each stamp is exactly what an lstat now gives, for every output but the manifest (which has
    // no hash of its own and is always read): the next build opens none of them.
    expect(rows.map(([rel]) => rel).sort()).toEqual(listFiles(out).filter((f) => f !== 'build.manifest.json').sort());
    for (const [rel, , numbers] of rows) {
      const st = statSync(join(out, rel));
      expect(numbers, rel).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev]);
    }
    const victim = listFiles(out).find((f) => f !== 'build.manifest.json') as string;
    writeFileSync(join(out, victim), 'edited\n');
    const again = await runCli(['build', '--jobs', '1'], { cwd: dir, env });
    expect(again.stdout).toMatch(/: 1 file written, 0 compiled, 3 from cache/);
  });

  it('waits at most the margin for a file whose times are in the future, and does not stamp it', async () => {
    const root = temp();
    const [future] = written(root, ['a']);
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync((future as { path: string }).path, ahead, ahead);
    const waits: number[] = [];
    const stamps = OutputStamps.load(temp(), root);
    await restamp({ stamps, verified: [], verifiedAtMs: 0, written: [future as { rel: string; path: string; sha256: string }], current: new Set(['a']), sleep: (ms) => (waits.push(ms), pause(ms)) });
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60);
    expect(vouched(stamps, [future as { rel: string; path: string; sha256: string }])).toEqual([]);
  });
});
