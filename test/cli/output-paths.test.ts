import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relPathProblem } from '../../src/project/output-paths.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { tempFolders } from '../project/helpers.js';
import { guardSandbox } from '../project/sandbox.js';
import { runCli } from './run-cli.js';

const { temp } = tempFolders();
const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml'];
const expectedIr = readFileSync(join(FIXTURES, 'ml-training/expected/content-model.ir.json'), 'utf8');

/** `<root>/work` (the ml-training fixture as `ml/`, the working folder) beside `<root>/outside/victim.txt`. */
function sandbox() {
  const root = temp();
  const work = join(root, 'work');
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'victim.txt'), 'precious\n');
  return { root, work, victim: join(root, 'outside', 'victim.txt') };
}

/** Names flowc's (or an older flowc's) temporary files would have. */
const isTemp = (name: string) => /\.(tmp|bak)$/.test(name);

describe('relative output paths from untrusted text', () => {
  it.each([
    ['a/b.json', undefined],
    ['../x', 'climbs out of the output folder with ..'],
    ['a/../../x', 'climbs out of the output folder with ..'],
    ['/etc/passwd', 'is absolute'],
    ['C:/x', 'is absolute'],
    ['a\\..\\x', 'contains a backslash'],
    ['a//b', 'is not normalized (empty or . segment)'],
    ['a/./b', 'is not normalized (empty or . segment)'],
    ['a/', 'is not normalized (empty or . segment)'],
    ['', 'is not a non-empty string'],
    ['a\u0000b', 'contains a NUL character'],
    ['a\u001b[2Jb', 'contains a control character'],
  ])('%j: %s', (rel, problem) => {
    expect(relPathProblem(rel)).toBe(problem);
  });
});

describe('compile -o FILE never replaces a link, folder or special file', () => {
  it('refuses a symbolic link that points outside the folder (FLOWC013); the link and its target stay', async () => {
    const box = sandbox();
    symlinkSync(box.victim, join(box.work, 'out.json'));
    const guard = guardSandbox(box.root, []);
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'out.json'], { cwd: box.work });
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\.json is a symbolic link \(to ".*\/outside\/victim\.txt"\), leading to a regular file; flowc neither replaces nor writes through it, so nothing was written$/m);
    expect(lstatSync(join(box.work, 'out.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(box.victim, 'utf8')).toBe('precious\n');
  });

  it('refuses a folder (FLOWC013) and leaves no temporary file behind', async () => {
    const box = sandbox();
    mkdirSync(join(box.work, 'out.json'));
    const guard = guardSandbox(box.root, []);
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'out.json'], { cwd: box.work });
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\.json is a folder; flowc neither replaces nor writes through it/m);
    expect(readdirSync(box.work).filter(isTemp)).toEqual([]);
  });

  it('writes through a FIFO given to -o (as `cat > fifo` would) without replacing it', async () => {
    const box = sandbox();
    const fifo = join(box.work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    reader.stdout.on('data', (d) => (got += String(d)));
    const closed = new Promise((done) => reader.on('close', done));
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'pipe'], { cwd: box.work });
    await closed;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(got).toBe(expectedIr);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes through a link to a character device (/dev/null) and keeps the link', async () => {
    const box = sandbox();
    symlinkSync('/dev/null', join(box.work, 'null.json'));
    const guard = guardSandbox(box.root, []);
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'null.json'], { cwd: box.work });
    guard.expectUnchangedOutside();
    expect(r.code).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('-o /dev/stdout prints the artifact on standard output', async () => {
    const box = sandbox();
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', '/dev/stdout'], { cwd: box.work });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expectedIr);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });

  it('replaces a regular file, atomically, leaving no temporary file', async () => {
    const box = sandbox();
    writeFileSync(join(box.work, 'out.json'), 'old\n');
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'out.json'], { cwd: box.work });
    expect(r.code).toBe(0);
    expect(readFileSync(join(box.work, 'out.json'), 'utf8')).toBe(expectedIr);
    expect(readdirSync(box.work).filter(isTemp)).toEqual([]);
  });
});

describe('compile --out DIR with something other than a regular file at an artifact path', () => {
  it('refuses a link to a file outside (FLOWC013), writing nothing: not even the other artifact', async () => {
    const box = sandbox();
    mkdirSync(join(box.work, 'out'));
    symlinkSync(box.victim, join(box.work, 'out', 'content-model.ir.json'));
    const guard = guardSandbox(box.root, []);
    const r = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out'], { cwd: box.work });
    guard.expectUnchangedOutside();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\/content-model\.ir\.json is a symbolic link \(to ".*victim\.txt"\); flowc neither replaces nor writes through it, so nothing was written$/m);
    expect(existsSync(join(box.work, 'out', 'content-model.config.lock.json'))).toBe(false);
  });

  it('--check reports a folder at an artifact path as FLOWC013, exit 1 (not a crash)', async () => {
    const box = sandbox();
    mkdirSync(join(box.work, 'out', 'content-model.ir.json'), { recursive: true });
    const r = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out', '--check'], { cwd: box.work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\/content-model\.ir\.json is a folder; flowc neither replaces nor writes through it/m);
    expect(r.stdout).toBe('missing: out/content-model.config.lock.json\nmissing: out/compile.manifest.json\n');
  });

  it('--check reports a FIFO and a link to /dev/zero as FLOWC013 without opening them', async () => {
    const box = sandbox();
    mkdirSync(join(box.work, 'out'));
    execFileSync('mkfifo', [join(box.work, 'out', 'content-model.ir.json')]);
    symlinkSync('/dev/zero', join(box.work, 'out', 'content-model.config.lock.json'));
    const r = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out', '--check'], { cwd: box.work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\/content-model\.ir\.json is a FIFO \(named pipe\)/m);
    expect(r.stderr).toMatch(/^flowc: error FLOWC013: out\/content-model\.config\.lock\.json is a symbolic link \(to "\/dev\/zero"\)/m);
  });
});
