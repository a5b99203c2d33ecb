import { readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { expectGolden } from '../helpers/golden.js';
import { ALL_TARGETS, listFiles, PROJECT, snapshot, tempFolders } from './helpers.js';

const { temp, project } = tempFolders();

// In-process (--jobs 1) and without the cache, so these tests exercise src/ directly; the worker
// pool and the cache have their own tests.
const serial = ['--jobs', '1', '--no-cache'];

describe('flowc build on the fixture project', () => {
  it('compiles every binding for every registered target; outputs and manifest match the goldens', async () => {
    const out = temp();
    const r = await runCli(['build', '--target', ALL_TARGETS, '--out', out, ...serial], { cwd: PROJECT });
    // The project's config pins job definition revision 'content-model:7'; Step Functions writes
    // the job definition itself and warns in every binding that the revision is not used: printed
    // once for the three, each binding's name shown as <binding> (test/project/unit-groups*.test.ts).
    // One binding trains on a GitHub-hosted runner for 2h30m x 3 attempts: over the hosted 6 hours (FLOWC633).
    expect(r.stderr.match(/(error|warning) FLOWC\d+/g)).toEqual(['warning FLOWC628', 'warning FLOWC633']);
    expect(r.stderr).toContain(" to <binding>.batch.json and submits to its latest revision\n  note: write 'content-model' without the revision\n  note: in bindings 'content-base', 'content-ctr', 'content-retention'\n");
    expect(r.stderr).toMatch(/\n4 warnings \(2 distinct\)\n$/);
    expect(r.stderr).toContain("step 'train': its job needs");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowc: 3 bindings into .*: \d+ files written, 3 compiled, 0 from cache\n$/);
    const files = listFiles(out);
    for (const binding of ['content-base', 'content-ctr', 'content-retention']) {
      expect(files).toContain(`${binding}/${binding}.config.lock.json`);
      expect(files).toContain(`${binding}/${binding}.ir.json`);
    }
    for (const f of files) {
      if (f === 'build.manifest.json') continue;
      expectGolden(join(PROJECT, 'expected', f), readFileSync(join(out, f), 'utf8'));
    }
    // The manifest names every file written, with its hash; its golden is the IR-only build's,
    // so it does not change each time a target is registered.
    const manifest = JSON.parse(readFileSync(join(out, 'build.manifest.json'), 'utf8'));
    const listed = Object.values(manifest.bindings as Record<string, { files: Record<string, string> }>).flatMap((b) => Object.keys(b.files));
    expect(listed.sort()).toEqual(files.filter((f) => f !== 'build.manifest.json'));
    const irOut = temp();
    expect((await runCli(['build', '--target', 'ir', '--out', irOut, ...serial], { cwd: PROJECT })).code).toBe(0);
    expectGolden(join(PROJECT, 'expected/build.manifest.ir-only.json'), readFileSync(join(irOut, 'build.manifest.json'), 'utf8'));
  });

  it('names each workflow after its binding, and applies binding files and set overrides', async () => {
    const out = temp();
    await runCli(['build', '--target', 'ir', '--out', out, ...serial], { cwd: PROJECT });
    const ir = (b: string) => JSON.parse(readFileSync(join(out, b, `${b}.ir.json`), 'utf8'));
    expect(ir('content-ctr').flow.name).toBe('content-ctr');
    expect(ir('content-ctr').config.values.app.target_column).toBe('clicked');
    expect(ir('content-ctr').config.values.app.train.gpu).toBe(1); // from gpu.toml, which ctr.toml extends
    expect(ir('content-retention').config.values.app.train.epochs).toBe(20); // set: in flowc.yaml
    expect(ir('content-base').config.values.app.target_column).toBe('engagement');
  });

  it('is byte-identical on a second run, from another folder, and writes nothing unchanged', async () => {
    const out = temp();
    await runCli(['build', '--target', 'ir', '--out', out, ...serial], { cwd: PROJECT });
    const first = snapshot(out);
    const r = await runCli(['build', '--project', join(PROJECT, 'flowc.yaml'), '--target', 'ir', '--out', out, ...serial], { cwd: out });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(': 0 files written');
    expect(snapshot(out)).toEqual(first);
  });

  it('--only builds the matching bindings and keeps the others\' files and manifest entries', async () => {
    const out = temp();
    await runCli(['build', '--target', 'ir', '--out', out, ...serial], { cwd: PROJECT });
    const before = readFileSync(join(out, 'build.manifest.json'), 'utf8');
    const r = await runCli(['build', '--target', 'ir', '--out', out, '--only', 'content-c*', ...serial], { cwd: PROJECT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowc: 1 binding into/);
    expect(readFileSync(join(out, 'build.manifest.json'), 'utf8')).toBe(before);
    expect(r.stderr).toBe('');
    const none = await runCli(['build', '--target', 'ir', '--out', out, '--only', 'nothing-*', ...serial], { cwd: PROJECT });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/error FLOWC708: --only nothing-\* matches no binding/);
    expect(none.stderr).toContain('bindings: content-base, content-ctr, content-retention');
  });

  it('a failure in one binding reports every failing binding and leaves every file untouched', async () => {
    const dir = project();
    expect((await runCli(['build', '--target', 'ir', ...serial], { cwd: dir })).code).toBe(0);
    const before = snapshot(join(dir, 'build'));
    // Break two bindings in different ways; the base binding still compiles.
    writeFileSync(join(dir, 'config/retention.toml'), 'target_column = "churned"\n');
    writeFileSync(join(dir, 'config/gpu.toml'), '[train]\ncpu = "lots"\n');
    const r = await runCli(['build', '--target', 'ir', ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error FLOWC412: .*\n(.*\n)*.*in binding 'content-retention'/);
    expect(r.stderr).toMatch(/flowc\.yaml:10:11: error FLOWC709: binding 'content-ctr' failed to compile \(\d+ errors?\); nothing was written/);
    expect(r.stderr).toMatch(/flowc\.yaml:14:11: error FLOWC709: binding 'content-retention' failed to compile/);
    expect(r.stderr).not.toContain("binding 'content-base' failed");
    expect(snapshot(join(dir, 'build'))).toEqual(before);
  });

  it("a bad `set:` entry of a binding is reported where it stands in flowc.yaml, and its provenance points there", async () => {
    const dir = project();
    const yaml = readFileSync(join(dir, 'flowc.yaml'), 'utf8');
    writeFileSync(join(dir, 'flowc.yaml'), yaml.replace('set: [app.train.epochs=20]', 'set: [app.train.epochs=20, app.train.epoch=3]'));
    const bad = await runCli(['build', '--target', 'ir', ...serial], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flowc\.yaml:\d+:32: error FLOWC406: set app\.train\.epoch=3: app\.train has no key "epoch"$/m);

    writeFileSync(join(dir, 'flowc.yaml'), yaml);
    expect((await runCli(['build', '--target', 'ir', ...serial], { cwd: dir })).code).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, 'build/content-retention/content-retention.config.lock.json'), 'utf8'));
    const epochs = lock.configs.app.provenance.find((p: { path: string }) => p.path === 'train.epochs');
    expect(epochs.origin).toEqual({ kind: 'set', arg: 'app.train.epochs=20', file: 'flowc.yaml', line: 18, col: 11 });
  });

  it('the same problem in several bindings is reported once, naming them all', async () => {
    const dir = project();
    writeFileSync(join(dir, 'config/base.toml'), readFileSync(join(dir, 'config/base.toml'), 'utf8').replace('image = ', 'imagex = '));
    const r = await runCli(['build', '--target', 'ir', ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    const schemaErrors = r.stderr.split('\n').filter((l) => l.includes('FLOWC412'));
    expect(schemaErrors).toHaveLength(1);
    expect(r.stderr).toContain("in bindings 'content-base', 'content-ctr', 'content-retention'");
    expect(r.stderr.match(/FLOWC709/g)).toHaveLength(3);
  });
});

describe('flowc build --check', () => {
  async function built(): Promise<string> {
    const dir = project();
    expect((await runCli(['build', '--target', 'ir', ...serial], { cwd: dir })).code).toBe(0);
    return dir;
  }

  it('passes on a fresh build and writes nothing', async () => {
    const dir = await built();
    const before = snapshot(dir);
    const r = await runCli(['build', '--target', 'ir', '--check', '--jobs', '1'], { cwd: dir });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before); // not even a cache folder
  });

  it('fails with a unified diff per stale file', async () => {
    const dir = await built();
    writeFileSync(join(dir, 'config/retention.toml'), readFileSync(join(dir, 'config/retention.toml'), 'utf8').replace('0 6 * * *', '0 7 * * *'));
    const before = snapshot(dir);
    const r = await runCli(['build', '--target', 'ir', '--check', '--diff', ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--- build/content-retention/content-retention.ir.json (on disk)\n+++ build/content-retention/content-retention.ir.json (compiled)\n');
    expect(r.stdout).toMatch(/^-.*0 6 \* \* \*/m);
    expect(r.stdout).toMatch(/^\+.*0 7 \* \* \*/m);
    expect(r.stdout).not.toContain('content-base.ir.json');
    expect(r.stderr).toMatch(/stale, missing or left over/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('fails on missing files', async () => {
    const dir = await built();
    rmSync(join(dir, 'build/content-ctr/content-ctr.config.lock.json'));
    const r = await runCli(['build', '--target', 'ir', '--check', ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      ['flowc --check: 1 of 3 bindings out of date (1 missing)', '  content-ctr: content-ctr.config.lock.json missing', 'missing: build/content-ctr/content-ctr.config.lock.json', ''].join('\n'),
    );
  });

  it('reports the files of a removed binding as stale, and --prune removes them, after which --check passes', async () => {
    const dir = await built();
    writeFileSync(join(dir, 'notes.txt'), 'not written by flowc\n');
    writeFileSync(join(dir, 'build/README.md'), 'not written by flowc either\n');
    // Remove the retention binding from the project.
    const yaml = readFileSync(join(dir, 'flowc.yaml'), 'utf8');
    writeFileSync(join(dir, 'flowc.yaml'), yaml.slice(0, yaml.indexOf('  - name: content-retention')));
    const check = await runCli(['build', '--target', 'ir', '--check', ...serial], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('stale: build/content-retention/content-retention.ir.json (no binding produces it any more; --prune removes it)');
    expect(check.stdout).toContain('stale: build/content-retention/content-retention.config.lock.json');

    // Without --prune: a warning, the files stay and stay tracked.
    const kept = await runCli(['build', '--target', 'ir', ...serial], { cwd: dir });
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/warning FLOWC710: 2 files written by an earlier build are no longer produced by any binding/);
    expect(kept.stderr).toContain('stale: build/content-retention/content-retention.ir.json');
    expect(existsSync(join(dir, 'build/content-retention/content-retention.ir.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'build/build.manifest.json'), 'utf8')).stale).toHaveProperty(['content-retention/content-retention.ir.json']);
    expect((await runCli(['build', '--target', 'ir', '--check', ...serial], { cwd: dir })).code).toBe(1);

    const pruned = await runCli(['build', '--target', 'ir', '--prune', ...serial], { cwd: dir });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('removed build/content-retention/content-retention.ir.json\n');
    expect(existsSync(join(dir, 'build/content-retention'))).toBe(false);
    expect(readFileSync(join(dir, 'build/README.md'), 'utf8')).toBe('not written by flowc either\n');
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    const clean = await runCli(['build', '--target', 'ir', '--check', ...serial], { cwd: dir });
    expect(clean.stdout).toBe('');
    expect(clean.code).toBe(0);
  });

  it('--prune keeps a stale file that was edited after flowc wrote it (FLOWC711)', async () => {
    const dir = await built();
    appendFileSync(join(dir, 'build/content-ctr/content-ctr.ir.json'), '\n');
    const r = await runCli(['build', '--target', 'ir', '--only', 'content-base', '--out', 'build', '--prune', ...serial], { cwd: dir });
    expect(r.code).toBe(0);
    // Scope is content-base only: content-ctr's files are not stale.
    expect(r.stderr).toBe('');
    const yaml = readFileSync(join(dir, 'flowc.yaml'), 'utf8');
    writeFileSync(join(dir, 'flowc.yaml'), yaml.replace('name: content-ctr', 'name: content-click'));
    const p = await runCli(['build', '--target', 'ir', '--prune', ...serial], { cwd: dir });
    expect(p.code).toBe(0);
    expect(p.stderr).toMatch(/warning FLOWC711: build\/content-ctr\/content-ctr\.ir\.json was written by an earlier build but has been changed since/);
    expect(existsSync(join(dir, 'build/content-ctr/content-ctr.ir.json'))).toBe(true);
    expect(existsSync(join(dir, 'build/content-ctr/content-ctr.config.lock.json'))).toBe(false);
    expect(existsSync(join(dir, 'build/content-click/content-click.ir.json'))).toBe(true);
  });

  it('warns (FLOWC712) and carries on when the manifest is not one flowc wrote', async () => {
    const dir = await built();
    writeFileSync(join(dir, 'build/build.manifest.json'), '{ not json');
    const r = await runCli(['build', '--target', 'ir', ...serial], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning FLOWC712: build\/build\.manifest\.json is not a manifest this flowc wrote/);
    expect(JSON.parse(readFileSync(join(dir, 'build/build.manifest.json'), 'utf8')).manifestVersion).toBe(1);
  });
});

describe('flowc build: usage and the progress bar', () => {
  it('draws a progress bar on a terminal, and none under CI or when piped', async () => {
    const a = await runCli(['build', '--target', 'ir', '--out', temp(), ...serial], { cwd: PROJECT, tty: true });
    expect(a.stderr).toContain('\r\x1b[2K[##########....................] 1/3 bindings');
    expect(a.stderr).toContain('3/3 bindings');
    expect(a.stderr.endsWith('\r\x1b[2K')).toBe(true);
    const ci = await runCli(['build', '--target', 'ir', '--out', temp(), ...serial], { cwd: PROJECT, tty: true, env: { CI: 'true' } });
    expect(ci.stderr).toBe('');
    const piped = await runCli(['build', '--target', 'ir', '--out', temp(), ...serial], { cwd: PROJECT, tty: false });
    expect(piped.stderr).toBe('');
  });

  it('rejects bad --jobs and unknown --target as wrong usage', async () => {
    expect((await runCli(['build', '--jobs', '0'], { cwd: PROJECT })).code).toBe(2);
    const t = await runCli(['build', '--target', 'nope'], { cwd: PROJECT });
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("unknown target 'nope'");
  });
});

describe('the fixture project outputs, checked by the engines\' own validators', () => {
  it('every binding\'s Argo and Step Functions artifacts validate and carry the binding\'s name', async () => {
    const { validateArgo } = await import('../targets/argo/helpers.js');
    const { aslErrors } = await import('../targets/stepfunctions/helpers.js');
    for (const binding of ['content-base', 'content-ctr', 'content-retention']) {
      const dir = join(PROJECT, 'expected', binding);
      const docs = validateArgo(readFileSync(join(dir, `${binding}.argo.yaml`), 'utf8'));
      expect(docs.map((d) => d.metadata.name)).toContain(binding);
      const asl = JSON.parse(readFileSync(join(dir, `${binding}.asl.json`), 'utf8'));
      expect(aslErrors(asl)).toEqual([]);
      expect(asl.Comment).toMatch(new RegExp(`^${binding}: `));
    }
  });
});
