import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/project/cache.js';
import { StoredFile } from '../../src/project/cache-entry.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { sha256Hex } from '../../src/source/canonical-json.js';

// What a warm `flowc build` does per unit (issue 19: a build whose outputs are all cached should
// cost little more than hashing its inputs).
describe('warm build cache', () => {
  it('hashes each dependency file once per build: one build is one snapshot of its inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cache-warm-'));
    const dep = join(dir, 'app.toml');
    writeFileSync(dep, 'a = 1\n');
    const unit = (name: string): CompileUnit => ({ name, flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir });
    const output = (name: string): UnitOutput => ({
      name,
      ok: true,
      diagnostics: [],
      files: [{ path: `${name}.ir.json`, contents: '{}\n' }],
      configHash: 'h',
      deps: { files: [{ path: dep, sha256: sha256Hex('a = 1\n') }], env: [] },
    });
    const cacheDir = join(dir, 'cache');
    const first = new BuildCache(cacheDir, 'test');
    for (const n of ['one', 'two']) first.store(unit(n), output(n));

    const build = new BuildCache(cacheDir, 'test');
    expect(build.lookup(unit('one'), {})?.fromCache).toBe(true);
    // Edited while this build runs: its other units still see the inputs it started from ...
    writeFileSync(dep, 'a = 2\n');
    expect(build.lookup(unit('two'), {})?.fromCache).toBe(true);
    // ... and the next build sees the edit.
    expect(new BuildCache(cacheDir, 'test').lookup(unit('two'), {})).toBeUndefined();
    expect(build.problems).toEqual([]);
    expect(readdirSync(join(cacheDir, 'units'))).toHaveLength(2);
    expect(readFileSync(dep, 'utf8')).toBe('a = 2\n');
  });

  it('turns each stored file into the entry\'s, with its SHA-256, and gives back verified files with theirs: the manifest hashes neither again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cache-warm-'));
    const dep = join(dir, 'app.toml');
    writeFileSync(dep, 'a = 1\n');
    const unit: CompileUnit = { name: 'one', flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir };
    const files = [
      { path: 'one.ir.json', contents: '{"é": "😀"}\n' },
      { path: 'one.lock.json', contents: '' },
    ];
    const output: UnitOutput = { name: 'one', ok: true, diagnostics: [], files, configHash: 'h', deps: { files: [{ path: dep, sha256: sha256Hex('a = 1\n') }], env: [] } };
    new BuildCache(join(dir, 'cache'), 'test').store(unit, output);
    // Stored: the files are the entry's, read back from it (verified) when written, not held in memory.
    expect(output.files.every((f) => f instanceof StoredFile && f.bytes === undefined)).toBe(true);
    expect(output.files.map((f) => [f.path, (f as StoredFile).sha256, f.contents])).toEqual(files.map((f) => [f.path, sha256Hex(Buffer.from(f.contents)), f.contents]));
    // Held when asked (a unit compiled again after its entry failed): the bytes stay in memory.
    const held: UnitOutput = { ...output, files: files.map((f) => ({ ...f })) };
    new BuildCache(join(dir, 'cache'), 'test').store(unit, held, { keepBytes: true });
    expect(held.files.map((f) => (f as StoredFile).bytes?.toString('utf8'))).toEqual(files.map((f) => f.contents));
    const hit = new BuildCache(join(dir, 'cache'), 'test').lookup(unit, {});
    expect(hit?.files.map((f) => [f.path, f.contents, (f as StoredFile).sha256])).toEqual(files.map((f) => [f.path, f.contents, sha256Hex(f.contents)]));
    expect(hit?.files.every((f) => f instanceof StoredFile)).toBe(true);
  });

  it('keeps the compile a new one replaces, and refuses a kept entry whose dependencies are not the ones its name was made from (FLOWC713)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cache-warm-'));
    const dep = join(dir, 'app.toml');
    const unit: CompileUnit = { name: 'one', flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir };
    const output = (text: string): UnitOutput => ({ name: 'one', ok: true, diagnostics: [], files: [{ path: 'one.ir.json', contents: `${text}\n` }], configHash: 'h', deps: { files: [{ path: dep, sha256: sha256Hex(text) }], env: [] } });
    const cacheDir = join(dir, 'cache');
    for (const text of ['a = 1\n', 'a = 2\n']) {
      writeFileSync(dep, text);
      new BuildCache(cacheDir, 'test').store(unit, output(text));
    }
    expect(readdirSync(join(cacheDir, 'units'))).toHaveLength(1);
    const kept = readdirSync(join(cacheDir, 'kept'));
    expect(kept).toHaveLength(1);
    writeFileSync(dep, 'a = 1\n');
    expect(new BuildCache(cacheDir, 'test').lookup(unit, {})?.files[0]?.contents).toBe('a = 1\n\n');
    writeFileSync(dep, 'a = 2\n');
    expect(new BuildCache(cacheDir, 'test').lookup(unit, {})?.files[0]?.contents).toBe('a = 2\n\n');
    // The kept entry renamed over the one the current inputs name: found there, but not theirs.
    writeFileSync(dep, 'a = 3\n');
    const three = new BuildCache(cacheDir, 'test');
    const latest = join(cacheDir, 'units', readdirSync(join(cacheDir, 'units'))[0] as string);
    const hash3 = sha256Hex(JSON.stringify([readdirSync(join(cacheDir, 'units'))[0]?.replace('.entry', ''), [[dep, sha256Hex('a = 3\n')]], []]));
    renameSync(join(cacheDir, 'kept', kept[0] as string), join(cacheDir, 'kept', `${hash3}.entry`));
    expect(three.lookup(unit, {})).toBeUndefined();
    expect(three.problems).toEqual([{ unit: 'one', entry: join(cacheDir, 'kept', `${hash3}.entry`), reason: 'its dependencies are not the ones its name was made from' }]);
    expect(readdirSync(join(cacheDir, 'units'))).toEqual([latest.slice(latest.lastIndexOf('/') + 1)]);
  });
});

describe('a cached file read from its entry when needed', () => {
  it('is read again from kept/ when another build replaced its entry meanwhile, and never from an entry that does not hold it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cache-warm-'));
    const dep = join(dir, 'app.toml');
    const unit: CompileUnit = { name: 'one', flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir };
    const output = (text: string): UnitOutput => ({ name: 'one', ok: true, diagnostics: [], files: [{ path: 'one.ir.json', contents: `compiled from ${text}` }], configHash: 'h', deps: { files: [{ path: dep, sha256: sha256Hex(text) }], env: [] } });
    const cacheDir = join(dir, 'cache');
    writeFileSync(dep, 'a = 1\n');
    new BuildCache(cacheDir, 'test').store(unit, output('a = 1\n'));
    const build = new BuildCache(cacheDir, 'test');
    const file = build.lookup(unit, {})?.files[0] as StoredFile;
    expect(file.bytes).toBeUndefined();
    // Another build compiles the same binding from other inputs: the entry this one read moves to kept/.
    new BuildCache(cacheDir, 'test').store(unit, output('a = 2\n'));
    expect(readdirSync(join(cacheDir, 'kept'))).toHaveLength(1);
    expect(file.load()?.toString('utf8')).toBe('compiled from a = 1\n');
    expect(file.contents).toBe('compiled from a = 1\n');
    // Gone from both places: nothing to load, and the text cannot be made up.
    const again = new BuildCache(cacheDir, 'test');
    writeFileSync(dep, 'a = 2\n');
    const second = again.lookup(unit, {})?.files[0] as StoredFile;
    rmSync(cacheDir, { recursive: true });
    expect(second.load()).toBeUndefined();
    expect(second.problem).toMatchObject({ reason: 'it went away while this build ran', gone: true });
    expect(() => second.contents).toThrow(/changed while this build ran/);
  });
});
