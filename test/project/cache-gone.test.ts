import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitUnits } from '../../src/cli/commands/build.js';
import { BuildCache } from '../../src/project/cache.js';
import type { StoredFile } from '../../src/project/cache-entry.js';
import { compilerFingerprint } from '../../src/project/fingerprint.js';
import { BUILD_MANIFEST } from '../../src/project/manifest.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { runCli } from '../cli/run-cli.js';
import { copyProject, snapshot } from './helpers.js';

/** A cache whose entries are deleted right after the last lookup: as if the cache folder went away while the build ran. */
class VanishingCache extends BuildCache {
  override lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const hit = super.lookup(unit, env);
    if (unit.name === 'content-retention') rmSync(join(this.dir, 'units'), { recursive: true, force: true });
    return hit;
  }
}

/**
 * Entries that go away twice: content-ctr's right after the lookups, then, while content-ctr is
 * compiled afresh (its store), content-base's, whose bytes the first write attempt had read.
 */
class RacingCache extends BuildCache {
  override lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const hit = super.lookup(unit, env);
    if (unit.name === 'content-retention') this.remove('content-ctr');
    return hit;
  }
  override store(unit: CompileUnit, output: UnitOutput): void {
    super.store(unit, output);
    this.remove('content-base');
  }
  private remove(name: string): void {
    for (const f of readdirSync(join(this.dir, 'units'))) {
      if (readFileSync(join(this.dir, 'units', f), 'utf8').includes(`"${name}.ir.json"`)) rmSync(join(this.dir, 'units', f));
    }
  }
}

/** Counts the cached files given back without their bytes in memory. */
class CountingCache extends BuildCache {
  dropped = 0;
  override lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const hit = super.lookup(unit, env);
    this.dropped += (hit?.files ?? []).filter((f) => (f as StoredFile).bytes === undefined).length;
    return hit;
  }
}

const units = (dir: string): CompileUnit[] =>
  ['content-base', 'content-ctr', 'content-retention'].map((name) => ({ name, flowPath: join(dir, 'content-model.flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir, projectRoot: dir }));

async function emit(dir: string, cache: BuildCache) {
  let stdout = '';
  let stderr = '';
  const code = await emitUnits(
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false, cwd: dir, env: {} },
    { units: units(dir), meta: new Map(), keep: [], kind: 'build', header: {}, manifestName: BUILD_MANIFEST, outDir: join(dir, 'out'), check: false, prune: false, cache, jobs: 1, format: 'text' },
  );
  return { code, stdout, stderr };
}

// A warm build keeps in memory only the cached files its output folder does not already hold
// (cache.ts, `recorded`); the others are read again from their entries if they turn out to differ.
describe('cached files read again from their entries', () => {
  it('are written as verified when an output changed on disk', async () => {
    const dir = copyProject();
    const cacheDir = join(dir, 'cache');
    expect((await emit(dir, new BuildCache(cacheDir, compilerFingerprint()))).code).toBe(0);
    const good = snapshot(join(dir, 'out'));
    const ir = join(dir, 'out/content-ctr/content-ctr.ir.json');
    writeFileSync(ir, readFileSync(ir, 'utf8').replace('"content-ctr"', '"edited"'));
    const counting = new CountingCache(cacheDir, compilerFingerprint());
    const r = await emit(dir, counting);
    expect(r.stdout).toMatch(/: 1 file written, 0 compiled, 3 from cache/);
    // Every cached file matched the manifest: none was kept in memory, the edited one was read again.
    expect(counting.dropped).toBe(6);
    expect(snapshot(join(dir, 'out'))).toEqual(good);
  });

  it('compile the unit afresh when its entry went away meanwhile, and write the right file', async () => {
    const dir = copyProject();
    const cacheDir = join(dir, 'cache');
    expect((await emit(dir, new BuildCache(cacheDir, compilerFingerprint()))).code).toBe(0);
    const good = snapshot(join(dir, 'out'));
    const ir = join(dir, 'out/content-ctr/content-ctr.ir.json');
    writeFileSync(ir, 'edited\n');
    const r = await emit(dir, new VanishingCache(cacheDir, compilerFingerprint()));
    expect(r.code).toBe(0);
    // Another build or a deleted cache is not a fault of the entry: no warning.
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/: 1 file written, 1 compiled, 2 from cache/);
    expect(snapshot(join(dir, 'out'))).toEqual(good);
    // The fresh compile was stored again.
    expect(readdirSync(join(cacheDir, 'units'))).toHaveLength(1);
  });

  it('fail the build with FLOWC026, writing nothing, when entries go away again during the fresh compile', async () => {
    const dir = copyProject();
    const cacheDir = join(dir, 'cache');
    expect((await emit(dir, new BuildCache(cacheDir, compilerFingerprint()))).code).toBe(0);
    for (const unit of ['content-base', 'content-ctr']) writeFileSync(join(dir, `out/${unit}/${unit}.ir.json`), 'edited\n');
    const before = snapshot(join(dir, 'out'));
    const r = await emit(dir, new RacingCache(cacheDir, compilerFingerprint()));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'flowc: error FLOWC026: the build cache entries holding 1 file to write changed or went away while this build ran (another build storing the same units, or the cache folder deleted); nothing was written\n  note: not written: out/content-base/content-base.ir.json\n  note: run the build again\n1 error\n',
    );
    expect(snapshot(join(dir, 'out'))).toEqual(before);
    // The next build compiles afresh and repairs the files.
    const again = await runCli(['build', '--target', 'ir', '--jobs', '1', '--out', 'out'], { cwd: dir, env: { FLOWC_CACHE_DIR: 'cache' } });
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'out/content-ctr/content-ctr.ir.json'), 'utf8')).not.toBe('edited\n');
  });
});
