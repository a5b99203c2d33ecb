import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import { asDeps, depsEntryProblem, type OutEntry, outEntryProblem, sealEntry, sealOutEntry, unsealEntry, unsealOutEntry } from './cache-entry.js';
import { readRegularFile } from '../source/regular-file.js';
import type { CompileUnit, UnitDeps, UnitOutput } from './unit.js';
import { envDepValue } from './recording.js';

/**
 * Bump when the layout of cache entries changes; old entries are then simply never found.
 * 2: entries are sealed with a content hash (cache-entry.ts).
 * 3: output entries hold their files' contents unescaped after a JSON header (sealOutEntry).
 */
const CACHE_FORMAT = 3;

/** The largest cache entry read (all of one unit's artifacts); larger ones are bad entries. */
export const CACHE_ENTRY_LIMIT = 64 * 1024 * 1024;
/** The largest dependency file hashed for a lookup; a larger one is a miss (the compile reports it). */
const DEP_FILE_LIMIT = 64 * 1024 * 1024;

/** An entry that failed verification: ignored, its unit recompiled (FLOWC713). */
export interface CacheProblem {
  unit: string;
  entry: string;
  reason: string;
}

/**
 * The content-addressed build cache (docs/project.md, "Cache"). Two levels, as ccache's direct
 * mode does it:
 * - `deps/<request key>.json`: for a unit's request (flow path, binding files, overrides, targets,
 *   name, compiler fingerprint), the files and env variables its last compile read;
 * - `out/<content key>.json`: the compiled files, keyed by the request key plus the SHA-256 of every
 *   one of those files and the value of every one of those variables.
 * A lookup re-hashes the recorded files, so editing any config file (or a file it `extends:`)
 * misses, and changing it back hits again. Failed compiles are never stored.
 *
 * Entries are untrusted: each is verified (cache-entry.ts) and one that fails is ignored and
 * listed in `problems`; the fresh compile then overwrites it.
 */
export class BuildCache {
  readonly problems: CacheProblem[] = [];
  /**
   * Dependency hashes already taken in this run: every unit of a build reads the same flow and
   * config files, and a warm build re-hashed them once per unit. One build is one snapshot of its
   * inputs (a file edited while it runs is seen by the next build, as with make).
   */
  private readonly fileHashes = new Map<string, string | null>();

  constructor(
    readonly dir: string,
    readonly fingerprint: string,
  ) {}

  /** The cached output of a unit, or undefined on a miss (or a bad entry, noted in `problems`). */
  lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const requestKey = this.requestKey(unit);
    const depsBody = this.readEntry(unit, join(this.dir, 'deps', `${requestKey}.json`), (bytes) => unsealEntry(bytes.toString('utf8')), depsEntryProblem);
    if (depsBody === undefined) return undefined;
    const deps = asDeps(depsBody);
    const current: UnitDeps = {
      files: deps.files.map((f) => ({ path: f.path, sha256: this.hashFile(f.path) })),
      env: deps.env.map((e) => ({ name: e.name, value: envDepValue(env[e.name]) })),
    };
    const entry = this.readEntry(unit, this.outPath(requestKey, current), unsealOutEntry, outEntryProblem) as OutEntry | undefined;
    if (entry === undefined) return undefined;
    return { name: unit.name, ok: true, diagnostics: entry.diagnostics, files: entry.files, configHash: entry.configHash, deps: current, fromCache: true };
  }

  /** Stores a successful compile. Entries are written whole (temp file + rename), so a concurrent build never reads half of one. */
  store(unit: CompileUnit, output: UnitOutput): void {
    if (!output.ok || !output.deps || output.configHash === undefined) return;
    const sealed = sealOutEntry({ files: output.files, configHash: output.configHash, diagnostics: output.diagnostics });
    if (sealed === undefined) return;
    const requestKey = this.requestKey(unit);
    try {
      this.ensureDir();
      // The output entry first: a deps entry is only ever found with its output entry in place.
      writeWhole(this.outPath(requestKey, output.deps), sealed);
      writeWhole(join(this.dir, 'deps', `${requestKey}.json`), sealEntry(output.deps as unknown as Json));
    } catch {
      // The cache only saves time: a full disk or a read-only cache folder must not fail the build.
    }
  }

  /** A verified entry's body; undefined when absent (a plain miss) or bad (also noted in `problems`). */
  private readEntry(unit: CompileUnit, path: string, unseal: (bytes: Buffer) => { body: unknown } | { problem: string }, check: (body: unknown) => string | undefined): unknown {
    // Regular files only, bounded: a link to /dev/zero or a FIFO in the cache must not hang a build.
    const read = readRegularFile(path, { maxBytes: CACHE_ENTRY_LIMIT, followLinks: false });
    if (!read.ok) {
      if (read.reason !== 'missing') {
        const why = { 'not-regular': 'it is not a regular file', 'too-large': `it is larger than ${CACHE_ENTRY_LIMIT} bytes`, unreadable: `it cannot be read (${read.error})` }[read.reason];
        this.problems.push({ unit: unit.name, entry: path, reason: why });
      }
      return undefined;
    }
    const unsealed = unseal(read.bytes);
    const problem = 'problem' in unsealed ? unsealed.problem : check(unsealed.body);
    if (problem !== undefined) {
      this.problems.push({ unit: unit.name, entry: path, reason: problem });
      return undefined;
    }
    return (unsealed as { body: unknown }).body;
  }

  private hashFile(path: string): string | null {
    let hash = this.fileHashes.get(path);
    if (hash === undefined) {
      hash = hashFile(path);
      this.fileHashes.set(path, hash);
    }
    return hash;
  }

  /**
   * The request as JSON text in a fixed shape: every object is built here, key by key (arrays of
   * tuples for dependencies), so plain JSON.stringify is deterministic without canonicalJson's
   * key sorting, which was a tenth of a warm lookup.
   */
  private requestKey(unit: CompileUnit): string {
    const request = {
      format: CACHE_FORMAT,
      compiler: this.fingerprint,
      name: unit.name,
      flowPath: unit.flowPath,
      bindingFiles: unit.bindingFiles.map((b) => [b.name, b.file]),
      configs: unit.configs.map((c) => [c.name, c.file]),
      sets: unit.sets,
      // Spans reach lockfile provenance, so where a `set:` stands is part of the request.
      setSpans: (unit.setSpans ?? []).map((s) => (s ? [s.file, s.line, s.col] : null)),
      targets: unit.targets,
      cwd: unit.cwd,
      // Which files may be read changes what compiles.
      projectRoot: unit.projectRoot ?? null,
      allowOutside: unit.allowOutside === true,
    };
    return sha256Hex(JSON.stringify(request));
  }

  private outPath(requestKey: string, deps: UnitDeps): string {
    const key = sha256Hex(JSON.stringify([requestKey, deps.files.map((f) => [f.path, f.sha256]), deps.env.map((e) => [e.name, e.value])]));
    return join(this.dir, 'out', key.slice(0, 2), `${key}.json`);
  }

  // The cache folder ignores itself in git (as .pytest_cache and .ruff_cache do), so living next
  // to flowc.yaml never dirties a working tree.
  private ensureDir(): void {
    const ignore = join(this.dir, '.gitignore');
    if (existsSync(ignore)) return;
    mkdirSync(this.dir, { recursive: true });
    try {
      // wx: never through a (dangling) link planted at that name.
      writeFileSync(ignore, '# created by flowc: the build cache is safe to delete\n*\n', { flag: 'wx' });
    } catch (e) {
      // Another worker of this build (or another build) wrote it first: its entries still go in.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The hash of a dependency's text as the compile saw it; null when it is not a readable regular file of bounded size. */
function hashFile(path: string): string | null {
  const read = readRegularFile(path, { maxBytes: DEP_FILE_LIMIT, followLinks: true });
  return read.ok ? sha256Hex(read.bytes.toString('utf8').replace(/^\uFEFF/, '')) : null;
}

function writeWhole(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, text, { flag: 'wx' });
  renameSync(temp, path);
}
