import type { Json } from '../source/tree.js';
import { FLOWC_VERSION } from '../version.js';
import { relPathProblem } from './output-paths.js';
import { readRegularFile } from '../source/regular-file.js';
import { jsonWithVisibleText } from '../source/visible-text.js';

/** The largest manifest flowc reads (a manifest of 100k files is about 15 MB). */
export const MANIFEST_READ_LIMIT = 64 * 1024 * 1024;

export const MANIFEST_VERSION = 1;
export const BUILD_MANIFEST = 'build.manifest.json';
export const SWEEP_MANIFEST = 'sweep.manifest.json';
export const COMPILE_MANIFEST = 'compile.manifest.json';

/**
 * One binding or variant in a manifest: what it is (flow, configs, overrides, targets), its
 * `configHash`, and `files`: path relative to the output folder -> SHA-256 of what flowc wrote.
 */
export type ManifestUnit = Record<string, Json> & { files: Record<string, string> };

/**
 * The record of what flowc wrote into an output folder (`build.manifest.json`,
 * `sweep.manifest.json` or `compile.manifest.json`): it is how a later build knows which files are its own, so it can report
 * (and with --prune remove) the ones no binding produces any more, and never touch anything else.
 */
export interface Manifest {
  kind: 'build' | 'sweep' | 'compile';
  /** Fields above the units (a sweep's flow, --set overrides and axes). */
  header: Record<string, Json>;
  /** In build order: project order for bindings, product order for variants. */
  units: Map<string, ManifestUnit>;
  /** Files an earlier build wrote that nothing produces now and that are still on disk (not pruned). */
  stale: Record<string, string>;
}

const UNITS_KEY = { build: 'bindings', sweep: 'variants', compile: 'outputs' } as const;

/**
 * The manifest as JSON. Keys are written in a fixed order and file maps sorted so the text is the
 * same on every run; no timestamps, so a rebuild of unchanged inputs leaves it byte-identical.
 */
export function serializeManifest(m: Manifest): string {
  const units: Record<string, Json> = {};
  for (const [name, u] of m.units) units[name] = { ...u, files: sortedRecord(u.files) };
  const out: Record<string, Json> = { manifestVersion: MANIFEST_VERSION, flowcVersion: FLOWC_VERSION, kind: m.kind, ...m.header, [UNITS_KEY[m.kind]]: units };
  if (Object.keys(m.stale).length > 0) out.stale = sortedRecord(m.stale);
  // Paths and --set values are user text: line breaks and controls are written as \u escapes.
  return `${jsonWithVisibleText(JSON.stringify(out, null, 2))}\n`;
}

/** What an earlier build recorded: for each unit its files, plus files already stale. */
export interface PreviousManifest {
  units: Map<string, ManifestUnit>;
  stale: Record<string, string>;
  /**
   * Entries dropped because the manifest is untrusted input (a hand edit, a hostile pull request):
   * a path that is not relative, normalized and confined to the output folder, or a hash that is
   * not a SHA-256. Such entries are never pruned nor reported as stale (FLOWC714).
   */
  rejected: { path: string; reason: string }[];
}

/** Reads a manifest; `missing` when there is none, `unreadable` when it is not one flowc wrote. */
export function readManifest(path: string, kind: Manifest['kind']): PreviousManifest | 'missing' | 'unreadable' {
  // A manifest is read only if it is a regular file (not a link, FIFO or device) of bounded size.
  const read = readRegularFile(path, { maxBytes: MANIFEST_READ_LIMIT, followLinks: false });
  if (!read.ok) return read.reason === 'missing' ? 'missing' : 'unreadable';
  try {
    const json = JSON.parse(read.bytes.toString('utf8')) as Record<string, unknown>;
    const units = json[UNITS_KEY[kind]] as Record<string, Record<string, Json>> | undefined;
    if (json.manifestVersion !== MANIFEST_VERSION || typeof units !== 'object' || units === null || Array.isArray(units)) return 'unreadable';
    const out: PreviousManifest = { units: new Map(), stale: {}, rejected: [] };
    for (const [name, u] of Object.entries(units)) {
      if (typeof u !== 'object' || u === null) return 'unreadable';
      out.units.set(name, { ...u, files: fileRecord(u.files, out.rejected) });
    }
    out.stale = fileRecord(json.stale, out.rejected);
    return out;
  } catch {
    return 'unreadable';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A manifest's `files` or `stale` map, keeping only confined paths with a SHA-256; the rest go to `rejected`. */
function fileRecord(value: unknown, rejected: PreviousManifest['rejected']): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const problem = relPathProblem(k) ?? (typeof v === 'string' && SHA256.test(v) ? undefined : 'has no SHA-256');
    if (problem) rejected.push({ path: k, reason: problem });
    else out[k] = v as string;
  }
  return out;
}

/**
 * `r` with its keys in sorted order: `r` itself when they already are (a manifest read back), else
 * a sorted copy without a prototype. A plain object per unit, each with 9 keys no other has, gives
 * V8 a new hidden class per unit: 1,000 of them made JSON.stringify of a manifest 3-5x slower.
 */
function sortedRecord(r: Record<string, string>): Record<string, string> {
  const keys = Object.keys(r);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return r;
  const out: Record<string, string> = Object.create(null);
  for (const k of keys.sort()) out[k] = r[k] as string;
  return out;
}
