import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from './run-cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-cli-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
  cpSync(join(FIXTURES, 'errors', 'cycle'), join(work, 'cycle'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml'];

describe('flowc compile', () => {
  it('prints the primary artifact to stdout without --out', async () => {
    const r = await runCli(['compile', ...ml, '--target', 'ir'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(FIXTURES, 'ml-training/expected/content-model.ir.json'), 'utf8'));
  });

  it('writes artifacts and the config lockfile with --out, byte-identical on a second run', async () => {
    const r = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out'], { cwd: work });
    expect(r.code).toBe(0);
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['content-model.config.lock.json', 'content-model.ir.json']);
    const first = readFileSync(join(work, 'out/content-model.config.lock.json'), 'utf8');
    const lock = JSON.parse(first);
    expect(lock.flowcVersion).toBe('0.1.0');
    expect(lock.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(lock.configs.app.values.train.cpu).toBe(8);
    const cpu = lock.configs.app.provenance.find((p: { path: string }) => p.path === 'train.cpu');
    expect(cpu.origin).toEqual({ kind: 'file', file: 'config/ctr.toml', line: 7, col: 7 });
    expect(cpu.overrode).toEqual([{ value: 4, origin: { kind: 'file', file: 'config/base.toml', line: 8, col: 7 } }]);
    expect(first).not.toContain(work);
    await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out'], { cwd: work });
    expect(readFileSync(join(work, 'out/content-model.config.lock.json'), 'utf8')).toBe(first);
  });

  it('gives the same bytes when run from another folder', async () => {
    await runCli(['compile', ...ml, '--target', 'ir', '--out', 'a'], { cwd: work });
    await runCli(['compile', 'flow.yaml', '--config', 'app=config/ctr.toml', '--target', 'ir', '--out', '../b'], { cwd: join(work, 'ml') });
    for (const f of readdirSync(join(work, 'a'))) {
      expect(readFileSync(join(work, 'b', f), 'utf8')).toBe(readFileSync(join(work, 'a', f), 'utf8'));
    }
  });

  it('-o writes only the primary artifact to the file', async () => {
    const r = await runCli(['compile', ...ml, '--target', 'ir', '-o', 'one.json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'one.json'), 'utf8')).flow.name).toBe('content-model');
  });

  it('a failed compile exits 1 and leaves existing files in --out untouched', async () => {
    await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out'], { cwd: work });
    const before = readFileSync(join(work, 'out/content-model.ir.json'), 'utf8');
    const r = await runCli(['compile', ...ml, '--set', 'app.train.cpu=-3', '--target', 'ir', '--out', 'out'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error FLOWC412/);
    expect(readFileSync(join(work, 'out/content-model.ir.json'), 'utf8')).toBe(before);
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['content-model.config.lock.json', 'content-model.ir.json']);
  });

  it('reports every error of the phase with file:line:col and a summary', async () => {
    const r = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'cycle/flow.yaml:9:13: error FLOWC302: dependency cycle: b -> c -> a -> b',
        "  note: 'b' needs 'a', which (through needs) already waits for 'b'",
        "cycle/flow.yaml:15:13: error FLOWC312: step 'd' needs itself",
        "cycle/flow.yaml:15:19: error FLOWC312: step 'd' lists 'a' in needs twice",
        '3 errors',
        '',
      ].join('\n'),
    );
  });

  it('prints at most 100 diagnostics as text, counting the rest; JSON lists them all', async () => {
    const steps = Array.from({ length: 150 }, (_, i) => `  s${i}:\n    needs: [missing${i}]\n    run: echo ${i}`).join('\n');
    writeFileSync(join(work, 'many.flow.yaml'), `flowc: 1\nname: many\ndefaults: { image: alpine:3.20 }\nsteps:\n${steps}\n`);
    const text = await runCli(['validate', 'many.flow.yaml'], { cwd: work });
    expect(text.code).toBe(1);
    expect(text.stderr.split('\n').filter((l) => l.includes('error FLOWC301'))).toHaveLength(100);
    expect(text.stderr).toContain('... 50 more not shown (--diagnostics json lists them all)\n150 errors\n');
    const json = await runCli(['validate', 'many.flow.yaml', '--diagnostics', 'json'], { cwd: work });
    expect(JSON.parse(json.stderr).diagnostics).toHaveLength(150);
  });

  it('prints a code frame when stderr is a terminal', async () => {
    // NO_COLOR: this test reads the frame's characters; colour on a terminal is tested in test/cli/colour.test.ts.
    const r = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir'], { cwd: work, tty: true, env: { NO_COLOR: '1' } });
    expect(r.stderr).toContain(['   |', '15 |     needs: [d, a, a]', '   |             ^'].join('\n'));
  });

  it('--diagnostics json prints machine-readable diagnostics', async () => {
    const r = await runCli(['compile', 'cycle/flow.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stderr);
    expect(json.diagnostics).toHaveLength(3);
    expect(json.diagnostics[0]).toMatchObject({ severity: 'error', code: 'FLOWC302', file: 'cycle/flow.yaml', line: 9, col: 13 });
  });

  it('--check passes on fresh output, fails with a diff on stale output and on missing files, and writes nothing', async () => {
    await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out'], { cwd: work });
    const clean = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out', '--check'], { cwd: work });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('');

    const stale = await runCli(['compile', ...ml, '--set', 'app.train.cpu=6', '--target', 'ir', '--out', 'out', '--check'], { cwd: work });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('--- out/content-model.ir.json (on disk)');
    expect(stale.stdout).toMatch(/^-\s+"cpuMillis": 8000,$/m);
    expect(stale.stdout).toMatch(/^\+\s+"cpuMillis": 6000,$/m);
    expect(JSON.parse(readFileSync(join(work, 'out/content-model.ir.json'), 'utf8')).steps[3].resources.cpuMillis).toBe(8000);

    rmSync(join(work, 'out/content-model.config.lock.json'));
    const missing = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'out', '--check'], { cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('missing: out/content-model.config.lock.json');
    expect(existsSync(join(work, 'out/content-model.config.lock.json'))).toBe(false);
  });

  it.each([
    [['compile', 'ml/flow.yaml', '--target', 'nope'], /error FLOWC002: unknown target 'nope'/],
    [['compile', 'ml/flow.yaml'], /error FLOWC010: compile needs --target: .* or all/],
    [['compile', 'ml/flow.yaml', '--target', 'ir', '--out', 'x', '-o', 'y'], /error FLOWC003: use either --out DIR or -o FILE/],
    [['compile', 'ml/flow.yaml', '--target', 'ir', '--check'], /--check compares with the files in --out/],
    [['compile', 'ml/flow.yaml', '--target', 'ir', '--diagnostics', 'xml'], /Allowed choices are text, json/],
    [['frobnicate'], /unknown command/],
  ])('wrong usage %j exits 2', async (args, message) => {
    const r = await runCli(args, { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('several targets without --out is wrong usage', async () => {
    writeFileSync(join(work, 'x'), '');
    const r = await runCli(['compile', ...ml, '--target', 'ir,ir2'], { cwd: work });
    expect(r.code).toBe(2);
  });

  it('an output folder that cannot be written is FLOWC004, exit 1, and nothing is written', async () => {
    writeFileSync(join(work, 'blocker'), 'a file where a folder should be');
    const r = await runCli(['compile', ...ml, '--target', 'ir', '--out', 'blocker/out'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC004: cannot write blocker\/out: (ENOTDIR|EEXIST); no file was changed$/m);
    expect(readFileSync(join(work, 'blocker'), 'utf8')).toBe('a file where a folder should be');
  });

  it('a missing flow file is an input error with FLOWC001', async () => {
    const r = await runCli(['compile', 'nope.yaml', '--target', 'ir'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FLOWC001/);
  });
});

describe('flowc validate, config, targets', () => {
  it('validate exits 0 silently on a valid flow and 1 on errors', async () => {
    const ok = await runCli(['validate', ...ml, '--target', 'ir'], { cwd: work });
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
    // Without --target every target's checks run: their warnings show, as compile --target all shows them.
    const every = await runCli(['validate', ...ml], { cwd: work });
    expect(every.code).toBe(0);
    expect(every.stdout).toBe('');
    expect(every.stderr).not.toMatch(/: error /);
    expect(every.stderr).toMatch(/warning FLOWC628/);
    const bad = await runCli(['validate', 'cycle/flow.yaml'], { cwd: work });
    expect(bad.code).toBe(1);
  });

  it('validate reports a scheduled flow\'s parameter without a default once (FLOWC317), with or without targets', async () => {
    writeFileSync(
      join(work, 'sched.flow.yaml'),
      ['flowc: 1', 'name: sched', 'schedule: "0 3 * * *"', 'parameters:', '  date: { type: string, required: true }', 'defaults: { image: alpine:3.20 }', 'steps:', '  a:', '    command: [echo, "${params.date}"]', ''].join('\n'),
    );
    const plain = await runCli(['validate', 'sched.flow.yaml'], { cwd: work });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^sched\.flow\.yaml:5:3: error FLOWC317: parameters\.date has no default, but the flow has a schedule/m);
    const all = await runCli(['validate', 'sched.flow.yaml', '--target', 'all', '--diagnostics', 'json'], { cwd: work });
    expect(all.code).toBe(1);
    const codes = JSON.parse(all.stderr).diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(['FLOWC317']);
    expect(readdirSync(work).sort()).toEqual(['cycle', 'ml', 'sched.flow.yaml']);
  });

  it('validate --target also runs the targets\' own checks, still writing nothing', async () => {
    writeFileSync(
      join(work, 'clash.flow.yaml'),
      ['flowc: 1', 'name: clash', 'defaults: { image: alpine:3.20 }', 'steps:', '  a_b:', '    command: [echo, one]', '  a_b_:', '    command: [echo, two]', ''].join('\n'),
    );
    expect((await runCli(['validate', 'clash.flow.yaml', '--target', 'ir'], { cwd: work })).code).toBe(0);
    const argo = await runCli(['validate', 'clash.flow.yaml', '--target', 'argo'], { cwd: work });
    expect(argo.code).toBe(1);
    expect(argo.stderr).toMatch(/^clash\.flow\.yaml:7:3: error FLOWC602: /m);
    expect(readdirSync(work).filter((f) => !f.endsWith('.flow.yaml')).sort()).toEqual(['cycle', 'ml']);
  });

  it('validate without --target runs every target\'s checks: it passes exactly when compile --target all does', async () => {
    // The README headline flow once passed validate while no target compiled it (issue 16).
    writeFileSync(
      join(work, 'ml/gpu.flow.yaml'),
      ['flowc: 1', 'name: gpu', 'defaults: { image: alpine:3.20 }', 'steps:', '  train:', '    resources: { gpu: 1 }', '    command: [python, train.py]', ''].join('\n'),
    );
    const validate = await runCli(['validate', 'ml/gpu.flow.yaml', '--diagnostics', 'json'], { cwd: work });
    const compile = await runCli(['compile', 'ml/gpu.flow.yaml', '--target', 'all', '--out', 'gpu-out', '--diagnostics', 'json'], { cwd: work });
    expect(validate.code).toBe(1);
    expect(compile.code).toBe(1);
    expect(JSON.parse(validate.stderr).diagnostics).toEqual(JSON.parse(compile.stderr).diagnostics);
    expect(JSON.parse(validate.stderr).diagnostics.map((d: { code: string; line: number }) => `${d.code}@${d.line}`)).toContain('FLOWC631@5');

    const readme = readFileSync(join(FIXTURES, '../README.md'), 'utf8');
    const headline = /<!-- flowc-docs: in fixtures\/ml-training -->\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(headline).toBeDefined();
    writeFileSync(join(work, 'ml/headline.flow.yaml'), headline as string);
    const v = await runCli(['validate', 'ml/headline.flow.yaml'], { cwd: work });
    const c = await runCli(['compile', 'ml/headline.flow.yaml', '--target', 'all', '--out', 'headline-out'], { cwd: work });
    expect(v.stderr).not.toMatch(/: error /);
    expect([v.code, c.code]).toEqual([0, 0]);
  });

  it('compile --target all writes every target', async () => {
    const r = await runCli(['compile', ...ml, '--target', 'all', '--out', 'every'], { cwd: work });
    expect(r.code).toBe(0);
    expect(readdirSync(join(work, 'every')).filter((f) => !f.endsWith('.config.lock.json')).length).toBeGreaterThanOrEqual(7);
  });

  it('config prints the resolved config as YAML or JSON', async () => {
    const yaml = await runCli(['config', ...ml, '--set', 'app.train.cpu=12'], { cwd: work });
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^app:\n/);
    expect(yaml.stdout).toMatch(/^    cpu: 12$/m);
    const json = await runCli(['config', ...ml, '--format', 'json'], { cwd: work });
    expect(JSON.parse(json.stdout).app.train.memory).toBe('32Gi');
  });

  it('config --explain shows each value with its origin and what it overrode', async () => {
    const r = await runCli(['config', ...ml, '--set', 'app.train.cpu=12', '--explain'], { cwd: work });
    expect(r.code).toBe(0);
    // base.toml is in the flow's files and extended again by ctr.toml: it is listed once.
    expect(r.stdout).toContain(
      ['app.train.cpu = 12', '  from --set app.train.cpu=12', '  overrode 8 from ml/config/ctr.toml:7:7', '  overrode 4 from ml/config/base.toml:8:7', 'app.train.epochs = 10'].join('\n'),
    );
    expect(r.stdout).toContain('app.retries = 1\n  from ml/flow.yaml:9:25 (default:)');
  });

  it('targets lists every registered target', async () => {
    const r = await runCli(['targets'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ir\s+<name>\.ir\.json/m);
  });
});
