import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../source/canonical-json.js';
import { CACHE_ENTRY_LIMIT, EntryReader, sealUnitEntry, StoredFile, type UnitEntry, unitEntryProblem, unsealUnitEntry, unsealUnitHead } from './cache-entry.js';

export { CACHE_ENTRY_LIMIT };
import { type ReadOutcome, readRegularFile, readRegularHead } from '../source/regular-file.js';
import type { CompileUnit, UnitDeps, UnitOutput } from './unit.js';
import { envDepValue } from './recording.js';

/**
 * Bump when the layout of cache entries changes; old entries are then simply never found.
 * 2: entries are sealed with a content hash (cache-entry.ts).
 * 3: output entries hold their files' contents unescaped after a JSON header (sealOutEntry).
 * 4: one entry per unit (dependencies and files together), each file with its SHA-256.
 */
const CACHE_FORMAT = 4;

/** The largest dependency file hashed for a lookup; a larger one is a miss (the compile reports it). */
const DEP_FILE_LIMIT = 64 * 1024 * 1024;

/** What a lazy lookup reads of an entry first: its header is ~3 KB for a unit of 9 files and a few warnings. */
const HEAD_READ = 8 * 1024;

/** An entry that failed verification: ignored, its unit recompiled (FLOWC713). */
export interface CacheProblem {
  unit: string;
  entry: string;
  reason: string;
}

/**
 * The content-addressed build cache (docs/project.md, "Cache"), one file per compile:
 * - `units/<request key>.entry`: the unit's latest compile. The request key hashes the request
 *   (flow path, binding files, overrides, targets, name, compiler fingerprint); the entry holds the
 *   files and env variables that compile read, with their SHA-256 and values, and its outputs;
 * - `kept/<content key>.entry`: earlier compiles of a request, moved there (a rename, no new file)
 *   when a compile with other inputs replaces them. The content key hashes the request key plus
 *   every recorded file's SHA-256 and variable's value, as ccache's direct mode keys its results.
 * A lookup re-hashes the recorded files: if they match the latest entry, it is a hit; if not, the
 * kept entry for those contents is tried, so editing a config file (or a file it `extends:`)
 * misses, and changing it back hits again. Failed compiles are never stored. A cold build creates
 * one file per unit (two before format 4: a file create costs ~300 us on a disk mounted with
 * `discard`).
 *
 * Entries are untrusted: each is verified (cache-entry.ts), its header at lookup and each file's
 * bytes when they are read to be written (`lazy`), and one that fails is ignored and listed in
 * `problems` (or, found at write time, its unit compiled afresh by the build); the fresh compile
 * then overwrites it.
 */
export class BuildCache {
  readonly problems: CacheProblem[] = [];
  /**
   * Dependency hashes already taken in this run: every unit of a build reads the same flow and
   * config files, and a warm build re-hashed them once per unit. One build is one snapshot of its
   * inputs (a file edited while it runs is seen by the next build, as with make).
   */
  private readonly fileHashes = new Map<string, string | null>();
  /** Folders of the cache this instance made or found, so a store does not mkdir each time. */
  private readonly madeDirs = new Set<string>();
  /** The buffer every entry's header is read into; what a hit keeps is parsed out of it. */
  private readonly headScratch = { buf: Buffer.alloc(0) };
  /**
   * Reads the entries whose files a build writes, one at a time into one buffer: a hit's, a
   * stored compile's, and (compile-units.ts) those a worker stored.
   */
  readonly reader = new EntryReader();
  /**
   * Lookups read only each entry's header, and a file's bytes when they are needed (written, or
   * decoded for a diff), verified then (StoredFile). `false` reads and verifies every entry whole
   * at lookup, keeping its files in memory: `--check` shows the text of every differing file, and
   * a damaged entry is then found while its unit can still be compiled afresh.
   */
  lazy = true;

  constructor(
    readonly dir: string,
    readonly fingerprint: string,
  ) {}

  /** The cached output of a unit, or undefined on a miss (or a bad entry, noted in `problems`). */
  lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const requestKey = this.requestKey(unit);
    const latestPath = this.unitPath(requestKey);
    const latest = this.readEntry(unit, latestPath);
    if (latest === undefined) return undefined;
    const current: UnitDeps = {
      files: latest.deps.files.map((f) => ({ path: f.path, sha256: this.hashFile(f.path) })),
      env: latest.deps.env.map((e) => ({ name: e.name, value: envDepValue(env[e.name]) })),
    };
    let entry: UnitEntry | undefined = latest;
    // Where the entry's bytes can be read again: its path, or kept/ if a store replaces it meanwhile.
    // Worked out once per unit, and only when a file is read (the kept key hashes every dependency).
    let paths: string[] | undefined;
    let entries = () => (paths ??= [latestPath, this.keptPath(requestKey, current)]);
    if (!sameDeps(latest.deps, current)) {
      const path = this.keptPath(requestKey, current);
      entry = this.readEntry(unit, path);
      if (entry !== undefined && !sameDeps(entry.deps, current)) {
        this.problems.push({ unit: unit.name, entry: path, reason: 'its dependencies are not the ones its name was made from' });
        entry = undefined;
      }
      if (entry === undefined) return undefined;
      entries = () => [path];
    }
    if (this.lazy) for (const f of entry.files as StoredFile[]) f.readFrom(this.reader, entries);
    return { name: unit.name, ok: true, diagnostics: entry.diagnostics, files: entry.files, configHash: entry.configHash, deps: current, fromCache: true };
  }

  /**
   * Stores a successful compile. Entries are written whole (temp file + rename), so a concurrent
   * build never reads half of one. The output's files become the entry's (StoredFile, with the
   * SHA-256 the build manifest records, read back from the entry when written unless `keepBytes`),
   * so nothing is encoded or hashed again.
   */
  store(unit: CompileUnit, output: UnitOutput, options: { keepBytes?: boolean } = {}): void {
    if (!output.ok || !output.deps || output.configHash === undefined) return;
    const stored: StoredFile[] = [];
    const sealed = sealUnitEntry({ deps: output.deps, files: output.files, configHash: output.configHash, diagnostics: output.diagnostics }, stored);
    if (sealed === undefined) return;
    // The unit's files are now the entry's, with their hashes (which the build manifest records).
    output.files = stored;
    const requestKey = this.requestKey(unit);
    const path = this.unitPath(requestKey);
    try {
      this.ensureDir();
      this.keepEarlier(requestKey, path, output.deps);
      this.writeWhole(path, sealed);
    } catch {
      // The cache only saves time: a full disk or a read-only cache folder must not fail the build.
      return;
    }
    // Stored: the bytes are read back from the entry when written out, as a cache hit's are
    // (verified then), unless the caller keeps them. Holding 1,000 units' artifacts (~55 MB) to the
    // end of a build cost a page fault per 4 KiB, and as text, young collections that copied them.
    if (options.keepBytes) return;
    const entries = () => [path];
    for (const f of stored) f.readFrom(this.reader, entries);
  }

  /**
   * Moves the unit's previous entry to `kept/` when it was compiled from other inputs, so changing
   * a config back hits it again. Only a verified entry is kept (a bad one is simply overwritten).
   */
  private keepEarlier(requestKey: string, path: string, deps: UnitDeps): void {
    // Most stores (a cold build) have nothing to keep: a failed open costs an exception.
    if (!existsSync(path)) return;
    const read = readRegularFile(path, { maxBytes: CACHE_ENTRY_LIMIT, followLinks: false });
    if (!read.ok) return;
    const unsealed = unsealUnitEntry(read.bytes);
    if ('problem' in unsealed || unitEntryProblem(unsealed.body) !== undefined) return;
    const earlier = (unsealed.body as UnitEntry).deps;
    if (sameDeps(earlier, deps)) return;
    const kept = this.keptPath(requestKey, earlier);
    this.makeDir(dirname(kept));
    renameSync(path, kept);
  }

  /**
   * A verified entry; undefined when absent (a plain miss) or bad (also noted in `problems`).
   * Lazy: its header only (files verified when read, see StoredFile); else whole.
   */
  private readEntry(unit: CompileUnit, path: string): UnitEntry | undefined {
    const unsealed = this.lazy ? this.readHead(unit, path) : this.readWhole(unit, path);
    if (unsealed === undefined) return undefined;
    const problem = 'problem' in unsealed ? unsealed.problem : unitEntryProblem(unsealed.body);
    if (problem !== undefined) {
      this.problems.push({ unit: unit.name, entry: path, reason: problem });
      return undefined;
    }
    return (unsealed as { body: UnitEntry }).body;
  }

  private readWhole(unit: CompileUnit, path: string): { body: unknown } | { problem: string } | undefined {
    // Regular files only, bounded: a link to /dev/zero or a FIFO in the cache must not hang a build.
    const read = readRegularFile(path, { maxBytes: CACHE_ENTRY_LIMIT, followLinks: false });
    if (!read.ok) return this.unreadable(unit, path, read);
    return unsealUnitEntry(read.bytes);
  }

  private readHead(unit: CompileUnit, path: string): { body: unknown } | { problem: string } | undefined {
    const options = { maxBytes: CACHE_ENTRY_LIMIT, followLinks: false, scratch: this.headScratch };
    let read = readRegularHead(path, { ...options, head: HEAD_READ });
    if (!read.ok) return this.unreadable(unit, path, read);
    let head = unsealUnitHead(read.bytes, read.size);
    if ('more' in head) {
      // A header longer than HEAD_READ (many diagnostics): read up to the whole entry.
      read = readRegularHead(path, { ...options, head: CACHE_ENTRY_LIMIT });
      if (!read.ok) return this.unreadable(unit, path, read);
      head = unsealUnitHead(read.bytes, read.size);
      if ('more' in head) return { problem: 'its header is not an object with a list of files' };
    }
    if ('problem' in head) return head;
    const files = head.files.map((f) => new StoredFile(f.path, undefined, f.sha256, f.size, f.offset));
    return { body: { ...(head.body as object), files } };
  }

  private unreadable(unit: CompileUnit, path: string, read: ReadOutcome & { ok: false }): undefined {
    if (read.reason !== 'missing') {
      const why = { 'not-regular': 'it is not a regular file', 'too-large': `it is larger than ${CACHE_ENTRY_LIMIT} bytes`, unreadable: `it cannot be read (${read.error})` }[read.reason];
      this.problems.push({ unit: unit.name, entry: path, reason: why });
    }
    return undefined;
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

  private unitPath(requestKey: string): string {
    return join(this.dir, 'units', `${requestKey}.entry`);
  }

  private keptPath(requestKey: string, deps: UnitDeps): string {
    const key = sha256Hex(JSON.stringify([requestKey, deps.files.map((f) => [f.path, f.sha256]), deps.env.map((e) => [e.name, e.value])]));
    return join(this.dir, 'kept', `${key}.entry`);
  }

  private makeDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  private writeWhole(path: string, bytes: Buffer): void {
    this.makeDir(dirname(path));
    const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    // wx: never through a (dangling) link planted at that name.
    writeFileSync(temp, bytes, { flag: 'wx' });
    renameSync(temp, path);
  }

  // The cache folder ignores itself in git (as .pytest_cache and .ruff_cache do), so living next
  // to flowc.yaml never dirties a working tree.
  private ensureDir(): void {
    if (this.madeDirs.has(this.dir)) return;
    const ignore = join(this.dir, '.gitignore');
    if (existsSync(ignore)) {
      this.madeDirs.add(this.dir);
      return;
    }
    mkdirSync(this.dir, { recursive: true });
    try {
      // wx: never through a (dangling) link planted at that name.
      writeFileSync(ignore, '# created by flowc: the build cache is safe to delete\n*\n', { flag: 'wx' });
    } catch (e) {
      // Another worker of this build (or another build) wrote it first: its entries still go in.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    this.madeDirs.add(this.dir);
  }
}

/** Whether two records of what a compile read name the same files with the same hashes, and the same variables with the same values. */
function sameDeps(a: UnitDeps, b: UnitDeps): boolean {
  return (
    a.files.length === b.files.length &&
    a.env.length === b.env.length &&
    a.files.every((f, i) => f.path === b.files[i]?.path && f.sha256 === b.files[i]?.sha256) &&
    a.env.every((e, i) => e.name === b.env[i]?.name && e.value === b.env[i]?.value)
  );
}

/** The hash of a dependency's text as the compile saw it; null when it is not a readable regular file of bounded size. */
function hashFile(path: string): string | null {
  const read = readRegularFile(path, { maxBytes: DEP_FILE_LIMIT, followLinks: true });
  return read.ok ? sha256Hex(read.bytes.toString('utf8').replace(/^\uFEFF/, '')) : null;
}
