import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fingerprintFiles, fingerprintOf, isCode } from '../../src/project/fingerprint.js';
import { HELP_FROM } from '../../src/cli/stage-helper.js';
import { BUNDLE, bundleCurrent, ROOT, tempFolders } from './helpers.js';

/** The flow the fixture project's bindings compile (its top-level `flow:`). */
function flowOf(projectYaml: string): string {
  return (/^flow: *(\S+)/m.exec(projectYaml) as RegExpExecArray)[1] as string;
}

const { temp, project } = tempFolders();

// The build cache is keyed by the compiler's fingerprint: a file that runs but is left out of it
// lets an upgraded compiler serve entries made by the old one.
describe('compiler fingerprint', () => {
  it('covers every file that runs, including the CommonJS ajv bundle and generated validators', () => {
    for (const p of ['dist/cli/main.js', 'dist/bundle/ajv.cjs', 'dist/validators/generated/flow_7f52.cjs', 'dist/x.mjs', 'src/ir/lower.ts']) expect(isCode(p), p).toBe(true);
  });
  it('leaves out type declarations, maps and caches, which change nothing that runs', () => {
    for (const p of ['dist/ir/lower.d.ts', 'dist/ir/lower.js.map', 'dist/bundle/flowc.code-cache', 'dist/x.json']) expect(isCode(p), p).toBe(false);
  });

  // The oracle: every file of flowc's own that a bundled build opens (the CLI's chunks, the
  // worker's, the validators, schemas), recorded by a preload hooking fs in the process and its
  // worker threads. node_modules is not part of the fingerprint (packages are pinned by the lockfile).
  it('from the CLI bundle, hashes every file of flowc a build reads (a cold build with workers and the staging thread, then a warm one)', () => {
    if (!bundleCurrent()) expect(spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs')], { cwd: ROOT, encoding: 'utf8' }).status).toBe(0);
    expect(bundleCurrent()).toBe(true);
    const dir = project();
    // Enough bindings for a write of HELP_FROM files or more, which starts the staging thread (src/cli/stage-helper.ts).
    const fixture = readFileSync(join(dir, 'flowc.yaml'), 'utf8');
    const bindings = Array.from({ length: Math.ceil(HELP_FROM / 8) }, (_, i) => ({ name: `v-${i}`, set: [`app.retries=${i % 4}`] }));
    writeFileSync(join(dir, 'flowc.yaml'), JSON.stringify({ flowc: 1, targets: ['ir', 'argo', 'gcp-workflows', 'github-actions', 'stepfunctions'], flow: flowOf(fixture), bindings }));
    const log = join(temp(), 'reads.log');
    writeFileSync(log, '');
    const run = () =>
      spawnSync(process.execPath, ['-r', join(import.meta.dirname, 'read-recorder.cjs'), join(ROOT, 'bin/flowc.js'), 'build', '--jobs', '2'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, FLOWC_READ_LOG: log, FLOWC_CACHE_DIR: join(dir, 'cache'), FLOWC_BUNDLE: '' },
      });
    const runs = [run(), run()];
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    expect(runs[0]?.stdout).toMatch(new RegExp(`: \\d{4,} files written`));
    const read = new Set(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((p) => p.startsWith(`${ROOT}/`) && !p.startsWith(`${ROOT}/node_modules/`))
        // Bytecode is taken only when made from the very text of the file it caches (bin/load-bundle.cjs).
        .filter((p) => !p.includes('/code-cache/')),
    );
    expect(read.has(BUNDLE)).toBe(true);
    expect(read.has(join(ROOT, 'dist/cli/main.js'))).toBe(false);
    expect([...read].some((p) => p.includes('/dist/bundle/compile-worker'))).toBe(true);
    expect([...read].some((p) => p.includes('/stage-worker'))).toBe(true);
    const hashed = new Set(fingerprintFiles(pathToFileURL(BUNDLE).href).flatMap((p) => p.files));
    expect([...read].filter((p) => !hashed.has(p))).toEqual([]);
    // Far fewer than the modules the bundle was made from.
    expect(hashed.size).toBeLessThan(fingerprintFiles(pathToFileURL(join(ROOT, 'dist/project/fingerprint.js')).href).flatMap((p) => p.files).length / 2);
  });

  it('changes with any byte of any file it covers, or a file added, in either layout', () => {
    const root = temp();
    const files = ['dist/bundle/flowc.cjs', 'dist/bundle/build-x.cjs', 'dist/validators/generated.cjs', 'dist/validators/generated/flow_1.cjs', 'bin/load-bundle.cjs', 'schemas/flow.schema.json', 'targets/airflow.py.hbs', 'dist/project/fingerprint.js', 'dist/cli/main.js', 'dist/cli/stage-worker.js', 'dist/cli/stage-protocol.js', 'dist/source/shared.js'];
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), `// ${f}\n`);
    }
    // The staging thread runs from dist beside the bundle: it and what it imports are covered.
    writeFileSync(join(root, 'dist/cli/stage-worker.js'), "import { JOB } from './stage-protocol.js';\n");
    writeFileSync(join(root, 'dist/cli/stage-protocol.js'), "export { x } from '../source/shared.js';\n");
    const bundled = fingerprintFiles(pathToFileURL(join(root, 'dist/bundle/flowc.cjs')).href).flatMap((p) => p.files);
    for (const f of ['dist/cli/stage-worker.js', 'dist/cli/stage-protocol.js', 'dist/source/shared.js']) expect(bundled).toContain(join(root, f));
    expect(bundled).not.toContain(join(root, 'dist/cli/main.js'));
    for (const from of ['dist/bundle/flowc.cjs', 'dist/project/fingerprint.js']) {
      const url = pathToFileURL(join(root, from)).href;
      const before = fingerprintOf(fingerprintFiles(url));
      const covered = fingerprintFiles(url).flatMap((p) => p.files);
      expect(covered.length).toBeGreaterThan(3);
      for (const f of covered) {
        const text = readFileSync(f, 'utf8');
        writeFileSync(f, `${text} `);
        expect(fingerprintOf(fingerprintFiles(url)), `${from}: ${f}`).not.toBe(before);
        writeFileSync(f, text);
      }
      expect(fingerprintOf(fingerprintFiles(url))).toBe(before);
      const added = join(root, from.startsWith('dist/bundle') ? 'dist/bundle/new-chunk.cjs' : 'dist/project/new.js');
      writeFileSync(added, '');
      expect(fingerprintOf(fingerprintFiles(url))).not.toBe(before);
      cpSync(added, `${added}.d.ts`);
    }
  });
});
