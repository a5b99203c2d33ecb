import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { expectGolden } from '../helpers/golden.js';
import { listFiles, PROJECT, snapshot, tempFolders } from './helpers.js';

const { temp, track } = tempFolders();

const FLOW = 'content-model.flow.yaml';
const sweep = (out: string, ...extra: string[]) =>
  runCli(['compile', FLOW, '--target', 'ir', '--out', out, '--set', 'app.retries=3', '--sweep', 'app.train.epochs=range(5,20,5)', '--sweep', 'app.target_column=clicked,retained', ...extra], {
    cwd: PROJECT,
    env: { FLOWC_CACHE_DIR: join(out, '..', `${out.split('/').pop()}-cache`) },
  });

describe('flowc compile --sweep', () => {
  it('compiles the cartesian product into one folder per variant, with a manifest', async () => {
    const out = temp();
    track(`${out}-cache`);
    const r = await sweep(out, '--jobs', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowc: 6 variants into .*: 13 files written, 6 compiled, 0 from cache\n$/);
    const manifest = readFileSync(join(out, 'sweep.manifest.json'), 'utf8');
    expectGolden(join(PROJECT, 'expected/sweep.manifest.ir.json'), manifest);
    const variants = JSON.parse(manifest).variants as Record<string, { overrides: string[]; files: Record<string, string> }>;
    const names = Object.keys(variants);
    expect(names).toHaveLength(6);
    for (const name of names) expect(name).toMatch(/^content-model-(5|10|15)-(clicked|retained)-[0-9a-f]{8}$/);
    expect(Object.values(variants).map((v) => v.overrides)).toEqual([
      ['app.train.epochs=5', 'app.target_column=clicked'],
      ['app.train.epochs=5', 'app.target_column=retained'],
      ['app.train.epochs=10', 'app.target_column=clicked'],
      ['app.train.epochs=10', 'app.target_column=retained'],
      ['app.train.epochs=15', 'app.target_column=clicked'],
      ['app.train.epochs=15', 'app.target_column=retained'],
    ]);
    // Each variant is named after itself and carries its own overrides (and the shared --set).
    const [first] = names as [string];
    const ir = JSON.parse(readFileSync(join(out, first, `${first}.ir.json`), 'utf8'));
    expect(ir.flow.name).toBe(first);
    expect(ir.config.values.app).toMatchObject({ target_column: 'clicked', retries: 3, train: { epochs: 5 } });
    expect(listFiles(out)).toEqual(['sweep.manifest.json', ...names.flatMap((n) => [`${n}/${n}.config.lock.json`, `${n}/${n}.ir.json`]).sort()].sort());
  });

  it('uses the cache and the worker pool like build, with the same bytes', async () => {
    const a = temp();
    const b = temp();
    track(`${a}-cache`, `${b}-cache`);
    expect((await sweep(a, '--jobs', '2')).stdout).toContain('6 compiled, 0 from cache (2 threads)');
    expect((await sweep(a, '--jobs', '2')).stdout).toContain('0 files written, 0 compiled, 6 from cache');
    await sweep(b, '--jobs', '1', '--no-cache');
    expect(snapshot(a)).toEqual(snapshot(b));
  });

  it('--check passes when fresh; a changed sweep shows missing and stale variants; --prune cleans up', async () => {
    const out = temp();
    track(`${out}-cache`);
    await sweep(out, '--jobs', '1');
    expect((await sweep(out, '--check', '--jobs', '1')).code).toBe(0);
    const changed = ['compile', FLOW, '--target', 'ir', '--out', out, '--set', 'app.retries=3', '--sweep', 'app.train.epochs=range(5,20,5)', '--sweep', 'app.target_column=clicked', '--jobs', '1', '--no-cache'];
    const check = await runCli([...changed, '--check', '--diff'], { cwd: PROJECT });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^stale: .*content-model-5-retained-[0-9a-f]{8}\/content-model-5-retained-[0-9a-f]{8}\.ir\.json \(no variant produces it any more; --prune removes it\)$/m);
    expect(check.stdout).toContain('sweep.manifest.json (on disk)');
    const pruned = await runCli([...changed, '--prune'], { cwd: PROJECT });
    expect(pruned.code).toBe(0);
    expect(listFiles(out).filter((f) => f.includes('retained'))).toEqual([]);
    expect((await runCli([...changed, '--check'], { cwd: PROJECT })).code).toBe(0);
  });

  it('reports bad sweeps and same-named variants before compiling anything', async () => {
    const out = temp();
    const bad = await runCli(['compile', FLOW, '--target', 'ir', '--out', out, '--sweep', 'app.train.epochs', '--sweep', 'app.x=range(1,1)'], { cwd: PROJECT });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('flowc: error FLOWC720: --sweep app.train.epochs: expected KEY=VALUES');
    expect(bad.stderr).toContain('flowc: error FLOWC721: --sweep app.x=range(1,1): the range is empty');
    const twice = await runCli(['compile', FLOW, '--target', 'ir', '--out', out, '--sweep', 'app.train.epochs=5,5', '--no-cache'], { cwd: PROJECT });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/error FLOWC724: variants app\.train\.epochs=5 and app\.train\.epochs=5 are both named 'content-model-5-[0-9a-f]{8}'/);
    expect(listFiles(out)).toEqual([]);
  });

  it('a variant that fails names itself, and nothing is written', async () => {
    const out = temp();
    const r = await runCli(['compile', FLOW, '--target', 'ir', '--out', out, '--sweep', 'app.target_column=clicked,churned', '--jobs', '1', '--no-cache'], { cwd: PROJECT });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error FLOWC412: .*\n(.*\n)*?\s+note: in variant 'content-model-churned-[0-9a-f]{8}'/);
    expect(r.stderr).toMatch(/flowc: error FLOWC709: variant 'content-model-churned-[0-9a-f]{8}' failed to compile/);
    expect(listFiles(out)).toEqual([]);
  });

  it('is wrong usage without --out, and --jobs/--no-cache need --sweep (--prune needs --out)', async () => {
    expect((await runCli(['compile', FLOW, '--target', 'ir', '--sweep', 'app.retries=1,2'], { cwd: PROJECT })).code).toBe(2);
    const r = await runCli(['compile', FLOW, '--target', 'ir', '--out', temp(), '--jobs', '2'], { cwd: PROJECT });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--jobs and --no-cache apply to --sweep');
    // compile --out keeps a manifest of its own since issue 16, so --prune applies there too.
    const p = await runCli(['compile', FLOW, '--target', 'ir', '--prune'], { cwd: PROJECT });
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--prune removes stale files from --out DIR');
  });
});
