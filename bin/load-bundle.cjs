'use strict';
// Loads the CommonJS bundle of the CLI (scripts/bundle-cli.mjs) through vm.Script with V8's code
// cache, so a cold start deserializes the bytecode of what a typical command runs instead of
// parsing and compiling ~1 MB of JavaScript. Node 20 has no module.enableCompileCache and its ESM
// loader takes no cached data, hence CommonJS chunks and this small loader.
//
// A cache entry is taken only when it was made from exactly this chunk's text by this Node build:
// each entry starts with a SHA-256 of the chunk's source, the V8 version and the architecture.
// V8's own check compares the source's length, not its content, so a rebuilt bundle of the same
// size would otherwise run the old bytecode (test/cli/code-cache.test.ts).
const { readFileSync, writeFileSync, mkdirSync, renameSync, rmSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { basename, dirname, join } = require('node:path');
const { createRequire } = require('node:module');
const vm = require('node:vm');

const DIGEST_BYTES = 32;

/** The key a cache entry of `source` carries: what V8's own check leaves out. */
function cacheKey(source) {
  return createHash('sha256').update(`${process.versions.v8}\0${process.arch}\0`).update(source).digest();
}

/** The code cache file of a chunk: `<bundle>/code-cache/<chunk>.v8`. */
function cacheFile(cacheDir, file) {
  return join(cacheDir, `${basename(file)}.v8`);
}

/** The entry's cached data when it was made from this source; undefined otherwise. */
function readEntry(path, key) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  if (bytes.length <= DIGEST_BYTES || !bytes.subarray(0, DIGEST_BYTES).equals(key)) return undefined;
  return bytes.subarray(DIGEST_BYTES);
}

/**
 * Loads `entry` (a chunk of the bundle) and the chunks it requires, each compiled with its code
 * cache from `cacheDir` when one matches. Returns the entry's exports and, per chunk loaded, what
 * happened to its cache: 'hit', 'none' (no entry, or one made from other text), 'rejected' (V8
 * refused it: another V8 build or other flags). `produce` records the scripts so writeCodeCache
 * can store their bytecode after a representative run (the build step does; see bundle-cli.mjs).
 */
function loadBundle(entry, { cacheDir = join(dirname(entry), 'code-cache'), produce = false } = {}) {
  const modules = new Map();
  const cache = {};
  const scripts = [];
  const load = (file) => {
    const known = modules.get(file);
    if (known !== undefined) return known.exports;
    // Hashed as bytes: cheaper than hashing the decoded text, which V8 may hold as UTF-16.
    const bytes = readFileSync(file);
    const key = cacheKey(bytes);
    const source = bytes.toString('utf8');
    const cachedData = produce ? undefined : readEntry(cacheFile(cacheDir, file), key);
    // The wrapper is Node's own CommonJS wrapper, on the first line so stack traces keep their lines.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: file,
      cachedData,
      // The bundle keeps import() for packages loaded lazily (the cloud SDKs, graphviz).
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    cache[basename(file)] = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'hit';
    if (produce) scripts.push({ file, key, script });
    const module = { exports: {} };
    modules.set(file, module);
    const outside = createRequire(file);
    const req = (id) => (id.startsWith('./') ? load(join(dirname(file), id)) : outside(id));
    req.resolve = outside.resolve;
    script.runInThisContext()(module.exports, req, module, file, dirname(file));
    return module.exports;
  };
  const exports = load(entry);
  return { exports, cache, writeCodeCache: () => writeCodeCache(cacheDir, scripts) };
}

/** Stores each script's code cache (what it compiled so far, lazily compiled functions included). */
function writeCodeCache(cacheDir, scripts) {
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  for (const { file, key, script } of scripts) {
    const path = cacheFile(cacheDir, file);
    writeFileSync(`${path}.tmp`, Buffer.concat([key, script.createCachedData()]));
    renameSync(`${path}.tmp`, path);
  }
}

module.exports = { loadBundle };
