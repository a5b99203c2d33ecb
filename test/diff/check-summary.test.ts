import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { irChangeLines } from '../../src/diff/summary.js';
import { runCli } from '../cli/run-cli.js';
import { copyProject } from '../project/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('build --check: the per-step summary of flowc diff', () => {
  it('prints the step changes of an out-of-date binding built for the ir target, under its config lines and above any diff', async () => {
    const dir = copyProject();
    dirs.push(dir);
    expect((await runCli(['build', '--target', 'argo,ir', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const gpu = join(dir, 'config', 'gpu.toml');
    writeFileSync(gpu, readFileSync(gpu, 'utf8').replace('cpu = 8', 'cpu = 6'));
    const r = await runCli(['-q', 'build', '--target', 'argo,ir', '--check', '--diff', '--jobs', '1'], { cwd: dir });
    expect(r.code).toBe(1);
    const summary = [
      'flowc --check: 1 of 3 bindings out of date (4 files differ)',
      '  content-ctr: content-ctr.argo.yaml, content-ctr.ir.json, content-ctr.config.lock.json differ',
      '    config app.train.cpu: 8 -> 6 (config/gpu.toml:3:7)',
      '    step train:',
      '      resources.cpu: 8 -> 6',
      '  build.manifest.json differs',
      '',
    ].join('\n');
    expect(r.stdout.startsWith(summary)).toBe(true);
    expect(r.stdout.slice(summary.length)).toMatch(/^--- build\/content-ctr\/content-ctr\.argo\.yaml \(on disk\)/);
  });

  it('an IR on disk that flowc cannot read gives a line, never an error', () => {
    expect(irChangeLines({ before: '{"irVersion": 9}', after: '{}', indent: '    ' })).toEqual(['    the IR on disk is not one this flowc reads; per-step changes unknown']);
    expect(irChangeLines({ before: 'not json', after: '{}', indent: '  ' })).toHaveLength(1);
  });
});
