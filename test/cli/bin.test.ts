import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { bundleCurrent } from '../project/helpers.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/flowc.js');

function flowc(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...options.env } });
}

// The one end-to-end test of the real bin (it runs the compiled dist/, which `npm test` builds first).
describe('the flowc bin', () => {
  it('compiles the README example; output does not depend on time zone, locale or folder', () => {
    const a = flowc(['compile', 'fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml', '--target', 'ir'], {
      cwd: root,
      env: { TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8' },
    });
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const b = flowc(['compile', 'flow.yaml', '--config', 'app=config/ctr.toml', '--target', 'ir'], {
      cwd: join(FIXTURES, 'ml-training'),
      env: { TZ: 'America/Los_Angeles', LANG: 'C' },
    });
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toBe(readFileSync(join(FIXTURES, 'ml-training/expected/content-model.ir.json'), 'utf8'));
  });

  // commander requires node:child_process (and with it dgram and net) as it loads, for subcommands
  // run as executables, which flowc has none of: the bundle requires it only when one would spawn
  // (scripts/bundle-cli.mjs). Module by module, commander is loaded as it is, which shows the check sees it.
  it('bundled, starts a compile without loading child_process, nor, to stdout, what writes files', () => {
    if (!bundleCurrent()) expect(spawnSync(process.execPath, [join(root, 'scripts/bundle-cli.mjs')], { cwd: root, encoding: 'utf8' }).status).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'flowc-bin-'));
    const preload = join(dir, 'modules.cjs');
    const list = join(dir, 'modules.json');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));\n`);
    const loads = (bundle: string, extra: string[] = []) => {
      const r = spawnSync(process.execPath, ['-r', preload, bin, 'compile', 'fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml', '--target', 'ir', ...extra], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', FLOWC_BUNDLE: bundle },
      });
      expect(r.status, r.stderr).toBe(0);
      // (net is not checked: Node loads it for a standard stream that is a pipe, as here.)
      // worker_threads: the transactional write's staging thread (src/cli/stage-helper.ts), loaded only to write files.
      return (JSON.parse(readFileSync(list, 'utf8')) as string[]).filter((m) => /^NativeModule (child_process|dgram|worker_threads)$/.test(m));
    };
    expect(loads('')).toEqual([]);
    expect(loads('0')).toContain('NativeModule child_process');
    // Writing the artifact to a file loads the writer: the check sees it.
    expect(loads('', ['-o', join(dir, 'out.ir.json')])).toEqual(['NativeModule worker_threads']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints diagnostics without a stack trace and exits 1 on bad input', () => {
    const r = flowc(['compile', 'fixtures/errors/cycle/flow.yaml', '--target', 'ir'], { cwd: root });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fixtures\/errors\/cycle\/flow\.yaml:9:13: error FLOWC302:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on wrong usage and 0 for --version', () => {
    expect(flowc(['compile'], { cwd: root }).status).toBe(2);
    const v = flowc(['--version'], { cwd: root });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it('ends quietly when its reader closes the pipe early (flowc ... | head)', async () => {
    // Output far larger than a pipe buffer, so writes are still pending when the reader leaves.
    const dir = mkdtempSync(join(tmpdir(), 'flowc-pipe-'));
    const steps = Array.from({ length: 400 }, (_, i) => `  s${i}:\n    command: [echo, step-${i}]`).join('\n');
    writeFileSync(join(dir, 'flow.yaml'), `flowc: 1\nname: big\ndefaults: { image: alpine:3.20 }\nsteps:\n${steps}\n`);
    try {
      const child = spawn(process.execPath, [bin, 'compile', 'flow.yaml', '--target', 'ir'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers every byte to a reader that is slow, then exits with the command\'s status (the early exit waits for a full pipe)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-pipe-'));
    const steps = Array.from({ length: 400 }, (_, i) => `  s${i}:\n    command: [echo, step-${i}]`).join('\n');
    writeFileSync(join(dir, 'flow.yaml'), `flowc: 1\nname: big\ndefaults: { image: alpine:3.20 }\nsteps:\n${steps}\n`);
    try {
      const whole = flowc(['compile', 'flow.yaml', '--target', 'ir'], { cwd: dir });
      expect(whole.status).toBe(0);
      // Far more than a pipe holds (64 KiB on Linux): the bin finishes with bytes still queued.
      expect(whole.stdout.length).toBeGreaterThan(256 * 1024);
      const child = spawn(process.execPath, [bin, 'compile', 'flow.yaml', '--target', 'ir'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stdout.pause();
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      // Read nothing until the compile is surely done and waiting on the pipe.
      setTimeout(() => child.stdout.resume(), 1500);
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(code).toBe(0);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(whole.stdout);
      // And a failing command keeps its exit status when it ends early.
      expect(flowc(['compile', 'flow.yaml', '--target', 'nope'], { cwd: dir }).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
