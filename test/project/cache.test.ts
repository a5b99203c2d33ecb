import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { editEntry, unitEntries } from './cache-entries.js';
import { copyProject, listFiles, snapshot } from './helpers.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The counts flowc build prints: "N compiled, M from cache". */
function counts(stdout: string): { compiled: number; cached: number } {
  const m = /(\d+) compiled, (\d+) from cache/.exec(stdout);
  if (!m) throw new Error(`no counts in ${JSON.stringify(stdout)}`);
  return { compiled: Number(m[1]), cached: Number(m[2]) };
}

async function build(dir: string, ...extra: string[]) {
  const r = await runCli(['build', '--target', 'ir', '--jobs', '1', ...extra], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

function project(): string {
  const d = copyProject();
  cleanup.push(d);
  return d;
}

describe('the build cache', () => {
  it('lives in .flowc-cache next to flowc.yaml, ignoring itself in git, one file per compiled binding', async () => {
    const dir = project();
    await build(dir);
    expect(readFileSync(join(dir, '.flowc-cache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
    // units/: one entry per binding; stamps/: one file per output folder (docs/project.md, "Up-to-date outputs").
    expect(readdirSync(join(dir, '.flowc-cache')).sort()).toEqual(['.gitignore', 'stamps', 'units']);
    expect(readdirSync(join(dir, '.flowc-cache/units'))).toHaveLength(3);
    expect(readdirSync(join(dir, '.flowc-cache/stamps'))).toHaveLength(1);
  });

  it('skips unchanged bindings, recompiles exactly those whose files changed (extends included), and hits again on revert', async () => {
    const dir = project();
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 3, cached: 0 });
    const outputs = snapshot(join(dir, 'build'));
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 0, cached: 3 });
    expect(snapshot(join(dir, 'build'))).toEqual(outputs);

    // gpu.toml is read only by content-ctr, through ctr.toml's extends.
    const gpu = readFileSync(join(dir, 'config/gpu.toml'), 'utf8');
    writeFileSync(join(dir, 'config/gpu.toml'), gpu.replace('cpu = 8', 'cpu = 16'));
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 1, cached: 2 });
    // The compile it replaced is kept (moved, not copied), so the revert below hits it.
    expect(readdirSync(join(dir, '.flowc-cache/kept'))).toHaveLength(1);
    expect(readdirSync(join(dir, '.flowc-cache/units'))).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(dir, 'build/content-ctr/content-ctr.ir.json'), 'utf8')).steps.find((s: { id: string }) => s.id === 'train').resources.cpuMillis).toBe(16000);

    // The flow file is read by every binding; the schema too.
    writeFileSync(join(dir, 'config/gpu.toml'), gpu);
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 0, cached: 3 });
    expect(snapshot(join(dir, 'build'))).toEqual(outputs);
    // And the edit again: both versions stay hits.
    writeFileSync(join(dir, 'config/gpu.toml'), gpu.replace('cpu = 8', 'cpu = 16'));
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 0, cached: 3 });
    writeFileSync(join(dir, 'config/gpu.toml'), gpu);
    writeFileSync(join(dir, 'content-model.flow.yaml'), `${readFileSync(join(dir, 'content-model.flow.yaml'), 'utf8')}# edited\n`);
    expect(counts((await build(dir)).stdout)).toEqual({ compiled: 3, cached: 0 });
  });

  it('serves the stored outputs themselves: an edited cache entry shows up in the build (proof nothing was recompiled)', async () => {
    const dir = project();
    await build(dir);
    const entries = unitEntries(join(dir, '.flowc-cache'));
    expect(entries).toHaveLength(3);
    // Entries are sealed with content hashes (a bare edit is refused, see hostile-outputs): re-seal the edit.
    for (const e of entries) {
      editEntry(e, (body) => {
        for (const f of body.files) f.contents = f.contents.replaceAll('"lockfileVersion": 1', '"lockfileVersion": 1, "fromCache": true');
      });
    }
    rmSync(join(dir, 'build'), { recursive: true });
    await build(dir);
    expect(readFileSync(join(dir, 'build/content-base/content-base.config.lock.json'), 'utf8')).toContain('"fromCache": true');
    // --no-cache compiles afresh and neither reads nor trusts the entries.
    const fresh = await build(dir, '--no-cache');
    expect(counts(fresh.stdout)).toEqual({ compiled: 3, cached: 0 });
    expect(readFileSync(join(dir, 'build/content-base/content-base.config.lock.json'), 'utf8')).not.toContain('fromCache');
  });

  it('keys on the overrides, the targets and the environment variables a config reads', async () => {
    const dir = project();
    writeFileSync(join(dir, 'config/retention.toml'), `${readFileSync(join(dir, 'config/retention.toml'), 'utf8')}image = "\${env:RETENTION_IMAGE,ghcr.io/acme/content-model:2.7.1}"\n`);
    const withEnv = (env: Record<string, string>) => runCli(['build', '--target', 'ir', '--jobs', '1'], { cwd: dir, env });
    expect(counts((await withEnv({})).stdout)).toEqual({ compiled: 3, cached: 0 });
    // An unrelated variable changes nothing; the one retention reads recompiles retention only.
    expect(counts((await withEnv({ UNRELATED: 'x' })).stdout)).toEqual({ compiled: 0, cached: 3 });
    expect(counts((await withEnv({ RETENTION_IMAGE: 'ghcr.io/acme/other:1' })).stdout)).toEqual({ compiled: 1, cached: 2 });
    // Another target list is another request.
    const both = await runCli(['build', '--target', 'ir,argo', '--jobs', '1'], { cwd: dir });
    expect(counts(both.stdout)).toEqual({ compiled: 3, cached: 0 });
    // A set: override in flowc.yaml is part of the key.
    writeFileSync(join(dir, 'flowc.yaml'), readFileSync(join(dir, 'flowc.yaml'), 'utf8').replace('app.train.epochs=20', 'app.train.epochs=21'));
    expect(counts((await withEnv({})).stdout)).toEqual({ compiled: 1, cached: 2 });
  });

  it('--check reads the cache but never writes it; FLOWC_CACHE_DIR moves it', async () => {
    const dir = project();
    const r = await runCli(['build', '--target', 'ir', '--jobs', '1'], { cwd: dir, env: { FLOWC_CACHE_DIR: 'elsewhere' } });
    expect(r.code).toBe(0);
    expect(listFiles(dir).some((f) => f.startsWith('elsewhere/units/'))).toBe(true);
    rmSync(join(dir, 'elsewhere'), { recursive: true });
    const check = await runCli(['build', '--target', 'ir', '--check', '--jobs', '1'], { cwd: dir, env: { FLOWC_CACHE_DIR: 'elsewhere' } });
    expect(check.code).toBe(0);
    expect(listFiles(dir).some((f) => f.startsWith('elsewhere'))).toBe(false);
  });
});
