import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { PROJECT, tempFolders } from './helpers.js';

const { temp, track } = tempFolders();
const serial = ['--jobs', '1', '--no-cache'];
const NAMES = Array.from({ length: 7 }, (_, i) => `variant-${String(i).padStart(4, '0')}`);

/**
 * The benchmark's project in small (s7-bench.mjs: bindings of the fixture flow), for Step
 * Functions only: the fixture pins job definition revision 'content-model:7', so every binding
 * warns FLOWC628 naming its own `<binding>.batch.json`.
 */
function project(): string {
  const dir = temp();
  cpSync(join(PROJECT, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(PROJECT, 'content-model.flow.yaml'), join(dir, 'content-model.flow.yaml'));
  const bindings = NAMES.map((name, i) => ({ name, set: [`app.train.epochs=${1 + i}`] }));
  writeFileSync(join(dir, 'flowc.yaml'), JSON.stringify({ flowc: 1, targets: ['stepfunctions'], flow: 'content-model.flow.yaml', bindings }, null, 2));
  return dir;
}

const FLOWC628 = /^content-model\.flow\.yaml:1:1: warning FLOWC628: .* to (.*)\.batch\.json and submits to its latest revision$/gm;

describe('flowc build: one problem of many bindings is printed once', () => {
  it('text: once, with <binding> for the name and the bindings named; the count line as before, plus how many are distinct', async () => {
    const dir = project();
    const r = await runCli(['build', '--out', 'o', ...serial], { cwd: dir });
    expect(r.code).toBe(0);
    expect([...r.stderr.matchAll(FLOWC628)].map((m) => m[1])).toEqual(['<binding>']);
    expect(r.stderr).toContain("\n  note: in 7 bindings: 'variant-0000', 'variant-0001', 'variant-0002', 'variant-0003', 'variant-0004' and 2 more\n  note: <binding> above is each binding's own name\n");
    expect(r.stderr.endsWith('\n7 warnings (1 distinct)\n')).toBe(true);
  });

  it('the same text on the worker pool as on one thread (the order is the bindings\' order)', async () => {
    const dir = project();
    const one = await runCli(['build', '--out', 'o1', ...serial], { cwd: dir });
    const two = await runCli(['build', '--out', 'o2', '--jobs', '2', '--no-cache'], { cwd: dir });
    expect(two.stderr).toBe(one.stderr);
  });

  it('with code frames (a terminal), the frame is printed once', async () => {
    const r = await runCli(['build', '--out', 'o', '--no-progress', ...serial], { cwd: project(), tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/^1 \| /gm)).toHaveLength(1);
  });

  it('--diagnostics json: one entry per binding with its own text, as before', async () => {
    const r = await runCli(['build', '--out', 'o', '--diagnostics', 'json', ...serial], { cwd: project() });
    expect(r.code).toBe(0);
    const ds = JSON.parse(r.stdout).diagnostics as { code: string; message: string; notes: string[] }[];
    expect(ds.map((d) => d.code)).toEqual(NAMES.map(() => 'FLOWC628'));
    expect(ds.map((d) => d.message.match(/ to (.*)\.batch\.json/)![1])).toEqual(NAMES);
    expect(ds.map((d) => d.notes.at(-1))).toEqual(NAMES.map((n) => `in binding '${n}'`));
  });

  it('GitHub Actions annotations: one per problem, not one per binding (a step shows only 10 warnings)', async () => {
    const r = await runCli(['build', '--out', 'o', ...serial], { cwd: project(), env: { GITHUB_ACTIONS: 'true' } });
    const annotations = r.stderr.split('\n').filter((l) => l.startsWith('::warning '));
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toContain('title=FLOWC628::');
    expect(annotations[0]).toContain('to <binding>.batch.json');
    expect(annotations[0]).toContain("%0Anote: in 7 bindings: 'variant-0000'");
  });

  it('a failing build still exits 1 and names every failing binding (FLOWC709 each)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'config/base.toml'), readFileSync(join(dir, 'config/base.toml'), 'utf8').replace('image = ', 'imagex = '));
    const r = await runCli(['build', '--out', 'o', ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.match(/error FLOWC412/g)).toHaveLength(1);
    expect(r.stderr.match(/error FLOWC709/g)).toHaveLength(7);
    expect(r.stderr).toMatch(/\n8 errors\n$/);
  });
});

describe('flowc compile --sweep: the same', () => {
  it('one warning for every variant, with <variant> for the name; json keeps one per variant', async () => {
    const out = temp();
    track(`${out}-cache`);
    const args = ['compile', 'content-model.flow.yaml', '--target', 'stepfunctions', '--out', out, '--sweep', 'app.train.epochs=range(1,7)', ...serial];
    const r = await runCli(args, { cwd: PROJECT });
    expect(r.code).toBe(0);
    expect([...r.stderr.matchAll(FLOWC628)].map((m) => m[1])).toEqual(['<variant>']);
    expect(r.stderr).toMatch(/\n {2}note: in 6 variants: 'content-model-1-[0-9a-f]{8}', .* and 1 more\n {2}note: <variant> above is each variant's own name\n/);
    expect(r.stderr.endsWith('\n6 warnings (1 distinct)\n')).toBe(true);

    const json = await runCli([...args, '--diagnostics', 'json'], { cwd: PROJECT });
    const ds = JSON.parse(json.stdout).diagnostics as { code: string; message: string; notes: string[] }[];
    expect(ds).toHaveLength(6);
    for (const d of ds) {
      const variant = d.message.match(/ to (.*)\.batch\.json/)![1];
      expect(variant).toMatch(/^content-model-\d-[0-9a-f]{8}$/);
      expect(d.notes.at(-1)).toBe(`in variant '${variant}'`);
    }
  });
});
