import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { copyProject } from '../project/helpers.js';
import { runCli } from './run-cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-machine-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
  cpSync(join(FIXTURES, 'errors', 'cycle'), join(work, 'cycle'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml'];

describe('config --explain --format json', () => {
  it('prints values and provenance per config, as the lockfile does', async () => {
    const r = await runCli(['config', ...ml, '--set', 'app.train.epochs=3', '--explain', '--format', 'json'], { cwd: work });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.configs.app.values.train.cpu).toBe(8);
    const cpu = doc.configs.app.provenance.find((p: { path: string }) => p.path === 'train.cpu');
    expect(cpu.origin).toEqual({ kind: 'file', file: 'ml/config/ctr.toml', line: 7, col: 7 });
    expect(cpu.overrode[0].origin).toMatchObject({ file: 'ml/config/base.toml' });
    const epochs = doc.configs.app.provenance.find((p: { path: string }) => p.path === 'train.epochs');
    expect(epochs.origin).toEqual({ kind: 'set', arg: 'app.train.epochs=3' });
  });
});

describe('where --diagnostics json goes', () => {
  const doc = (text: string) => JSON.parse(text) as { diagnostics: { code: string }[] };

  it('validate: on stdout, one document, also when there is nothing to report', async () => {
    const bad = await runCli(['validate', 'cycle/flow.yaml', '--diagnostics', 'json'], { cwd: work });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('');
    expect(doc(bad.stdout).diagnostics.map((d) => d.code)).toContain('FLOWC302');
    const good = await runCli(['-q', 'validate', ...ml, '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(good.code).toBe(0);
    expect(doc(good.stdout).diagnostics).toEqual([]);
  });

  it('compile without --out: on stderr, because stdout carries the artifact', async () => {
    const r = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.stdout).toBe('');
    expect(doc(r.stderr).diagnostics.map((d) => d.code)).toContain('FLOWC302');
    const ok = await runCli(['compile', ...ml, '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(JSON.parse(ok.stdout).flow.name).toBe('content-model');
  });

  it('compile --out and -o: on stdout', async () => {
    const out = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir', '--out', 'o', '--diagnostics', 'json'], { cwd: work });
    expect(doc(out.stdout).diagnostics.map((d) => d.code)).toContain('FLOWC302');
    const file = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir', '-o', 'o.json', '--diagnostics=json'], { cwd: work });
    expect(doc(file.stdout).diagnostics.map((d) => d.code)).toContain('FLOWC302');
  });

  it('usage errors follow the same rule', async () => {
    const v = await runCli(['validate', '--diagnostics', 'json'], { cwd: work });
    expect(v.code).toBe(2);
    expect(doc(v.stdout).diagnostics[0]?.code).toBe('FLOWC010');
    const c = await runCli(['compile', ...ml, '--traget', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(c.stdout).toBe('');
    expect(doc(c.stderr).diagnostics[0]?.code).toBe('FLOWC009');
  });

  it('build --check: stdout is the JSON document alone; the summary goes to stderr', async () => {
    const dir = copyProject();
    try {
      expect((await runCli(['build', '--target', 'ir', '--jobs', '1'], { cwd: dir })).code).toBe(0);
      const f = join(dir, 'flowc.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('app.train.epochs=20', 'app.train.epochs=25'));
      const r = await runCli(['build', '--target', 'ir', '--jobs', '1', '--check', '--diagnostics', 'json'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(doc(r.stdout).diagnostics).toEqual([]);
      expect(r.stderr).toContain('config app.train.epochs: 20 -> 25');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
