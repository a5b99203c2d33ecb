import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// bin/load-bundle.cjs: the CLI bundle and the generated validators run with V8's code cache, and
// a cache made from other text is never taken, even text of the same length (which V8's own check
// would let through). Each case runs in a child process: a code cache belongs to one V8 and its flags.

const root = resolve(import.meta.dirname, '../..');
const loader = join(root, 'bin/load-bundle.cjs');
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function node(script: string, cwd: string): string {
  const r = spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** A two-chunk bundle whose answer is in the chunk's text. */
function fakeBundle(answer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-code-cache-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'flowc.cjs'), `const chunk = require("./chunk-a.cjs");\nexports.main = () => chunk.answer();\n`);
  writeChunk(dir, answer);
  return dir;
}

function writeChunk(dir: string, answer: string): void {
  // Eagerly compiled (an IIFE), so a stale cache accepted by V8 would run the old body.
  writeFileSync(join(dir, 'chunk-a.cjs'), `exports.answer = (function () { return function answer() { return "${answer}"; }; })();\n`);
}

const load = (dir: string) =>
  JSON.parse(node(`const l = require(${JSON.stringify(loader)}); const b = l.loadBundle(${JSON.stringify(join(dir, 'flowc.cjs'))}); console.log(JSON.stringify({ answer: b.exports.main(), cache: b.cache }));`, dir)) as {
    answer: string;
    cache: Record<string, string>;
  };

const record = (dir: string) =>
  node(`const l = require(${JSON.stringify(loader)}); l.startRecording(); const b = l.loadBundle(${JSON.stringify(join(dir, 'flowc.cjs'))}); b.exports.main(); l.writeRecordedCodeCache();`, dir);

describe('the code cache of the CLI bundle', () => {
  it('is taken for the text it was made from', () => {
    const dir = fakeBundle('old');
    expect(load(dir).cache).toEqual({ 'flowc.cjs': 'none', 'chunk-a.cjs': 'none' });
    record(dir);
    expect(existsSync(join(dir, 'code-cache', 'chunk-a.cjs.v8'))).toBe(true);
    expect(load(dir)).toEqual({ answer: 'old', cache: { 'flowc.cjs': 'hit', 'chunk-a.cjs': 'hit' } });
  });

  it('is not taken once the bundle changes, even to text of the same length', () => {
    const dir = fakeBundle('old');
    record(dir);
    writeChunk(dir, 'new');
    expect(load(dir)).toEqual({ answer: 'new', cache: { 'flowc.cjs': 'hit', 'chunk-a.cjs': 'none' } });
  });

  it('is not taken when its entry is damaged', () => {
    const dir = fakeBundle('old');
    record(dir);
    const file = join(dir, 'code-cache', 'chunk-a.cjs.v8');
    const bytes = readFileSync(file);
    bytes[3] = (bytes[3] as number) ^ 0xff;
    writeFileSync(file, bytes);
    expect(load(dir).cache['chunk-a.cjs']).toBe('none');
  });

  // The loader reads every chunk and cache entry into one buffer it reuses (fresh memory costs a
  // page fault per page): each chunk must still run its own text with its own cache, whatever the
  // sizes, growing or shrinking from one file to the next.
  it('is taken for each of several chunks of different sizes, each running its own text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-code-cache-'));
    dirs.push(dir);
    const sizes = { small: 10, large: 300_000, medium: 40_000, tiny: 0 };
    const names = Object.keys(sizes);
    writeFileSync(join(dir, 'flowc.cjs'), `exports.main = () => [${names.map((n) => `require("./chunk-${n}.cjs").answer()`).join(', ')}].join(",");\n`);
    for (const [name, size] of Object.entries(sizes)) {
      // Functions enough for the cache entry to outgrow a small chunk's text, and padding for size.
      const fns = Array.from({ length: 50 }, (_, i) => `function f${i}() { return "${name}-${i}"; }`).join('\n');
      writeFileSync(join(dir, `chunk-${name}.cjs`), `${fns}\n// ${'x'.repeat(size)}\nexports.answer = (function () { f0(); return function answer() { return "${name}:" + f49(); }; })();\n`);
    }
    const answer = names.map((n) => `${n}:${n}-49`).join(',');
    expect(load(dir).answer).toBe(answer);
    record(dir);
    expect(load(dir)).toEqual({ answer, cache: Object.fromEntries([['flowc.cjs', 'hit'], ...names.map((n) => [`chunk-${n}.cjs`, 'hit'])]) });
  });

  it('is made by the build for the real bundle and the validators a compile loads', () => {
    const entry = join(root, 'dist/bundle/flowc.cjs');
    expect(existsSync(entry), `${entry} is missing: run npm run build`).toBe(true);
    const out = node(
      `const l = require(${JSON.stringify(loader)}); const b = l.loadBundle(${JSON.stringify(entry)}); console.log(JSON.stringify(b.cache));`,
      root,
    );
    const cache = JSON.parse(out) as Record<string, string>;
    expect(cache['flowc.cjs']).toBe('hit');
    expect(Object.values(cache).every((c) => c === 'hit')).toBe(true);
  });
});

describe('the bin, bundled and not', () => {
  const flowc = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [join(root, 'bin/flowc.js'), ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

  it('prints the same for the same command, and the same errors', () => {
    const cache = mkdtempSync(join(tmpdir(), 'flowc-bin-schemas-'));
    dirs.push(cache);
    const commands = [
      ['compile', 'fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml', '--target', 'ir'],
      ['compile', 'fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml', '--target', 'argo,airflow'],
      ['compile', 'fixtures/errors/cycle/flow.yaml', '--target', 'ir'],
      ['compile', 'fixtures/ml-training/flow.yaml', '--set', 'app.train.cpu=-1', '--target', 'ir'],
      ['targets'],
      ['graph', 'fixtures/ml-training/flow.yaml', '--format', 'svg'],
      ['compile', 'x.yaml', '--target', 'nope'],
    ];
    for (const args of commands) {
      const unbundled = flowc(args, { FLOWC_BUNDLE: '0' });
      // Twice with a schema cache: the first run stores the config schema, the second loads it.
      for (let i = 0; i < 2; i++) {
        const bundled = flowc(args, { FLOWC_SCHEMA_CACHE_DIR: cache });
        expect({ status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }, args.join(' ')).toEqual({ status: unbundled.status, stdout: unbundled.stdout, stderr: unbundled.stderr });
      }
    }
    expect(flowc(commands[0] as string[], {}).stdout).toBe(readFileSync(join(root, 'fixtures/ml-training/expected/content-model.ir.json'), 'utf8'));
  });
});
