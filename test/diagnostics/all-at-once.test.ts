import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-once-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('one problem, one diagnostic', () => {
  it('a missing defaults.image is one FLOWC315 naming the steps, not one per step', async () => {
    const f = join(work, 'ml/flow.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^ {2}image: \$\{app\.image\}\n/m, ''));
    const r = await runCli(['validate', 'ml/flow.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout).diagnostics as { code: string; line: number; message: string; notes: string[] }[];
    expect(ds.map((d) => d.code)).toEqual(['FLOWC315']);
    expect(ds[0]?.message).toBe('5 steps have no image and defaults has none: set defaults.image (or image on each step)');
    expect(ds[0]?.notes).toHaveLength(4);
    expect(ds[0]?.notes[0]).toMatch(/^step 'featurize' at flow\.yaml:\d+:3 has none either$/);
  });
});

describe('independent problems in one run', () => {
  it('an unknown field does not hide a missing config file, nor a bad ${app.x}', async () => {
    const f = join(work, 'ml/flow.yaml');
    const text = readFileSync(f, 'utf8').replace(/^description:/m, 'descripton:');
    writeFileSync(join(work, 'ml/a.yaml'), text.replace('files: [config/base.toml]', 'files: [config/bse.toml]'));
    writeFileSync(join(work, 'ml/b.yaml'), text.replace('EPOCHS: "${app.train.epochs}"', 'EPOCHS: "${app.train.epoch}"'));
    const codes = async (file: string) => {
      const r = await runCli(['validate', file, '--target', 'ir', '--config', 'app=ml/config/ctr.toml', '--diagnostics', 'json'], { cwd: work });
      expect(r.code).toBe(1);
      return (JSON.parse(r.stdout).diagnostics as { code: string; line: number }[]).map((d) => `${d.code}@${d.line}`);
    };
    expect(await codes('ml/a.yaml')).toEqual(['FLOWC201@4', 'FLOWC401@7']);
    expect(await codes('ml/b.yaml')).toEqual(['FLOWC201@4', 'FLOWC503@47']);
  });

  it('a missing config file does not hide the references that do not read it: a typo, a missing file and a bad ${params.x} in one run', async () => {
    const f = join(work, 'ml/flow.yaml');
    const text = readFileSync(f, 'utf8').replace(/^description:/m, 'descripton:').replace('files: [config/base.toml]', 'files: [config/bse.toml]').replace('--alpha, "${params.alpha}"', '--alpha, "${params.alpah}"');
    writeFileSync(join(work, 'ml/d.yaml'), text);
    const badRef = text.split('\n').findIndex((l) => l.includes('${params.alpah}')) + 1;
    const r = await runCli(['validate', 'ml/d.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout).diagnostics as { code: string; line: number; notes: string[] }[];
    expect(ds.map((d) => `${d.code}@${d.line}`)).toEqual(['FLOWC201@4', 'FLOWC401@7', `FLOWC504@${badRef}`]);
    // References into the config that failed (${app.*}) are not guessed at: no FLOWC502/503 for them.
  });
});

describe('continuing after an unknown field', () => {
  it('does not when the unknown field stands for a required one (a misspelt name:)', async () => {
    const f = join(work, 'ml/flow.yaml');
    writeFileSync(join(work, 'ml/c.yaml'), readFileSync(f, 'utf8').replace(/^name:/m, '${name:'));
    const r = await runCli(['validate', 'ml/c.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout).diagnostics as { code: string }[]).map((d) => d.code)).toEqual(['FLOWC201']);
  });

  it('does when the unknown field is nested in a step: a misspelt timeout: and a bad ${app.x} in one run', async () => {
    const f = join(work, 'ml/flow.yaml');
    const text = readFileSync(f, 'utf8').replace('    timeout: 2h30m', '    timeot: 2h30m').replace('EPOCHS: "${app.train.epochs}"', 'EPOCHS: "${app.train.epoch}"');
    writeFileSync(join(work, 'ml/d.yaml'), text);
    const r = await runCli(['validate', 'ml/d.yaml', '--target', 'ir', '--config', 'app=ml/config/ctr.toml', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout).diagnostics as { code: string; line: number; notes?: string[] }[];
    const typo = text.split('\n').findIndex((l) => l.includes('timeot:')) + 1;
    const badRef = text.split('\n').findIndex((l) => l.includes('${app.train.epoch}')) + 1;
    expect(ds.map((d) => `${d.code}@${d.line}`)).toEqual([`FLOWC201@${typo}`, `FLOWC503@${badRef}`]);
    expect(ds[0]?.notes).toContain("did you mean 'timeout'?");
  });

  it('does not when a nested unknown field stands for a required one (a retry without its limit:)', async () => {
    const f = join(work, 'ml/flow.yaml');
    writeFileSync(join(work, 'ml/e.yaml'), readFileSync(f, 'utf8').replace('retry: { limit: "${app.retries}",', 'retry: { limt: "${app.retries}",'));
    const r = await runCli(['validate', 'ml/e.yaml', '--target', 'ir', '--config', 'app=ml/config/ctr.toml', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout).diagnostics as { code: string }[]).map((d) => d.code)).toEqual(['FLOWC201']);
  });
});
