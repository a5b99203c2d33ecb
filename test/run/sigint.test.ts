import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, project, record, settle } from './helpers.js';

const bin = resolve(import.meta.dirname, '../../bin/flowc.js');

// The real bin (dist/, built by `npx tsc -p tsconfig.json`), as a terminal's Ctrl-C reaches it.
describe('flowc run and Ctrl-C', () => {
  it('stops every child process tree on SIGINT, records the run as interrupted and exits 130', async () => {
    const dir = project(`flowc: 1
name: stop
defaults: { image: alpine }
steps:
  a:
    foreach: [1, 2]
    run: |
      sleep 1000 &
      echo $! > gc\${item}.pid
      echo $$ > c\${item}.pid
      wait
  b:
    needs: [a]
    run: echo never > b.txt
`);
    const child = spawn(process.execPath, [bin, 'run', 'flow.yaml', '--run-id', 'r'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // Both tasks have written their pid files (the second after its `sleep` started).
    const files = ['c1.pid', 'gc1.pid', 'c2.pid', 'gc2.pid'].map((f) => join(dir, f));
    for (let i = 0; i < 3000 && !files.every((f) => existsSync(f) && readFileSync(f, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 10));
    const pids = files.map((f) => Number(readFileSync(f, 'utf8')));
    expect(pids.map(alive)).toEqual([true, true, true, true]);
    child.kill('SIGINT');
    const code = await exited;
    await settle(pids);
    expect(pids.map(alive)).toEqual([false, false, false, false]);
    expect(code).toBe(130);
    expect(stderr).toContain('flowc: error FLOWC865: run r was interrupted by SIGINT: every running step was stopped');
    expect(stdout).toContain('run r interrupted: 1 stopped, 1 not-run');
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
    const rec = record(dir, 'r');
    expect(rec.status).toBe('interrupted');
    expect(rec.steps.map((s) => s.status)).toEqual(['stopped', 'not-run']);
    expect(rec.steps[0]?.tasks.map((t) => t.attempts[0]?.result)).toEqual(['stopped', 'stopped']);
  });

  it('kills every child when flowc itself ends early (a reader closed its stdout)', async () => {
    const dir = project(`flowc: 1
name: pipe
defaults: { image: alpine }
steps:
  a:
    run: |
      sleep 1000 &
      echo $! > gc.pid
      echo $$ > c.pid
      wait
  b:
    run: while [ ! -f go ]; do sleep 0.05; done
`);
    const child = spawn(process.execPath, [bin, 'run', 'flow.yaml', '--run-id', 'r'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '' } });
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const files = ['c.pid', 'gc.pid'].map((f) => join(dir, f));
    for (let i = 0; i < 3000 && !files.every((f) => existsSync(f) && readFileSync(f, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 10));
    const pids = files.map((f) => Number(readFileSync(f, 'utf8')));
    child.stdout.destroy();
    // b ends, flowc writes its status line into the closed pipe and exits on EPIPE.
    writeFileSync(join(dir, 'go'), '');
    await exited;
    await settle(pids);
    expect(pids.map(alive)).toEqual([false, false]);
  });
});
