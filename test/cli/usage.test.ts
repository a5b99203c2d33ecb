import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from './run-cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-usage-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml'];
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: work, env });

describe('usage errors say what is wrong and how to fix it', () => {
  it('a misspelt option is an unknown option with a did-you-mean, not a missing --target', async () => {
    const r = await run(['compile', ...ml, '--traget', 'ir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(["flowc: error FLOWC009: unknown option '--traget'", '  note: did you mean --target?', '  note: run flowc compile --help for usage', ''].join('\n'));
  });

  it('a misspelt command gets a did-you-mean too', async () => {
    const r = await run(['compil', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flowc: error FLOWC009: unknown command 'compil'\n {2}note: did you mean compile\?\n/);
  });

  it.each(['compile', 'validate', 'config'])('a missing flow argument to %s says so', async (command) => {
    const r = await run(command === 'compile' ? [command, '--target', 'ir'] : [command]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^flowc: error FLOWC010: no flow file given: flowc ${command} needs the flow file \\(\\*\\.flow\\.yaml\\) as its argument\\n`));
  });

  it('compile without --target names the targets and all', async () => {
    const r = await run(['compile', ...ml]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flowc: error FLOWC010: compile needs --target: ir, argo, .* or all \(comma-separated\)$/m);
  });

  it('a malformed --config and a malformed --set both exit 1, reported together with the flow\'s problems', async () => {
    const config = await run(['validate', ...ml, '--config', 'app']);
    const set = await run(['validate', ...ml, '--set', 'app']);
    expect([config.code, set.code]).toEqual([1, 1]);
    expect(config.stderr).toMatch(/^flowc: error FLOWC003: --config app: expected NAME=FILE/m);
    expect(set.stderr).toMatch(/^flowc: error FLOWC405: --set app:/m);
    const both = await run(['validate', ...ml, '--config', 'app', '--set', 'app', '--diagnostics', 'json']);
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(['FLOWC003', 'FLOWC405']);
  });
});

describe('--help', () => {
  it.each(['compile', 'validate', 'config', 'build', 'targets'])('flowc %s --help shows examples and the exit codes', async (command) => {
    const r = await run([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}flowc /);
    expect(r.stdout).toContain('Exit codes: 0 success; 1 the input has errors (or --check found stale files); 2 wrong usage; 70 a bug in flowc.');
    expect(r.stdout).toMatch(/Global Options:\n {2}-V, --version[\s\S]*-q, --quiet/);
  });

  it('compile --help says --target takes all, and shows it in an example', async () => {
    const r = await run(['compile', '--help']);
    expect(r.stdout).toMatch(/-t, --target <targets> +comma-separated targets, or all/);
    expect(r.stdout).toContain('flowc compile flow.yaml --target all --out build/');
    expect(r.stdout).not.toContain('(default: [])');
    expect(r.stdout).toMatch(/--set <override> +Hydra-style override/);
  });

  it('the top-level help lists the global options', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toMatch(/-q, --quiet +print errors only/);
    expect(r.stdout).toMatch(/--no-progress +no progress bar/);
  });
});

describe('machine output', () => {
  it('--diagnostics json covers usage errors: unknown option and missing argument, with codes and notes', async () => {
    const unknown = await run(['compile', ...ml, '--traget', 'ir', '--diagnostics', 'json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({
      diagnostics: [{ severity: 'error', code: 'FLOWC009', message: "unknown option '--traget'", notes: ['did you mean --target?', 'run flowc compile --help for usage'] }],
    });
    const missing = await run(['validate', '--diagnostics=json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).diagnostics[0]).toMatchObject({ code: 'FLOWC010', severity: 'error' });
    const target = await run(['compile', ...ml, '--target', 'nope', '--diagnostics', 'json']);
    expect(JSON.parse(target.stderr).diagnostics[0]).toMatchObject({ code: 'FLOWC002', message: "unknown target 'nope'; known: ir, argo, gcp-workflows, github-actions, stepfunctions, airflow (or all, or a template file such as name.ext.hbs)" });
  });

  it('every diagnostic with a place has endLine and endCol in JSON', async () => {
    writeFileSync(join(work, 'bad.toml'), 'a = 1\nmemory = 32Gi\nb =\n');
    writeFileSync(join(work, 'f.flow.yaml'), 'flowc: 1\nname: f\nconfigs:\n  app: { files: [bad.toml] }\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    needs: [nope]\n    run: echo\n');
    const r = await run(['validate', 'f.flow.yaml', '--diagnostics', 'json']);
    const ds = JSON.parse(r.stdout).diagnostics as Record<string, unknown>[];
    expect(ds.length).toBeGreaterThanOrEqual(2);
    for (const d of ds) expect(Object.keys(d)).toEqual(expect.arrayContaining(['file', 'line', 'col', 'endLine', 'endCol']));
    expect(ds.find((d) => d.line === 2)).toMatchObject({ file: 'bad.toml', line: 2, col: 10, endLine: 2, endCol: 14 });
  });

  it('under GitHub Actions every diagnostic is also a workflow-command annotation, escaped', async () => {
    writeFileSync(join(work, 'a,b:c%.flow.yaml'), 'flowc: 1\nname: x\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    needs: [nope]\n    run: echo\n');
    const r = await run(['validate', 'a,b:c%.flow.yaml', '--target', 'ir'], { GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('::'));
    expect(lines).toEqual([
      "::error file=a%2Cb%3Ac%25.flow.yaml,line=6,col=13,endLine=6,endColumn=17,title=FLOWC301::step 'a' needs 'nope', which is not a step of this flow",
    ]);
    // Without the variable there are none.
    expect((await run(['validate', 'a,b:c%.flow.yaml', '--target', 'ir'])).stderr).not.toContain('::error');
  });

  it('usage errors become annotations too', async () => {
    const r = await run(['compile', ...ml, '--traget', 'ir'], { GITHUB_ACTIONS: 'true' });
    expect(r.stderr).toContain("::error title=FLOWC009::unknown option '--traget'%0Anote: did you mean --target?%0Anote: run flowc compile --help for usage\n");
  });
});

describe('--quiet', () => {
  it('prints errors only; warnings still do not fail the run', async () => {
    const loud = await run(['validate', ...ml, '--target', 'stepfunctions']);
    expect(loud.stderr).toMatch(/warning FLOWC628/);
    const quiet = await run(['validate', ...ml, '--target', 'stepfunctions', '--quiet']);
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = await run(['-q', 'validate', ...ml, '--target', 'stepfunctions', '--diagnostics', 'json']);
    expect(JSON.parse(json.stdout).diagnostics).toEqual([]);
  });

  it('still prints the errors', async () => {
    writeFileSync(join(work, 'f.flow.yaml'), 'flowc: 1\nname: f\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    needs: [nope]\n    run: echo\n');
    const r = await run(['validate', 'f.flow.yaml', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^f\.flow\.yaml:6:13: error FLOWC301/);
  });
});
