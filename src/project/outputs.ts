import { join } from 'node:path';
import { sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import { type Manifest, type ManifestUnit, type PreviousManifest, serializeManifest } from './manifest.js';
import { folderMemo, inspectOutput, outputFolders, outputPath, relPathProblem } from './output-paths.js';
import { compareRegularFile, readRegularFile, sha256Of } from '../source/regular-file.js';
import { StoredFile } from './cache-entry.js';
import { type OutputStamps, type Seen, stampStat } from './output-stamps.js';

import { findStale } from './stale.js';
import type { UnitFile, UnitOutput } from './unit.js';

/** A file to write: absolute path, path relative to the output folder (`/`-separated), contents. */
export interface PlannedFile {
  path: string;
  rel: string;
  contents: string;
  /** SHA-256 of `contents` (UTF-8), when already taken (planOutputs: the manifest's hash). */
  sha256?: string;
  /** `contents` as UTF-8, when known (planOutputs): written and compared as they are. */
  bytes?: Buffer;
  /** The length of `contents` as UTF-8, with `sha256`: enough to compare with the disk by hash. */
  size?: number;
  /** A cached file whose bytes were not kept in memory: compared by `sha256`, read from its entry if written. */
  stored?: StoredFile;
  /** The bytes of `stored`, read when the file is staged (see OutputWrite.load). */
  load?: () => Buffer | undefined;
}

/**
 * A unit's file as planned, with its size and hash: from the cache entry (verified there) or the
 * cache store, else taken here. The text of a cached file is decoded only if something asks for it
 * (a `--check` diff), and a fresh compile's text is not turned into bytes before it is written: a
 * build moves ~55 MB of artifacts, and fresh memory costs a page fault per 4 KiB.
 */
function plannedFile(path: string, rel: string, f: UnitFile): PlannedFile & { sha256: string } {
  if (f instanceof StoredFile) return new PlannedStoredFile(path, rel, f);
  return { path, rel, contents: f.contents, size: Buffer.byteLength(f.contents), sha256: (f as { sha256?: string }).sha256 ?? sha256Of(f.contents) };
}

/** A cached file as planned (a class, not an object literal with a getter: 9,001 of them per build). */
class PlannedStoredFile implements PlannedFile {
  bytes?: Buffer;
  stored?: StoredFile;
  readonly size: number;
  readonly sha256: string;
  constructor(
    readonly path: string,
    readonly rel: string,
    private readonly file: StoredFile,
  ) {
    if (file.bytes) this.bytes = file.bytes;
    else this.stored = file;
    this.size = file.size;
    this.sha256 = file.sha256;
  }

  get contents(): string {
    return this.file.contents;
  }

  load(): Buffer | undefined {
    return this.file.loadShared();
  }
}

/** One unit in build order: freshly compiled (`output`) or outside `--only` and carried over from the last manifest. */
export interface PlannedUnit {
  name: string;
  meta: Record<string, Json>;
  output?: UnitOutput;
  carried?: ManifestUnit;
}

/**
 * Lays out a build (docs/project.md, "Output layout"): each unit's files under `<out>/<name>/`,
 * then the manifest naming every file with its hash, and the stale files of earlier builds
 * (kept in the manifest until pruned, so they are never forgotten).
 */
export function planOutputs(options: {
  outDir: string;
  manifestName: string;
  kind: Manifest['kind'];
  header: Record<string, Json>;
  units: PlannedUnit[];
  previous: PreviousManifest | undefined;
  prune: boolean;
}): { files: PlannedFile[]; stale: Record<string, string> } {
  const { outDir } = options;
  // A checked relative path (relPathProblem) appended to a normalized folder is what join gives,
  // without join's normalizing pass over each of 9,001 paths (outputPath).
  const under = (rel: string) => outputPath(outDir, rel);
  const files: PlannedFile[] = [];
  const manifest: Manifest = { kind: options.kind, header: options.header, units: new Map(), stale: {} };
  const keep = new Set<string>();
  for (const u of options.units) {
    if (u.carried) {
      keep.add(u.name);
      manifest.units.set(u.name, u.carried);
      continue;
    }
    const out = u.output as UnitOutput;
    // Without a prototype: a dictionary from the start. A plain object per unit, each with 9 keys
    // no other unit has, made V8 build 9,001 hidden classes (~10 ms, and their memory).
    const hashes: Record<string, string> = Object.create(null);
    for (const f of out.files) {
      const rel = `${u.name}/${f.path}`;
      // Cache entries are verified before use and targets name their files; a path that still
      // escapes here is a bug in flowc, never something to write.
      const problem = relPathProblem(rel);
      if (problem) throw new Error(`output path ${JSON.stringify(rel)} ${problem}`);
      const planned = plannedFile(under(rel), rel, f);
      files.push(planned);
      hashes[rel] = planned.sha256;
    }
    manifest.units.set(u.name, { ...u.meta, configHash: out.configHash ?? '', files: hashes });
  }
  const produced = new Set([...manifest.units.values()].flatMap((u) => Object.keys(u.files)));
  produced.add(options.manifestName);
  const stale = findStale({ outDir, previous: options.previous, produced, keep });
  if (!options.prune) manifest.stale = stale;
  files.push({ path: join(outDir, options.manifestName), rel: options.manifestName, contents: serializeManifest(manifest) });
  return { files, stale };
}

/**
 * The most bytes `--check` reads of an existing output to show a diff: larger files are reported
 * (FLOWC014) instead of read. A file of exactly the compiled size is always read, whatever its size.
 */
export const CHECK_READ_LIMIT = 16 * 1024 * 1024;

/** How the planned files compare with what is in the output folder. */
export interface DiskComparison {
  /** Missing or different; `onDisk` is the text on disk when it was read (`--check` shows a diff). */
  differing: { file: PlannedFile; onDisk: string | undefined }[];
  /** Paths holding something flowc never reads or replaces (a folder, link, FIFO, device). */
  refused: { file: PlannedFile; what: string }[];
  /** Existing files too large to read for a diff (only when `wantText`). */
  tooLarge: { file: PlannedFile; size: number }[];
  /** With `stamps`: files read and found the same, each with the lstat taken before, and when (for OutputStamps.record). */
  verified: Seen[];
  verifiedAtMs: number;
}

/**
 * Compares planned files with the output folder, reading only regular files reached through real
 * folders (see inspectOutput). A file whose size differs from the compiled bytes is different
 * without being read; it is read only when `wantText` asks for a diff, and then at most
 * CHECK_READ_LIMIT bytes.
 */
export function compareWithDisk(options: { outDir: string; files: PlannedFile[]; wantText: boolean; readLimit?: number; stamps?: OutputStamps }): DiskComparison {
  // Taken before any stat: a stamp is sound only for a file whose last change is older than the stat (output-stamps.ts).
  const out: DiskComparison = { differing: [], refused: [], tooLarge: [], verified: [], verifiedAtMs: Date.now() };
  const { stamps } = options;
  const limit = options.readLimit ?? CHECK_READ_LIMIT;
  const memo = folderMemo(options.outDir);
  const scratch = { buf: Buffer.allocUnsafe(1 << 16) };
  for (const file of options.files) {
    // Without a diff to show, the bytes are compared as they are: one open, fstat and read per
    // file. Anything but a regular file in real folders takes the full inspection below, which
    // says what it is.
    const expected = file.bytes ?? (file.size !== undefined && file.sha256 !== undefined ? { size: file.size, sha256: file.sha256 } : undefined);
    if (!options.wantText && expected) {
      const folders = outputFolders(options.outDir, file.rel, memo);
      // A stamp of the last build that saw this very file (same inode, size and times) holding these bytes: not read again.
      const st = stamps && folders === 'real' && file.sha256 !== undefined ? stampStat(file.path) : undefined;
      if (st && stamps?.vouches(file.rel, file.sha256 as string, st)) continue;
      const fast = folders === 'missing' ? 'missing' : folders === 'real' ? compareRegularFile(file.path, expected, scratch) : 'other';
      if (fast === 'same') {
        if (st) out.verified.push({ rel: file.rel, sha256: file.sha256 as string, st });
        continue;
      }
      if (fast !== 'other') {
        out.differing.push({ file, onDisk: undefined });
        continue;
      }
    }
    const state = inspectOutput(options.outDir, file.rel, memo);
    if (state.kind === 'missing') {
      out.differing.push({ file, onDisk: undefined });
      continue;
    }
    if (state.kind === 'refused') {
      out.refused.push({ file, what: state.what });
      continue;
    }
    const compiledBytes = file.size ?? Buffer.byteLength(file.contents);
    if (state.size !== compiledBytes && !options.wantText) {
      out.differing.push({ file, onDisk: undefined });
      continue;
    }
    const maxBytes = Math.max(limit, compiledBytes);
    if (state.size > maxBytes) {
      out.tooLarge.push({ file, size: state.size });
      continue;
    }
    const read = readRegularFile(file.path, { maxBytes, followLinks: false });
    if (!read.ok) {
      if (read.reason === 'too-large') out.tooLarge.push({ file, size: read.size ?? state.size });
      else if (read.reason === 'missing') out.differing.push({ file, onDisk: undefined });
      else out.refused.push({ file, what: read.reason === 'not-regular' ? 'not a regular file' : `unreadable (${read.error})` });
      continue;
    }
    // Without a diff to show, the bytes are compared by hash: no text decoded per file (a
    // build that changes nothing reads every output), and bytes that only decode to the same text
    // (invalid UTF-8 read as U+FFFD) are rewritten.
    if (!options.wantText && file.sha256 !== undefined) {
      if (sha256Hex(read.bytes) !== file.sha256) out.differing.push({ file, onDisk: undefined });
      continue;
    }
    const onDisk = read.bytes.toString('utf8');
    if (onDisk !== file.contents) out.differing.push({ file, onDisk });
  }
  return out;
}
