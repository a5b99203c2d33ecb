'use strict';
// Loads CommonJS files through vm.Script with V8's code cache: the CLI bundle (scripts/
// bundle-cli.mjs) and the generated validators (src/validators/prebuilt.ts), so a cold start
// deserializes the bytecode of what a typical command runs instead of parsing and compiling ~1 MB
// of JavaScript. Node 20 has no module.enableCompileCache and its ESM loader takes no cached data,
// hence CommonJS and this small loader.
//
// A cache entry is taken only when it was made from exactly this file's text by this Node build:
// each entry starts with a SHA-256 of the file's bytes, the V8 version and the architecture. V8's
// own check compares the source's length, not its content, so a rebuilt file of the same size
// would otherwise run the old bytecode (test/cli/code-cache.test.ts).
const { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { basename, dirname, join } = require('node:path');
const Module = require('node:module');
const { createRequire } = Module;
const vm = require('node:vm');

const DIGEST_BYTES = 32;

/**
 * V8's optimizing compiler, left to its defaults, re-optimized flowc's large functions again and
 * again: on a 1,000-binding build its background threads took 3 s of 7.5 s CPU, per V8 (so once
 * more per worker thread), for little speed in return. Six times V8's interrupt budget (Node 20:
 * 66 KB) lets only the really hot functions be optimized: the same main-thread time and a quarter
 * less CPU in all. Set here, before anything is compiled, because a code cache is only taken under
 * the flags it was made with: every process that loads code through this file (the CLI, the build
 * pool's workers, the build step that records the caches) runs with the same flags. Only for the
 * V8 majors of the Node versions flowc supports (engines in package.json): V8 prints an error for
 * a flag it does not know.
 */
function tuneV8() {
  const major = Number(process.versions.v8.split('.')[0]);
  if (major >= 11 && major <= 13) require('node:v8').setFlagsFromString('--interrupt-budget=400000');
}
tuneV8();

/** The key a cache entry of `bytes` carries: what V8's own check leaves out. */
function cacheKey(bytes) {
  return createHash('sha256').update(`${process.versions.v8}\0${process.arch}\0`).update(bytes).digest();
}

/**
 * One buffer for every file this loader reads (a chunk, then its code cache, then the next chunk):
 * memory a process touches for the first time costs a page fault per 4 KiB, 12-20 us each on this
 * project's machines, which made reading the ~2.6 MB of chunks and caches a compile loads ~10 ms.
 */
let scratch = Buffer.alloc(0);

/** The bytes of the file at `path`, in `scratch`: valid until the next read. */
function readShared(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
    let n = 0;
    while (n < size) {
      const got = readSync(fd, scratch, n, size - n, n);
      if (got === 0) break;
      n += got;
    }
    return scratch.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The entry's cached data when it was made from these bytes; undefined otherwise. A view of the
 * shared buffer, valid until the next read: V8 consumes cached data while the script is compiled.
 */
function readEntry(path, key) {
  let bytes;
  try {
    bytes = readShared(path);
  } catch {
    return undefined;
  }
  if (bytes.length <= DIGEST_BYTES || !bytes.subarray(0, DIGEST_BYTES).equals(key)) return undefined;
  return bytes.subarray(DIGEST_BYTES);
}

const importPackage = (specifier) => import(specifier);

/** Scripts compiled while recording (the build step's run), to store their code cache. */
let recorded;

/** From now on, compile without caches and remember every script for writeRecordedCodeCache. */
function startRecording() {
  recorded = [];
}

/** Stores the code cache of every script compiled since startRecording, lazily compiled functions included. */
function writeRecordedCodeCache() {
  for (const { cacheFile, key, script } of recorded ?? []) {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.tmp`, Buffer.concat([key, script.createCachedData()]));
    renameSync(`${cacheFile}.tmp`, cacheFile);
  }
  recorded = undefined;
}

/**
 * Runs the CommonJS file `file` as Node would, compiled with the code cache in `cacheFile` when it
 * matches, and returns its `module.exports` and what happened to the cache: 'hit', 'none' (no
 * entry, or one made from other bytes), 'rejected' (V8 refused it: another V8 build or other
 * flags). `require` resolves as from the file, except through `localRequire` when given.
 */
function runCommonJs(file, cacheFile, localRequire) {
  // Hashed as bytes: cheaper than hashing the decoded text, which V8 may hold as UTF-16.
  const bytes = readShared(file);
  const key = cacheKey(bytes);
  // Node's own CommonJS wrapper, plus __flowcImport: the bundle's import() of the packages it
  // loads lazily (the cloud SDKs, graphviz), which code run by vm.Script cannot do itself on
  // Node 20 (scripts/bundle-cli.mjs). Bare package names resolve from here as from the chunk.
  // Decoded before the cache entry is read into the same buffer.
  const source = `(function (exports, require, module, __filename, __dirname, __flowcImport) {${bytes.toString('utf8')}\n})`;
  const cachedData = recorded === undefined ? readEntry(cacheFile, key) : undefined;
  const script = new vm.Script(source, { filename: file, cachedData });
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'hit';
  if (recorded !== undefined) recorded.push({ cacheFile, key, script });
  const module = { exports: {} };
  const outside = createRequire(file);
  const req = localRequire ? localRequire(module, outside) : outside;
  script.runInThisContext()(module.exports, req, module, file, dirname(file), importPackage);
  return { exports: module.exports, cache };
}

/** The code cache file of a bundle chunk: `<bundle>/code-cache/<chunk>.v8`. */
const chunkCacheFile = (file) => join(dirname(file), 'code-cache', `${basename(file)}.v8`);

/**
 * Loads `entry` (a chunk of the bundle) and the chunks it requires, each with its code cache.
 * Returns the entry's exports and, per chunk loaded, what happened to its cache.
 */
function loadBundle(entry) {
  const modules = new Map();
  const cache = {};
  const load = (file) => {
    const known = modules.get(file);
    if (known !== undefined) return known.exports;
    const r = runCommonJs(file, chunkCacheFile(file), (module, outside) => {
      // Set before the chunk runs, as Node's require cache is, so a cycle sees the partial exports.
      modules.set(file, module);
      const req = (id) => (id.startsWith('./') ? load(join(dirname(file), id)) : outside(id));
      req.resolve = outside.resolve;
      return req;
    });
    cache[basename(file)] = r.cache;
    return r.exports;
  };
  return { exports: load(entry), cache };
}

/**
 * Runs a CommonJS file outside the bundle's chunks with its code cache in `cacheFile`, once per
 * process: it goes into Node's require cache, so a require of the same file gets the same module.
 */
function loadCached(file, cacheFile) {
  const known = Module._cache[file];
  if (known !== undefined) return known.exports;
  const { exports } = runCommonJs(file, cacheFile);
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(dirname(file));
  module.exports = exports;
  module.loaded = true;
  Module._cache[file] = module;
  return exports;
}

/** A generated validator module (src/validators/prebuilt.ts); its code cache is `../code-cache/<name>.v8`. */
const loadGenerated = (file) => loadCached(file, join(dirname(file), '..', 'code-cache', `${basename(file)}.v8`));

/** The bundled ajv (src/validators/ajv-modules.ts), with the chunks' code caches. */
const loadBundledAjv = (file) => loadCached(file, chunkCacheFile(file));

module.exports = { loadBundle, loadBundledAjv, loadGenerated, startRecording, writeRecordedCodeCache };
