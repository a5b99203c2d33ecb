import { deadPid } from '../project/sandbox.js';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { listFiles, PROJECT, snapshot, tempFolders } from '../project/helpers.js';
import { guardSandbox } from '../project/sandbox.js';
import { runCli } from './run-cli.js';
import { writeFilesTransactionally } from '../../src/cli/write-files.js';

// File system faults on demand: the Nth rename onto a real output path (not onto a temporary or
// backup name) fails, and so can the Nth temporary file write.
const faults = vi.hoisted(() => ({ failRenames: new Set<number>(), renames: 0, failTempWrites: new Set<number>(), tempWrites: 0, failStagedWrites: new Set<number>(), stagedWrites: 0, failUnlink: undefined as RegExp | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const ioError = (syscall: string, path: string) => Object.assign(new Error(`EIO: i/o error, ${syscall} '${path}'`), { code: 'EIO', syscall, path });
  const renameSync: typeof actual.renameSync = (from, to) => {
    if (!/\.(tmp|bak)$/.test(String(to)) && faults.failRenames.has(++faults.renames)) throw ioError('rename', String(to));
    return actual.renameSync(from, to);
  };
  const writeFileSync = ((path: Parameters<typeof actual.writeFileSync>[0], ...rest: unknown[]) => {
    if (/\.tmp$/.test(String(path)) && faults.failTempWrites.has(++faults.tempWrites)) throw ioError('open', String(path));
    return (actual.writeFileSync as (...a: unknown[]) => void)(path, ...rest);
  }) as typeof actual.writeFileSync;
  // A file written inside a new folder staged whole (`.flowc-<pid>-<id>.dir/...`, write-new-file.ts).
  const openSync = ((path: Parameters<typeof actual.openSync>[0], ...rest: unknown[]) => {
    if (/\.dir\//.test(String(path)) && faults.failStagedWrites.has(++faults.stagedWrites)) throw ioError('open', String(path));
    return (actual.openSync as (...a: unknown[]) => number)(path, ...rest);
  }) as typeof actual.openSync;
  const unlinkSync: typeof actual.unlinkSync = (path) => {
    if (faults.failUnlink?.test(String(path))) throw ioError('unlink', String(path));
    return actual.unlinkSync(path);
  };
  return { ...actual, renameSync, writeFileSync, openSync, unlinkSync, default: { ...actual, renameSync, writeFileSync, openSync, unlinkSync } };
});

/** Fail these renames (counted from now) onto output paths. */
function failRenames(...n: number[]): void {
  faults.renames = 0;
  for (const i of n) faults.failRenames.add(i);
}

afterEach(() => {
  faults.failRenames.clear();
  faults.failTempWrites.clear();
  faults.renames = 0;
  faults.tempWrites = 0;
  faults.failStagedWrites.clear();
  faults.stagedWrites = 0;
  faults.failUnlink = undefined;
});

const { temp, project } = tempFolders();
const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml'];
// ir and argo: three files in out/, all of which change with the cpu override.
const compile = (work: string, ...extra: string[]) => runCli(['compile', ...ml, '--target', 'ir,argo', '--out', 'out', ...extra], { cwd: work });

function work(): { root: string; work: string } {
  const root = temp();
  const w = join(root, 'work');
  cpSync(join(FIXTURES, 'ml-training'), join(w, 'ml'), { recursive: true });
  return { root, work: w };
}

const temps = (dir: string) => readdirSync(dir).filter((n) => /\.(tmp|bak|dir)$/.test(n));

describe('writes are all-or-nothing', () => {
  it('a rename that fails mid-commit rolls back the renames already done; the message is true and no temporary file stays', async () => {
    const box = work();
    expect((await compile(box.work)).code).toBe(0);
    const before = snapshot(join(box.work, 'out'));
    const guard = guardSandbox(box.root, [join(box.work, 'out')]);
    failRenames(2);
    const r = await compile(box.work, '--set', 'app.train.cpu=6');
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC004: cannot write out\/[\w.-]+: EIO; no file was changed$/m);
    expect(snapshot(join(box.work, 'out'))).toEqual(before);
    expect(temps(join(box.work, 'out'))).toEqual([]);
  });

  it('when the rollback itself fails, FLOWC015 names the files left changed and where their previous version is', async () => {
    const box = work();
    expect((await compile(box.work)).code).toBe(0);
    const before = snapshot(join(box.work, 'out'));
    // Renames 1 and 2 commit, 3 fails; the rollback's first rename (undoing 2) fails too.
    failRenames(3, 4);
    const r = await compile(box.work, '--set', 'app.train.cpu=6');
    expect(r.code).toBe(1);
    const m = /^flowc: error FLOWC015: cannot write out\/[\w.-]+: EIO; the files already replaced were rolled back except 1, which now hold the new version\n {2}note: changed: (out\/[\w.-]+) \(its previous version is kept in (out\/\.flowc-\d+-[0-9a-f]{12}\.bak)\)$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [, changed, backup] = m as unknown as [string, string, string];
    expect(readFileSync(join(box.work, backup), 'utf8')).toBe(before[basename(changed)]);
    expect(readFileSync(join(box.work, changed), 'utf8')).not.toBe(before[basename(changed)]);
    // Everything else is as it was; the only extra file is the backup the message names.
    const after = snapshot(join(box.work, 'out'));
    for (const [name, text] of Object.entries(before)) if (name !== basename(changed)) expect(after[name]).toBe(text);
    expect(temps(join(box.work, 'out'))).toEqual([basename(backup)]);
  });

  it('a failed temporary write removes the other temporary files and the folders it created', async () => {
    const box = work();
    faults.failTempWrites.add(2);
    const r = await compile(box.work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC004: cannot write out\/[\w.-]+: EIO; no file was changed$/m);
    expect(existsSync(join(box.work, 'out'))).toBe(false);
  });

  it('installs its SIGINT/SIGTERM handlers only around the write', async () => {
    const box = work();
    const counts = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = counts();
    expect((await compile(box.work)).code).toBe(0);
    expect(counts()).toEqual(before);
  });
});

// A build into an empty output folder stages each binding's folder whole, beside it, and commits
// it with one rename (write-files.ts, FreshFolder).
describe('new folders staged whole', () => {
  function projectBox(): { root: string; dir: string; out: string } {
    const root = temp();
    const dir = join(root, 'project');
    cpSync(PROJECT, dir, { recursive: true, filter: (src) => !src.includes('/expected') && !src.includes('.flowc-cache') });
    return { root, dir, out: join(dir, 'build') };
  }
  const build = (dir: string, ...extra: string[]) => runCli(['build', '--target', 'ir,argo', '--jobs', '1', '--no-cache', ...extra], { cwd: dir });

  it('are committed by one rename each, with nothing left beside them', async () => {
    const box = projectBox();
    failRenames();
    const r = await build(box.dir);
    expect(r.code, r.stderr).toBe(0);
    // Three binding folders and the manifest: four renames for ten files.
    expect(faults.renames).toBe(4);
    expect(listFiles(box.out)).toHaveLength(9 + 1);
    expect(temps(box.out)).toEqual([]);
  });

  it('a failed commit removes the folders already committed, and the output folder made for them: no file was changed', async () => {
    const box = projectBox();
    const guard = guardSandbox(box.root, [box.out]);
    failRenames(2);
    const r = await build(box.dir);
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC004: cannot write build\/content-ctr\/[\w.-]+: EIO; no file was changed$/m);
    expect(existsSync(box.out)).toBe(false);
  });

  it('a failed write inside a staged folder removes it, the other staged folders and the folders made for them', async () => {
    const box = projectBox();
    mkdirSync(box.out);
    writeFileSync(join(box.out, 'keep.txt'), 'not flowc\n');
    faults.failStagedWrites.add(5);
    const r = await build(box.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC004: cannot write build\/content-\w+\/[\w.-]+: EIO; no file was changed$/m);
    expect(readdirSync(box.out)).toEqual(['keep.txt']);
  });

  it('a failed commit removes a committed folder with all of its files, also those listed after the failure', async () => {
    const root = temp();
    failRenames(2);
    const outcome = await writeFilesTransactionally({
      root,
      files: [
        { rel: 'a/x.yaml', contents: '1\n' },
        { rel: 'b/y.yaml', contents: '2\n' },
        { rel: 'a/sub/z.yaml', contents: '3\n' },
      ],
    });
    // The rename that failed is b's folder's (named by its first file).
    expect(outcome).toEqual({ status: 'failed', rel: 'b/y.yaml', error: 'EIO', changed: [] });
    expect(readdirSync(root)).toEqual([]);
  });

  it('of a killed run are removed by the next one, only when that run is gone and only real folders', async () => {
    const box = projectBox();
    expect((await build(box.dir)).code).toBe(0);
    const dead = deadPid();
    const stale = `.flowc-${dead}-0123456789ab.dir`;
    const live = `.flowc-${process.pid}-0123456789ab.dir`;
    const link = `.flowc-${dead}-bbbbbbbbbbbb.dir`;
    mkdirSync(join(box.out, stale, 'sub'), { recursive: true });
    writeFileSync(join(box.out, stale, 'sub', 'half.yaml'), 'debris\n');
    mkdirSync(join(box.root, 'outside'));
    writeFileSync(join(box.root, 'outside', 'precious.txt'), 'precious\n');
    // A link to a folder outside, inside the stale folder and named like one: never followed.
    symlinkSync(join(box.root, 'outside'), join(box.out, stale, 'escape'));
    symlinkSync(join(box.root, 'outside'), join(box.out, link));
    mkdirSync(join(box.out, live));
    const guard = guardSandbox(box.root, [box.out]);
    // Nothing changes: the debris goes all the same.
    const again = await build(box.dir);
    expect(again.code, again.stderr).toBe(0);
    guard.expectUnchangedOutside();
    expect(temps(box.out).sort()).toEqual([link, live].sort());
    expect(readFileSync(join(box.root, 'outside', 'precious.txt'), 'utf8')).toBe('precious\n');
  });
});

describe('temporary files of a killed run', () => {
  it('are removed by the next run: only flowc-named regular files of dead processes, only in the folders written to', async () => {
    const box = work();
    expect((await compile(box.work)).code).toBe(0);
    const dead = deadPid();
    const out = join(box.work, 'out');
    const stale = `.flowc-${dead}-0123456789ab.tmp`;
    const staleBackup = `.flowc-${dead}-0123456789ab.bak`;
    const live = `.flowc-${process.pid}-0123456789ab.tmp`;
    const notOurs = `.content-model.ir.json.${dead}.tmp`;
    const linkNamedLikeOurs = `.flowc-${dead}-bbbbbbbbbbbb.tmp`;
    for (const name of [stale, staleBackup, live, notOurs]) writeFileSync(join(out, name), 'debris\n');
    symlinkSync(join(box.work, 'ml', 'flow.yaml'), join(out, linkNamedLikeOurs));
    mkdirSync(join(box.work, 'elsewhere'));
    writeFileSync(join(box.work, 'elsewhere', stale), 'not in the output folder\n');
    const guard = guardSandbox(box.root, [out]);
    expect((await compile(box.work, '--set', 'app.train.cpu=6')).code).toBe(0);
    guard.expectUnchangedOutside();
    const left = readdirSync(out).filter((n) => n.startsWith('.'));
    expect(left.sort()).toEqual([live, notOurs, linkNamedLikeOurs].sort());
    expect(lstatSync(join(out, linkNamedLikeOurs)).isSymbolicLink()).toBe(true);
    expect(existsSync(join(box.work, 'elsewhere', stale))).toBe(true);
    expect(sep).toBe('/');
  });
});

describe('build --prune when a stale file cannot be deleted', () => {
  it('keeps it and says so (FLOWC717), deleting the others', async () => {
    const dir = project();
    const serial = ['build', '--target', 'ir', '--jobs', '1', '--no-cache'];
    expect((await runCli(serial, { cwd: dir })).code).toBe(0);
    const yaml = readFileSync(join(dir, 'flowc.yaml'), 'utf8');
    writeFileSync(join(dir, 'flowc.yaml'), yaml.slice(0, yaml.indexOf('  - name: content-retention')));
    faults.failUnlink = /content-retention\.ir\.json$/;
    const r = await runCli([...serial, '--prune'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^flowc: warning FLOWC717: build\/content-retention\/content-retention\.ir\.json is listed as a stale output but is a file flowc could not delete \(EIO\); --prune deletes only regular files in real folders, so it was left in place/m);
    expect(r.stdout).toContain('removed build/content-retention/content-retention.config.lock.json\n');
    expect(existsSync(join(dir, 'build/content-retention/content-retention.ir.json'))).toBe(true);
  });
});
