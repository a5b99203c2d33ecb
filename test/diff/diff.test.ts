import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { expectGolden } from '../helpers/golden.js';

const DATA = resolve(import.meta.dirname, 'data/variant');
const EXPECTED = join(DATA, 'expected');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'flowc-diff-test-'));
  dirs.push(d);
  return d;
}

/** `flowc diff` in text and JSON, each compared with its golden file. */
async function goldenPair(name: string, args: string[], cwd = DATA): Promise<{ text: string; json: unknown }> {
  const text = await runCli(['-q', 'diff', ...args], { cwd });
  expect(text.stderr).toBe('');
  expect(text.code).toBe(0);
  expectGolden(join(EXPECTED, `${name}.txt`), text.stdout);
  const json = await runCli(['-q', 'diff', ...args, '--format', 'json'], { cwd });
  expect(json.code).toBe(0);
  expectGolden(join(EXPECTED, `${name}.json`), json.stdout);
  return { text: text.stdout, json: JSON.parse(json.stdout) as unknown };
}

describe('flowc diff: two variants of one flow', () => {
  it('a formatting-only config change (TOML to YAML, keys reordered, comments) is an empty diff, exit 0 even with --exit-code', async () => {
    const args = ['flow.yaml', '--config', 'app=config/base.toml', '--against-config', 'app=config/base-reformatted.yaml'];
    const { text, json } = await goldenPair('reformatted', args);
    expect(text).toBe('');
    expect(json).toMatchObject({ changed: false, units: [] });
    expect((await runCli(['-q', 'diff', ...args, '--exit-code'], { cwd: DATA })).code).toBe(0);
  });

  it('a resources change names the step, the field and the config key with its file:line', async () => {
    const args = ['flow.yaml', '--config', 'app=config/base.toml', '--against-config', 'app=config/bigger.toml'];
    const { text, json } = await goldenPair('resources', args);
    expect(text).toContain('  step train:\n    resources.cpu: 4 -> 16  <- app.train.cpu (config/bigger.toml:8:7)\n');
    expect(json).toMatchObject({
      changed: true,
      units: [{ unit: 'nightly-train', steps: [{ step: 'train', status: 'changed', changes: [{ field: 'resources.cpu', before: 4, after: 16, causes: [{ key: 'app.train.cpu', at: 'config/bigger.toml:8:7' }] }, { field: 'resources.memory' }] }] }],
    });
    // --exit-code: a non-empty diff exits 1, as git diff --exit-code.
    expect((await runCli(['-q', 'diff', ...args, '--exit-code'], { cwd: DATA })).code).toBe(1);
  });

  it('a schedule change from --against-set is a flow-level change caused by the override', async () => {
    const { text } = await goldenPair('schedule', ['flow.yaml', '--config', 'app=config/base.toml', '--against-set', 'app.schedule=0 6 * * 1']);
    expect(text).toContain('  flow schedule.cron: "0 3 * * *" -> "0 6 * * 1"  <- app.schedule (--set app.schedule=0 6 * * 1)\n');
  });

  it('secret references are compared by name; no value is ever read', async () => {
    const r = await runCli(['-q', 'diff', 'flow.yaml', '--config', 'app=config/base.toml', '--against-set', 'app.train.epochs=12', '--format', 'json'], { cwd: DATA });
    const doc = JSON.parse(r.stdout) as { units: { steps: { changes: { field: string }[] }[] }[] };
    expect(doc.units[0]?.steps[0]?.changes.map((c) => c.field)).toEqual(['run', 'env.EPOCHS']);
    expect(r.stdout).not.toContain('HF_TOKEN');
  });
});

describe('flowc diff: IR files and build folders', () => {
  it('an added step, between two IR files from compile --target ir', async () => {
    const dir = temp();
    for (const [flow, out] of [['flow.yaml', 'before.ir.json'], ['flow-added.yaml', 'after.ir.json']] as const) {
      const r = await runCli(['-q', 'compile', flow, '--config', 'app=config/base.toml', '--target', 'ir', '-o', join(dir, out)], { cwd: DATA });
      expect(r.code, r.stderr).toBe(0);
    }
    const { text } = await goldenPair('added-step', ['before.ir.json', 'after.ir.json'], dir);
    expect(text).toContain('  step report: added\n');
  });

  it('two build folders: units by subfolder, steps from the ir target, config keys from the lockfiles', async () => {
    const dir = temp();
    for (const [config, out] of [['base', 'old'], ['bigger', 'new']] as const) {
      const r = await runCli(['-q', 'compile', join(DATA, 'flow.yaml'), '--config', `app=${join(DATA, 'config', `${config}.toml`)}`, '--target', 'ir,argo', '--out', join(dir, out, 'nightly')], { cwd: DATA });
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await runCli(['diff', 'old', 'new'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('unit nightly\n');
    expect(r.stdout).toContain('  config app.train.cpu: 4 -> 16  (');
    expect(r.stdout).toContain('  step train:\n    resources.cpu: 4 -> 16\n');
    expect(r.stdout).toContain('  argo artifact nightly-train.argo.yaml changes\n');
    // The same folder twice: nothing to say.
    expect((await runCli(['diff', 'old', 'old', '--exit-code'], { cwd: dir })).stdout).toBe('');
  });

  it('build folders pair units by name: a unit only one side has is added or removed', async () => {
    const dir = temp();
    for (const [name, out] of [['kept', 'old'], ['gone', 'old'], ['kept', 'new'], ['fresh', 'new']] as const) {
      const r = await runCli(['-q', 'compile', join(DATA, 'flow.yaml'), '--config', `app=${join(DATA, 'config', 'base.toml')}`, '--target', 'ir', '--out', join(dir, out, name)], { cwd: DATA });
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await runCli(['diff', 'old', 'new', '--exit-code'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(['--- old', '+++ new', 'unit fresh: added', 'unit gone: removed', ''].join('\n'));
  });
});

describe('flowc diff: errors', () => {
  it('FLOWC040: a missing input, and a file against a folder', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'a.ir.json'), '{}');
    const missing = await runCli(['diff', 'a.ir.json', 'nope.ir.json', '--diagnostics', 'json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ diagnostics: [{ code: 'FLOWC040', message: 'nope.ir.json does not exist' }] });
    const mixed = await runCli(['diff', 'a.ir.json', 'folder'], { cwd: dir });
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('error FLOWC040: a.ir.json is a file and folder is a folder');
  });

  it('FLOWC041 at the file for JSON that is not an IR; FLOWC103 at its place for broken JSON', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'a.ir.json'), '{"irVersion": 2}\n');
    writeFileSync(join(dir, 'b.ir.json'), '{\n  "irVersion": 1,\n}\n');
    const r = await runCli(['diff', 'a.ir.json', 'b.ir.json', '--diagnostics', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const ds = (JSON.parse(r.stderr) as { diagnostics: { code: string; file?: string; line?: number }[] }).diagnostics;
    expect(ds).toContainEqual(expect.objectContaining({ code: 'FLOWC041', file: 'a.ir.json', line: 1 }));
    expect(ds).toContainEqual(expect.objectContaining({ code: 'FLOWC103', file: 'b.ir.json', line: 3 }));
    expect(r.stdout).toBe('');
  });

  it('FLOWC042: a folder with no build output in it', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b', 'sub'), { recursive: true });
    const r = await runCli(['diff', 'a', 'b'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error FLOWC042: a holds no build output');
    expect(r.stderr).toContain('error FLOWC042: b holds no build output');
  });

  it('usage: one flow with nothing to compare against, --base with files, no inputs (exit 2)', async () => {
    const one = await runCli(['diff', 'flow.yaml'], { cwd: DATA });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('FLOWC010');
    expect((await runCli(['diff', '--base', 'HEAD', 'flow.yaml'], { cwd: DATA })).code).toBe(2);
    expect((await runCli(['diff', '--base', '--upload-pack=x'], { cwd: DATA })).code).toBe(2);
    const set = await runCli(['diff', '--base', 'HEAD', '--set', 'app.x=1'], { cwd: DATA });
    expect(set.code).toBe(2);
    expect(set.stderr).toContain('with --base each binding takes its configs from flowc.yaml');
    expect((await runCli(['diff'], { cwd: DATA })).code).toBe(2);
  });

  it('a flow error on one side is reported once, with its location', async () => {
    const dir = temp();
    cpSync(DATA, dir, { recursive: true });
    writeFileSync(join(dir, 'config', 'bad.toml'), 'namespace = \n');
    const r = await runCli(['diff', 'flow.yaml', '--config', 'app=config/base.toml', '--against-config', 'app=config/bad.toml', '--diagnostics', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const ds = (JSON.parse(r.stderr) as { diagnostics: { code: string; file?: string; line?: number }[] }).diagnostics;
    expect(ds).toEqual([expect.objectContaining({ code: 'FLOWC104', file: 'config/bad.toml', line: 1 })]);
  });
});

describe('flowc diff: output', () => {
  const args = ['-q', 'diff', 'flow.yaml', '--config', 'app=config/base.toml', '--against-config', 'app=config/bigger.toml'];

  it('is coloured with FORCE_COLOR and plain with NO_COLOR (diagnostics/colour.ts)', async () => {
    const forced = await runCli(args, { cwd: DATA, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[31m4\u001b[39m -> \u001b[32m16\u001b[39m');
    const plain = await runCli(args, { cwd: DATA, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('shows control characters in config values as escapes, never raw', async () => {
    const r = await runCli(['-q', 'diff', 'flow.yaml', '--config', 'app=config/base.toml', '--against-set', 'app.image="evil\\u001b[2J:1"'], { cwd: DATA });
    expect(r.stdout).not.toContain('\u001b[2J');
    expect(r.stdout).toContain('\\u001b[2J');
  });
});

describe('flowc diff: which config key caused a change', () => {
  const PASTED = resolve(import.meta.dirname, 'data/pasted');

  it('a field set in defaults names the key there; a config map pasted whole names the key below it', async () => {
    const r = await runCli(['-q', 'diff', 'flow.yaml', '--against-set', 'app.image=ghcr.io/acme/app:1.1.0', '--against-set', 'app.train.memory=16Gi', '--against-set', 'app.gpus=1'], { cwd: PASTED });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(['  step prepare:', '    image: ghcr.io/acme/app:1.0.0 -> ghcr.io/acme/app:1.1.0  <- app.image (--set app.image=ghcr.io/acme/app:1.1.0)', '    resources.gpu: 0 -> 1  <- app.gpus (--set app.gpus=1)', ''].join('\n'));
    // train's resources are app.train over the defaults: memory is app.train.memory alone (not the
    // defaults' app.gpus, which sets no memory), and gpu still comes from the defaults.
    expect(r.stdout).toContain(
      [
        '  step train:',
        '    image: ghcr.io/acme/app:1.0.0 -> ghcr.io/acme/app:1.1.0  <- app.image (--set app.image=ghcr.io/acme/app:1.1.0)',
        '    resources.memory: 8Gi -> 16Gi  <- app.train.memory (--set app.train.memory=16Gi)',
        '    resources.gpu: 0 -> 1  <- app.gpus (--set app.gpus=1)',
        '',
      ].join('\n'),
    );
  });
});
