import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleCurrent, ROOT, tempFolders } from './helpers.js';

const { temp, project } = tempFolders();

/**
 * What a build that compiles nothing loads of flowc and its packages: a warm build's time is most
 * of its start-up and its writes, and loading ajv's compiler for the check summary's IR schema was
 * a twentieth of it (docs/decisions.md). The load recorder (test/project/load-recorder.cjs) sees
 * every CommonJS module and bundle chunk the process compiles, packages included.
 */
describe('a build whose every unit is in the cache', () => {
  for (const bundled of [true, false]) {
    it(`${bundled ? 'bundled' : 'module by module'}: loads neither ajv's compiler nor a validator it does not use${bundled ? ', nor flowc\'s compiler' : ''}`, () => {
      if (bundled && !bundleCurrent()) expect(spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs')], { cwd: ROOT, encoding: 'utf8' }).status).toBe(0);
      const dir = project();
      const log = join(temp(), 'loads.log');
      const run = (recorded: boolean) =>
        spawnSync(process.execPath, [...(recorded ? ['-r', join(import.meta.dirname, 'load-recorder.cjs')] : []), join(ROOT, 'bin/flowc.js'), 'build', '--out', 'out'], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, FLOWC_LOAD_LOG: log, FLOWC_CACHE_DIR: join(dir, 'cache'), FLOWC_BUNDLE: bundled ? '' : '0', CI: 'true' },
        });
      const cold = run(true);
      expect(cold.status, cold.stderr).toBe(0);
      const coldLoaded = readFileSync(log, 'utf8').split('\n');
      rmSync(join(dir, 'out'), { recursive: true });
      writeFileSync(log, '');
      const warm = run(true);
      expect(warm.status, warm.stderr).toBe(0);
      expect(warm.stdout).toMatch(/files written, 0 compiled, 3 from cache/);
      const loaded = readFileSync(log, 'utf8').split('\n');
      // The recorder sees what runs: the bundle's chunks, or the packages the modules import.
      expect(loaded.some((p) => (bundled ? /\/dist\/bundle\/flowc\.cjs$/ : /\/node_modules\/yaml\//).test(p))).toBe(true);
      // ajv's small runtime helpers, which generated validators call, are all it may load of ajv.
      expect(loaded.filter((p) => /\/node_modules\/ajv(-formats)?\/(?!dist\/runtime\/)|\/dist\/bundle\/ajv\.cjs$/.test(p))).toEqual([]);
      // Validators of flowc's own schemas that a warm build has no flow or options to check with.
      expect(loaded.filter((p) => /\/dist\/validators\/generated\/(flow|target-options)/.test(p))).toEqual([]);
      // The compiler itself, which compile-units.ts imports only when a unit misses: no chunk of the
      // bundle holding it. (flowc's own modules are ECMAScript modules, which the recorder does not
      // see: module by module, only the bundle can be checked.)
      const compiler = ['dist/pipeline/compile.js', 'dist/project/compile-unit.js'];
      const holdsCompiler = (p: string) => p.endsWith('.cjs') && p.includes('/dist/bundle/') && compiler.some((m) => readFileSync(p, 'utf8').includes(`\n// ${m}\n`));
      if (bundled) {
        expect(loaded.filter(holdsCompiler)).toEqual([]);
        // The check finds the compiler where it is loaded: in the cold build, which compiled.
        expect(coldLoaded.filter(holdsCompiler).length).toBeGreaterThan(0);
      }
    });
  }
});
