import { isUtf8 } from 'node:buffer';
import { CODES } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type ReadOutcome, readRegularFile, sha256Of } from '../source/regular-file.js';
import { relPathProblem } from './output-paths.js';
import type { UnitDeps, UnitFile } from './unit.js';

/**
 * Cache entries are untrusted input (docs/security.md, "Outputs, cache and prune"): a cache folder
 * can be restored from a CI cache another branch saved, or edited by hand. Every field of an entry
 * is checked before use, and its bytes are covered by SHA-256 hashes. The hashes catch corruption
 * and edits; they are not a signature (anyone who can write the cache can recompute them), so what
 * keeps a forged entry harmless is the shape check: file paths confined to the unit's output
 * folder, only warnings as diagnostics.
 *
 * One entry per compiled unit (format 4), in three parts:
 * - a line `flowc-unit 4 <SHA-256 of the header line>`;
 * - a one-line JSON header: what the compile read (`deps`), the config hash, the diagnostics, and
 *   for each file its path, its length in bytes and the SHA-256 of its bytes;
 * - the files' bytes one after another, as they are (UTF-8).
 * Verifying an entry hashes each byte once, and the files' hashes it checks are the ones the build
 * manifest records: a warm build never hashes an artifact a second time, nor decodes one to text
 * unless it shows a diff.
 */
const UNIT_ENTRY_HEAD = /^flowc-unit 4 ([0-9a-f]{64})\n/;
const HEAD_LENGTH = 'flowc-unit 4 \n'.length + 64;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Reads whole cache entries for the files that lazy lookups gave back, one entry at a time into a
 * reused buffer: a build writing 9,001 cached files reads each of its 1,000 entries once, and
 * holds at most one of them (fresh memory for 55 MB cost a page fault per 4 KiB).
 */
export class EntryReader {
  private path: string | undefined;
  private held: ReadOutcome | undefined;
  private readonly scratch = { buf: Buffer.alloc(0) };

  /** The entry at `path` (regular files only, bounded), valid until the next call with another path. */
  read(path: string): ReadOutcome {
    if (path !== this.path || this.held === undefined) {
      this.path = path;
      this.held = readRegularFile(path, { maxBytes: CACHE_ENTRY_LIMIT, followLinks: false, scratch: this.scratch });
    }
    return this.held;
  }
}

/**
 * A file as an entry gives it back: its SHA-256 and size from the verified header, and its bytes
 * either in memory (an entry read and verified whole) or read when needed (`readFrom`): a build
 * whose outputs are already on disk compares them by hash and never reads the ~55 MB of cached
 * artifacts, and one writing them reads each entry once, as it writes. Bytes read late are
 * verified then (SHA-256 and UTF-8), from the first entry that holds them; when none does,
 * `problem` says why and the build compiles the unit afresh. `contents` decodes the bytes when asked.
 */
export class StoredFile implements UnitFile {
  private text: string | undefined;
  private from: { reader: EntryReader; entries: () => string[] } | undefined;
  /** Why the bytes could not be read back (set by a failed load): the entry tried and what was wrong with it. */
  problem: { entry: string; reason: string; gone: boolean } | undefined;
  constructor(
    readonly path: string,
    private data: Buffer | undefined,
    readonly sha256: string,
    readonly size: number,
    readonly offset: number,
  ) {}

  /** The bytes, when in memory. */
  get bytes(): Buffer | undefined {
    return this.data;
  }

  /** Not in memory: read through `reader` from the first of `entries` that holds these bytes, when needed. */
  readFrom(reader: EntryReader, entries: () => string[]): void {
    this.data = undefined;
    this.from = { reader, entries };
  }

  /** The entries the bytes are read from when not in memory (see readFrom). */
  get entries(): string[] | undefined {
    return this.from?.entries();
  }

  /**
   * The bytes, verified; when read late they are valid only until the reader reads another entry,
   * so the caller uses them at once (writes them). Undefined, with `problem` set, when no entry
   * holds them any more (the cache was rewritten or deleted while the build ran) or the entry is
   * damaged.
   */
  loadShared(): Buffer | undefined {
    if (this.data || !this.from) return this.data;
    let problem: StoredFile['problem'];
    for (const entry of this.from.entries()) {
      const read = this.from.reader.read(entry);
      if (!read.ok) {
        problem ??= { entry, reason: read.reason === 'missing' ? 'it went away while this build ran' : 'it is no longer a readable regular file', gone: true };
        continue;
      }
      const bytes = read.bytes.subarray(this.offset, this.offset + this.size);
      const reason = bytes.length !== this.size ? 'its files are longer than the entry' : bodyProblem(bytes, this.sha256);
      if (reason === undefined) return bytes;
      // The entry named first is the one the lookup verified: its problem is the one to report.
      if (problem === undefined || problem.gone) problem = { entry, reason, gone: false };
    }
    this.problem = problem;
    return undefined;
  }

  /** The bytes in memory of their own (see loadShared). */
  load(): Buffer | undefined {
    if (this.data) return this.data;
    const shared = this.loadShared();
    return shared && Buffer.from(shared);
  }

  get contents(): string {
    if (this.text === undefined) {
      const bytes = this.data ?? this.loadShared();
      if (!bytes) throw new Error(`the cache entry holding ${this.path} changed while this build ran`);
      this.text = bytes.toString('utf8');
    }
    return this.text;
  }
}

/** Why a file's bytes are not the ones its header names (SHA-256), or not text; undefined when they are. */
function bodyProblem(bytes: Buffer, sha256: string): string | undefined {
  if (sha256Of(bytes) !== sha256) return 'its content hash does not match (edited or corrupted)';
  // Text, as a compile writes it: bytes that only decode to text would be written as they are.
  if (!isUtf8(bytes)) return 'a file is not UTF-8 text';
  return undefined;
}

/** The largest cache entry read (all of one unit's artifacts); larger ones are bad entries. */
export const CACHE_ENTRY_LIMIT = 64 * 1024 * 1024;

/** What an entry holds: a successful compile of one unit. */
export interface UnitEntry {
  deps: UnitDeps;
  configHash: string;
  diagnostics: Diagnostic[];
  files: UnitFile[];
}

/**
 * An entry's bytes; undefined when a file holds a lone surrogate, which UTF-8 cannot carry (the
 * unit is then not stored). `stored` receives the files as the entry holds them (in memory: views
 * of the entry's bytes, each with the SHA-256 the build manifest records), which the caller can
 * use instead of their text: a build then writes them as they are, neither encoded nor hashed
 * again. The entry's memory is its own (never Buffer's shared pool), so it can be moved to
 * another thread.
 */
export function sealUnitEntry(entry: UnitEntry, stored?: StoredFile[]): Buffer | undefined {
  if (!entry.files.every((f) => f instanceof StoredFile || isWellFormed(f.contents))) return undefined;
  const bytes = entry.files.map((f) => (f instanceof StoredFile ? (f.load() ?? Buffer.from(f.contents)) : Buffer.from(f.contents)));
  const hashes = bytes.map((b) => sha256Of(b));
  const header = JSON.stringify({
    deps: { files: entry.deps.files.map((f) => ({ path: f.path, sha256: f.sha256 })), env: entry.deps.env.map((e) => ({ name: e.name, value: e.value })) },
    configHash: entry.configHash,
    diagnostics: entry.diagnostics,
    files: entry.files.map((f, i) => ({ path: f.path, bytes: (bytes[i] as Buffer).length, sha256: hashes[i] })),
  });
  const head = Buffer.from(`flowc-unit 4 ${sha256Of(header)}\n${header}\n`);
  const sealed = Buffer.allocUnsafeSlow(bytes.reduce((n, b) => n + b.length, head.length));
  movable.add(sealed.buffer);
  let at = head.copy(sealed, 0);
  if (stored) stored.length = 0;
  entry.files.forEach((f, i) => {
    const b = bytes[i] as Buffer;
    b.copy(sealed, at);
    stored?.push(new StoredFile(f.path, sealed.subarray(at, at + b.length), hashes[i] as string, b.length, at));
    at += b.length;
  });
  return sealed;
}

/** The memory of entries sealUnitEntry made: theirs alone, so it may be moved to another thread. */
const movable = new WeakSet<ArrayBufferLike>();

/** Whether `memory` is an entry's own (sealUnitEntry), never shared with anything else such as Buffer's pool. */
export function isEntryMemory(memory: ArrayBufferLike): memory is ArrayBuffer {
  return movable.has(memory);
}

/** No lone surrogate (String.prototype.isWellFormed, Node 20; not yet in this TypeScript lib). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The entry sealUnitEntry wrote, or why it is not one. Checks the layout and every hash (the
 * header's, then each file's) and that each file is UTF-8; the fields are then checked with
 * unitEntryProblem. The files keep their bytes (subarrays of `bytes`).
 */
export function unsealUnitEntry(bytes: Buffer): { body: unknown } | { problem: string } {
  const head = unsealUnitHead(bytes, bytes.length);
  if ('problem' in head) return head;
  if ('more' in head) return { problem: 'its header is not an object with a list of files' };
  for (const f of head.files) {
    const problem = bodyProblem(bytes.subarray(f.offset, f.offset + f.size), f.sha256);
    if (problem) return { problem };
  }
  const files = head.files.map((f) => new StoredFile(f.path, bytes.subarray(f.offset, f.offset + f.size), f.sha256, f.size, f.offset));
  return { body: { ...(head.body as object), files } };
}

/**
 * The entry as its header describes it, from the first bytes of an entry of `size` bytes: the
 * header's own hash is checked, and that the files' lengths add up to the entry's size; the files'
 * bytes are not read (each is verified when read, see StoredFile). `more`: the header does not end
 * within `head` (read more of the entry).
 */
export function unsealUnitHead(
  head: Buffer,
  size: number,
): { body: unknown; files: { path: string; sha256: string; size: number; offset: number }[] } | { problem: string } | { more: true } {
  const magic = UNIT_ENTRY_HEAD.exec(head.subarray(0, HEAD_LENGTH).toString('latin1'));
  if (!magic) return { problem: 'it is not a flowc cache entry' };
  const newline = head.indexOf(0x0a, HEAD_LENGTH);
  if (newline < 0) return head.length < size ? { more: true } : { problem: 'its header is not an object with a list of files' };
  const headerBytes = head.subarray(HEAD_LENGTH, newline);
  if (sha256Of(headerBytes) !== magic[1]) return { problem: 'its content hash does not match (edited or corrupted)' };
  let header: unknown;
  try {
    header = JSON.parse(headerBytes.toString('utf8'));
  } catch {
    // Reported below like any other header that is not an object.
  }
  if (!isRecord(header) || !Array.isArray(header.files)) return { problem: 'its header is not an object with a list of files' };
  const files: { path: string; sha256: string; size: number; offset: number }[] = [];
  let at = newline + 1;
  for (const f of header.files as unknown[]) {
    if (!isRecord(f) || !Number.isSafeInteger(f.bytes) || (f.bytes as number) < 0) return { problem: 'a file has no length' };
    if (typeof f.sha256 !== 'string' || !SHA256.test(f.sha256)) return { problem: 'a file has no SHA-256' };
    // The path is checked with the other fields (unitEntryProblem).
    files.push({ path: f.path as string, sha256: f.sha256, size: f.bytes as number, offset: at });
    at += f.bytes as number;
    if (at > size) return { problem: 'its files are longer than the entry' };
  }
  if (at !== size) return { problem: 'it holds more than its files' };
  return { body: { deps: header.deps, configHash: header.configHash, diagnostics: header.diagnostics }, files };
}

/** Checks an entry's body field by field (after unsealUnitEntry); returns the first problem found. */
export function unitEntryProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'its body is not an object';
  const deps = depsEntryProblem(body.deps);
  if (deps) return deps;
  if (typeof body.configHash !== 'string') return 'configHash is not a string';
  if (!Array.isArray(body.files) || body.files.length === 0) return 'files is not a non-empty list';
  const seen = new Set<string>();
  for (const f of body.files as unknown[]) {
    if (!(f instanceof StoredFile)) return 'a file has no text contents';
    const problem = relPathProblem(f.path);
    if (problem) return `file path ${JSON.stringify(f.path)} ${problem}`;
    const path = f.path;
    if (seen.has(path)) return `file path ${JSON.stringify(path)} is listed twice`;
    seen.add(path);
  }
  if (!Array.isArray(body.diagnostics)) return 'diagnostics is not a list';
  for (const d of body.diagnostics as unknown[]) {
    const problem = diagnosticProblem(d);
    if (problem) return problem;
  }
  return undefined;
}

/** Checks a deps entry: absolute paths without NUL and hashes; env names and values as strings. */
export function depsEntryProblem(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.files) || !Array.isArray(body.env)) return 'it is not a list of files and env variables';
  for (const f of body.files as unknown[]) {
    if (!isRecord(f) || typeof f.path !== 'string' || !f.path.startsWith('/') || f.path.includes('\0')) return 'a dependency path is not an absolute path';
    if (f.sha256 !== null && (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))) return 'a dependency hash is not a SHA-256';
  }
  for (const e of body.env as unknown[]) {
    if (!isRecord(e) || typeof e.name !== 'string' || (e.value !== null && typeof e.value !== 'string')) return 'an env dependency is not a name and a value';
  }
  return undefined;
}

/** A cached diagnostic: a known code, a warning (a stored compile succeeded), text fields only. */
function diagnosticProblem(d: unknown): string | undefined {
  if (!isRecord(d) || typeof d.code !== 'string' || !Object.hasOwn(CODES, d.code)) return 'a diagnostic has an unknown code';
  if (d.severity !== 'warning') return 'a diagnostic of a successful compile is not a warning';
  if (typeof d.message !== 'string') return 'a diagnostic has no message';
  if (d.notes !== undefined && (!Array.isArray(d.notes) || d.notes.some((n) => typeof n !== 'string'))) return 'a diagnostic has notes that are not text';
  if (d.span !== undefined) {
    const s = d.span;
    if (!isRecord(s) || typeof s.file !== 'string' || !s.file.startsWith('/') || s.file.includes('\0') || !Number.isSafeInteger(s.line) || !Number.isSafeInteger(s.col)) {
      return 'a diagnostic has a malformed location';
    }
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
