import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { exportTree, treeBlobs } from '../../src/diff/git-tree.js';
import { runCli } from '../cli/run-cli.js';
import { expectGolden } from '../helpers/golden.js';

const DATA = resolve(import.meta.dirname, 'data/variant');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PROJECT = (flow: string, config: string) => `flowc: 1\ntargets: [argo]\nflow: ${flow}\nbindings:\n  - name: nightly\n    configs:\n      app: ${config}\n`;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A repository of three commits: the project, its config reformatted, then a bigger node and a step added (the work tree is at the last). */
function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-diff-git-'));
  dirs.push(dir);
  cpSync(DATA, dir, { recursive: true, filter: (src) => !src.includes('expected') });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'flowc.yaml'), PROJECT('flow.yaml', 'config/base.toml'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'one');
  writeFileSync(join(dir, 'flowc.yaml'), PROJECT('flow.yaml', 'config/base-reformatted.yaml'));
  git(dir, 'commit', '-qam', 'two: the same values, as YAML');
  writeFileSync(join(dir, 'flowc.yaml'), PROJECT('flow-added.yaml', 'config/bigger.toml'));
  git(dir, 'commit', '-qam', 'three: bigger, and a report step');
  return dir;
}

describe('flowc diff --base', () => {
  it('compares the project at a revision with the work tree, per binding and step, and leaves the work tree and index alone', async () => {
    const dir = repository();
    const index = statSync(join(dir, '.git', 'index')).mtimeMs;
    const indexBytes = readFileSync(join(dir, '.git', 'index'));
    const r = await runCli(['-q', 'diff', '--base', 'HEAD~1'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/^--- HEAD~1 \([0-9a-f]{12}\)$/m, '--- HEAD~1 (COMMIT)');
    expectGolden(join(DATA, 'expected', 'base.txt'), text);
    expect(text).toContain('binding nightly\n');
    expect(text).toContain('    resources.cpu: 4 -> 16  <- app.train.cpu (config/bigger.toml:8:7)\n');
    expect(text).toContain('  step report: added\n');
    // Before any git command of the test's own: `git status` itself refreshes the index.
    expect(statSync(join(dir, '.git', 'index')).mtimeMs).toBe(index);
    expect(readFileSync(join(dir, '.git', 'index'))).toEqual(indexBytes);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('a config rewritten from TOML to YAML with the same values is an empty diff (exit 0 with --exit-code)', async () => {
    const dir = repository();
    git(dir, 'reset', '-q', '--hard', 'HEAD~1');
    const r = await runCli(['-q', 'diff', '--base', 'HEAD~1', '--exit-code'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('uncommitted changes in the work tree are what is compared; --exit-code exits 1 on a change', async () => {
    const dir = repository();
    writeFileSync(join(dir, 'config', 'bigger.toml'), readFileSync(join(dir, 'config', 'bigger.toml'), 'utf8').replace('cpu = 16', 'cpu = 32'));
    const r = await runCli(['-q', 'diff', '--base', 'HEAD', '--exit-code', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, units: [{ unit: 'nightly', config: [{ key: 'app.train.cpu', before: 16, after: 32, at: 'config/bigger.toml:8:7' }] }] });
  });

  it('FLOWC044: a revision that is not a commit', async () => {
    const dir = repository();
    const r = await runCli(['diff', '--base', 'no-such-branch', '--diagnostics', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ diagnostics: [{ code: 'FLOWC044', message: '--base "no-such-branch" is not a commit in this repository' }] });
  });

  it('FLOWC043: a project outside any git repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-diff-nogit-'));
    dirs.push(dir);
    cpSync(DATA, dir, { recursive: true });
    writeFileSync(join(dir, 'flowc.yaml'), PROJECT('flow.yaml', 'config/base.toml'));
    const r = await runCli(['diff', '--base', 'HEAD'], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: tmpdir() } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error FLOWC043: --base needs a git repository');
  });

  it('FLOWC046 (a warning): at a revision without the project file, every binding is added', async () => {
    const dir = repository();
    git(dir, 'rm', '-q', '--cached', 'flowc.yaml');
    git(dir, 'commit', '-qm', 'no project');
    const r = await runCli(['diff', '--base', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning FLOWC046: there is no HEAD:flowc.yaml: every binding is shown as added');
    expect(r.stdout).toContain('binding nightly: added\n');
  });

  it('FLOWC046: a binding that does not compile at the revision is quoted at REV:path:line:col', async () => {
    const dir = repository();
    writeFileSync(join(dir, 'config', 'bigger.toml'), 'cpu = \n');
    git(dir, 'commit', '-qam', 'broken');
    git(dir, 'checkout', '-q', 'HEAD~1', '--', 'config/bigger.toml');
    const r = await runCli(['diff', '--base', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning FLOWC046: binding 'nightly' does not compile at HEAD: it is shown as added");
    expect(r.stderr).toContain('HEAD:config/bigger.toml:1:');
  });

  it('FLOWC045: a revision whose project folder holds more files than the limit', () => {
    const dir = repository();
    const diagnostics = new DiagnosticBag();
    expect(exportTree({ dir, rev: 'HEAD', diagnostics, limits: { files: 3, bytes: 1 << 20 } })).toBeUndefined();
    expect(diagnostics.items).toMatchObject([{ code: 'FLOWC045' }]);
    const bytes = new DiagnosticBag();
    expect(exportTree({ dir, rev: 'HEAD', diagnostics: bytes, limits: { files: 100, bytes: 10 } })).toBeUndefined();
    expect(bytes.items).toMatchObject([{ code: 'FLOWC045' }]);
  });
});

describe('what is copied out of git', () => {
  it('only regular files below the project folder, with no absolute or .. path; links and submodules are skipped', () => {
    const oid = 'a'.repeat(40);
    const entries = [
      `100644 blob ${oid}\tproj/flowc.yaml`,
      `100755 blob ${oid}\tproj/run.sh`,
      `120000 blob ${oid}\tproj/link.toml`,
      `160000 commit ${oid}\tproj/sub`,
      `100644 blob ${oid}\tproj/../escape.toml`,
      `100644 blob ${oid}\t/abs.toml`,
      `100644 blob ${oid}\tproj//double.toml`,
      `100644 blob ${oid}\tother/flowc.yaml`,
      `100644 blob ${oid}\tproj/a\\..\\b.toml`,
    ];
    expect(treeBlobs(`${entries.join('\0')}\0`, 'proj').map((b) => b.path)).toEqual(['proj/flowc.yaml', 'proj/run.sh']);
  });
});
