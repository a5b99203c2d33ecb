import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colourWanted } from '../../src/diagnostics/colour.js';
import { formatDiagnostics } from '../../src/diagnostics/print.js';
import { SourceRegistry } from '../../src/source/files.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from './run-cli.js';

const SGR = /\u001b\[[0-9;]*m/;
const ROOT = resolve(import.meta.dirname, '../..');

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-colour-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
  writeFileSync(join(work, 'bad.toml'), 'memory = 32Gi\n');
  writeFileSync(join(work, 'f.flow.yaml'), 'flowc: 1\nname: f\nconfigs:\n  app: { files: [bad.toml] }\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    run: echo\n');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('when colour is on', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: 'false' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    [{ TERM: 'dumb' }, true, false],
    [{ TERM: 'dumb', FORCE_COLOR: '1' }, false, true],
    [{ CI: 'true' }, false, false],
  ] as [Record<string, string>, boolean, boolean][])('env %j, terminal %s: %s', (env, tty, expected) => {
    expect(colourWanted(env, tty)).toBe(expected);
  });
});

describe('coloured diagnostics', () => {
  it('colour severity, code, notes and carets on a terminal; plain text under NO_COLOR or TERM=dumb', async () => {
    const tty = await runCli(['validate', 'f.flow.yaml', '--target', 'ir'], { cwd: work, tty: true });
    expect(tty.code).toBe(1);
    expect(tty.stderr).toContain('\u001b[31m\u001b[1merror\u001b[22m\u001b[39m');
    expect(tty.stderr).toContain('\u001b[2mFLOWC104\u001b[22m');
    expect(tty.stderr).toContain('\u001b[36mnote\u001b[39m');
    expect(tty.stderr).toContain('\u001b[31m\u001b[1m^^^^\u001b[22m\u001b[39m');
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }] as Record<string, string>[]) {
      const plain = await runCli(['validate', 'f.flow.yaml', '--target', 'ir'], { cwd: work, tty: true, env });
      expect(plain.stderr).not.toMatch(SGR);
      expect(plain.stderr).toBe(tty.stderr.replace(/\u001b\[[0-9;]*m/g, ''));
    }
    const piped = await runCli(['validate', 'f.flow.yaml', '--target', 'ir'], { cwd: work });
    expect(piped.stderr).not.toMatch(SGR);
    const forced = await runCli(['validate', 'f.flow.yaml', '--target', 'ir'], { cwd: work, env: { FORCE_COLOR: '1' } });
    expect(forced.stderr).toMatch(SGR);
  });

  it('the code-frame caret underlines the whole span: a bare TOML word, and a span running on to later lines', async () => {
    const r = await runCli(['validate', 'f.flow.yaml', '--target', 'ir'], { cwd: work, tty: true, env: { NO_COLOR: '1' } });
    expect(r.stderr).toContain(['  |', '1 | memory = 32Gi', '  |          ^^^^'].join('\n'));
    const sources = new SourceRegistry();
    sources.add('/w/f.yaml', 'steps:\n  train:\n    run: x\n');
    const text = formatDiagnostics([{ code: 'FLOWC201', severity: 'error', message: 'm', span: { file: '/w/f.yaml', line: 2, col: 3, endLine: 3, endCol: 11 } }], {
      relativize: (p) => p,
      sources,
    });
    expect(text).toContain(['2 |   train:', '  |   ^^^^^^'].join('\n'));
  });

  it('--check diffs are coloured when stdout is a terminal (or FORCE_COLOR), plain otherwise', async () => {
    const ml = ['ml/flow.yaml', '--config', 'app=ml/config/ctr.toml', '--target', 'ir', '--out', 'out'];
    expect((await runCli(['compile', ...ml], { cwd: work })).code).toBe(0);
    writeFileSync(join(work, 'out/content-model.ir.json'), '{}\n');
    const plain = await runCli(['compile', ...ml, '--check'], { cwd: work });
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toMatch(SGR);
    expect(plain.stdout).toMatch(/^-\{\}$/m);
    const coloured = await runCli(['compile', ...ml, '--check'], { cwd: work, env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\u001b[31m-{}\u001b[39m');
    expect(coloured.stdout).toMatch(/\u001b\[32m\+/);
    expect(coloured.stdout).toMatch(/\u001b\[36m@@ /);
    expect(coloured.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stdout);
  });
});

describe('--no-progress', () => {
  it('a build on a terminal draws a progress bar unless --no-progress is given', async () => {
    const project = join(FIXTURES, 'projects/content-model');
    const args = ['build', '--target', 'ir', '--jobs', '1', '--no-cache', '--check', '--out', join(work, 'b')];
    const bar = await runCli(args, { cwd: project, tty: true, env: { NO_COLOR: '1' } });
    expect(bar.stderr).toContain('\r\u001b[2K[');
    const none = await runCli([...args, '--no-progress'], { cwd: project, tty: true, env: { NO_COLOR: '1' } });
    expect(none.stderr).not.toContain('\r');
    expect(none.code).toBe(bar.code);
  });
});

describe('the bin under a pseudo-terminal', () => {
  // util-linux `script` gives the child a real terminal, so this is the user's first run as it looks.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it('colours diagnostics on a terminal and not under NO_COLOR', () => {
    expect(hasScript, 'util-linux script(1) is needed on PATH for this test').toBe(true);
    expect(existsSync(join(ROOT, 'dist/cli/main.js'))).toBe(true);
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/flowc.js'))} validate f.flow.yaml --target ir`;
    const env = { PATH: process.env.PATH ?? '', TERM: 'xterm' };
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: work, encoding: 'utf8', env });
    expect(tty.status).toBe(1);
    expect(tty.stdout).toContain('\u001b[2mFLOWC104\u001b[22m');
    // A terminal: the code frame is shown too.
    expect(tty.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toContain('1 | memory = 32Gi');
    const plain = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: work, encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
    expect(plain.status).toBe(1);
    expect(plain.stdout).toContain('error FLOWC104: 32Gi is not a TOML value');
    expect(plain.stdout).not.toMatch(SGR);
  });

  it('draws the build progress bar on a terminal, and not with --no-progress', () => {
    expect(hasScript, 'util-linux script(1) is needed on PATH for this test').toBe(true);
    const project = join(FIXTURES, 'projects/content-model');
    const command = (extra: string) =>
      `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/flowc.js'))} build --target ir --jobs 1 --no-cache --check --out ${JSON.stringify(join(work, 'b'))}${extra}`;
    const env = { PATH: process.env.PATH ?? '', TERM: 'xterm', NO_COLOR: '1' };
    const bar = spawnSync('script', ['-qec', command(''), '/dev/null'], { cwd: project, encoding: 'utf8', env });
    expect(bar.stdout).toMatch(/\r\u001b\[2K\[[#.]+\] \d+\/\d+ bindings/);
    const none = spawnSync('script', ['-qec', command(' --no-progress'), '/dev/null'], { cwd: project, encoding: 'utf8', env });
    expect(none.stdout).not.toContain('\u001b[2K');
    expect(none.status).toBe(bar.status);
  });
});
