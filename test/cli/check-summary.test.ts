import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/cli/diff.js';
import { copyProject } from '../project/helpers.js';
import { runCli } from './run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The fixture project built for argo, then one binding's epochs changed in flowc.yaml. */
async function changedProject(): Promise<string> {
  const dir = copyProject();
  dirs.push(dir);
  expect((await runCli(['build', '--target', 'argo', '--jobs', '1'], { cwd: dir })).code).toBe(0);
  const file = join(dir, 'flowc.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('app.train.epochs=20', 'app.train.epochs=25'));
  return dir;
}

describe('build --check for CI', () => {
  it('prints a summary first: the bindings and files changed and the config keys that changed them, no diff off a terminal', async () => {
    const dir = await changedProject();
    const r = await runCli(['build', '--target', 'argo', '--check', '--jobs', '1'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'flowc --check: 1 of 3 bindings out of date (3 files differ)',
        '  content-retention: content-retention.argo.yaml, content-retention.config.lock.json differ',
        '    config app.train.epochs: 20 -> 25 (--set app.train.epochs=25 at flowc.yaml:18:11)',
        '  build.manifest.json differs',
        '',
      ].join('\n'),
    );
  });

  it('--diff adds the diff; one changed number is a few short lines, not a long FLOWC_CONFIG line per step', async () => {
    const dir = await changedProject();
    const r = await runCli(['build', '--target', 'argo', '--check', '--diff', '--jobs', '1'], { cwd: dir });
    expect(r.code).toBe(1);
    const argo = r.stdout.slice(r.stdout.indexOf('--- build/content-retention/content-retention.argo.yaml'), r.stdout.indexOf('--- build/content-retention/content-retention.config.lock.json'));
    expect(argo).toContain("-            value: '{… app.train.epochs: 20 …}'");
    expect(argo).toContain("+            value: '{… app.train.epochs: 25 …}'");
    expect(argo).toMatch(/^~ the same change again in \d+ more places/m);
    expect(Math.max(...argo.split('\n').map((l) => l.length))).toBeLessThan(160);
    expect(argo.split('\n').length).toBeLessThan(60);
  });
});

describe('the --check diff', () => {
  it('shows a long changed non-JSON line as its changed window', () => {
    const old = `x: ${'a'.repeat(300)}1${'b'.repeat(300)}\n`;
    const d = unifiedDiff({ oldText: old, newText: old.replace('1', '2'), oldName: 'o', newName: 'n' });
    expect(d).toContain(`-…${'a'.repeat(30)}1${'b'.repeat(30)}…`);
    expect(d).toContain(`+…${'a'.repeat(30)}2${'b'.repeat(30)}…`);
  });
});
