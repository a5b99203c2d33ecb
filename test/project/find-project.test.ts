import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { copyProject, listFiles } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = copyProject();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const build = ['build', '--target', 'ir', '--jobs', '1'];

describe('finding flowc.yaml', () => {
  it('build -p DIR reads DIR/flowc.yaml', async () => {
    const r = await runCli([...build, '-p', '.'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const viaParent = await runCli([...build, '-p', dir, '--check'], { cwd: join(dir, 'config') });
    expect(viaParent.code).toBe(0);
  });

  it('build without -p finds flowc.yaml in a parent folder', async () => {
    mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
    const r = await runCli(build, { cwd: join(dir, 'sub/deeper') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The project file's out: is relative to the project file, not to the working folder.
    expect(listFiles(join(dir, 'sub'))).toEqual([]);
  });

  it('the search stops at a folder holding .git (FLOWC701 says where it looked)', async () => {
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    mkdirSync(join(dir, 'repo/src'));
    const r = await runCli(build, { cwd: join(dir, 'repo/src') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FLOWC701');
    expect(r.stderr).toContain(`searched up to ${join(dir, 'repo')} (the repository root: it holds .git)`);
  });
});

describe('a project or config file where a flow is expected (FLOWC021)', () => {
  it('flowc validate flowc.yaml says to use build', async () => {
    const r = await runCli(['validate', 'flowc.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error FLOWC021: flowc.yaml is a project file, not a flow');
    expect(r.stderr).toContain('flowc build --check');
  });

  it('a project file under another name is recognized by its bindings:', async () => {
    writeFileSync(join(dir, 'prod.yaml'), 'flowc: 1\nbindings:\n  - name: a\n    flow: content-model.flow.yaml\n');
    const r = await runCli(['compile', 'prod.yaml', '-t', 'ir'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FLOWC021');
    expect(r.stderr).toContain('flowc build -p prod.yaml');
  });

  it('flowc compile config/base.toml says it is a config file', async () => {
    const r = await runCli(['compile', 'config/base.toml', '-t', 'argo'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error FLOWC021: config/base.toml is a config file (TOML), not a flow');
    expect(r.stderr).toContain('--config NAME=config/base.toml');
  });
});
