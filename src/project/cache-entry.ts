import { createHash } from 'node:crypto';
import { CODES } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { canonicalJson, sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import { relPathProblem } from './output-paths.js';
import type { UnitDeps, UnitFile } from './unit.js';

/**
 * Cache entries are untrusted input (docs/security.md, "Outputs, cache and prune"): a cache folder
 * can be restored from a CI cache another branch saved, or edited by hand. Each entry is stored as
 * `{ sha256, body }`, the hash taken over the canonical JSON of the body, and every field of the
 * body is checked before use. The hash catches corruption and edits; it is not a signature (anyone
 * who can write the cache can recompute it), so what keeps a forged entry harmless is the shape
 * check: file paths confined to the unit's output folder, only warnings as diagnostics.
 */
export function sealEntry(body: Json): string {
  const text = JSON.stringify(body);
  // The same text as JSON.stringify({ sha256, body }); the hash is of the body's text as written,
  // so verifying a warm build's entries hashes bytes instead of re-serializing every artifact.
  return `{"sha256":"${sha256Hex(text)}","body":${text}}`;
}

const SEALED_PREFIX = /^\{"sha256":"([0-9a-f]{64})","body":/;

/** The body of a sealed entry, or why it is not one. */
export function unsealEntry(text: string): { body: unknown } | { problem: string } {
  const sealed = SEALED_PREFIX.exec(text);
  if (sealed && text.endsWith('}')) {
    const bodyText = text.slice(sealed[0].length, -1);
    if (sha256Hex(bodyText) === sealed[1]) {
      try {
        return { body: JSON.parse(bodyText) };
      } catch {
        // Not the layout sealEntry writes after all: judged below like any other entry.
      }
    }
  }
  // Entries sealed over the canonical JSON of their body (flowc before this layout, or by hand).
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'it is not JSON' };
  }
  if (!isRecord(json) || typeof json.sha256 !== 'string' || !('body' in json)) return { problem: 'it has no sha256 and body' };
  // Over the body's JSON text (sealEntry, reformatted since) or its canonical JSON (older entries).
  const { body, sha256 } = json;
  if (sha256Hex(JSON.stringify(body)) !== sha256 && sha256Hex(canonicalJson(body as Json)) !== sha256) return { problem: 'its content hash does not match (edited or corrupted)' };
  return { body };
}

/** The first line of an output entry: the layout and the SHA-256 of the bytes after that line. */
const OUT_ENTRY_HEAD = /^flowc-out 3 ([0-9a-f]{64})\n/;

/**
 * An output entry's text: a line with the layout and the SHA-256 of the rest; a one-line JSON
 * header (config hash, diagnostics, each file's path and length); then the files' contents one
 * after another, as they are. A warm build reads ~55 KB of artifacts per unit: taking them as
 * slices of the text, instead of JSON.parse unescaping each one, is most of what reading an entry
 * cost. Undefined when a file holds a lone surrogate, which UTF-8 cannot carry (the unit is then
 * not stored; JSON would have escaped it).
 */
export function sealOutEntry(entry: OutEntry): string | undefined {
  if (!entry.files.every((f) => isWellFormed(f.contents))) return undefined;
  const header = JSON.stringify({ configHash: entry.configHash, diagnostics: entry.diagnostics, files: entry.files.map((f) => ({ path: f.path, length: f.contents.length })) });
  const rest = `${header}\n${entry.files.map((f) => f.contents).join('')}`;
  return `flowc-out 3 ${sha256Hex(rest)}\n${rest}`;
}

/** No lone surrogate (String.prototype.isWellFormed, Node 20; not yet in this TypeScript lib). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The entry sealOutEntry wrote (still to be checked with outEntryProblem), or why it is not one. */
export function unsealOutEntry(bytes: Buffer): { body: unknown } | { problem: string } {
  const head = OUT_ENTRY_HEAD.exec(bytes.subarray(0, 80).toString('latin1'));
  if (!head) return { problem: 'it is not a flowc output entry' };
  const rest = bytes.subarray(head[0].length);
  if (createHash('sha256').update(rest).digest('hex') !== head[1]) return { problem: 'its content hash does not match (edited or corrupted)' };
  const text = rest.toString('utf8');
  const newline = text.indexOf('\n');
  let header: unknown;
  try {
    header = newline < 0 ? undefined : JSON.parse(text.slice(0, newline));
  } catch {
    // Reported below like any other header that is not an object.
  }
  if (!isRecord(header) || !Array.isArray(header.files)) return { problem: 'its header is not an object with a list of files' };
  const files: { path: unknown; contents: string }[] = [];
  let at = newline + 1;
  for (const f of header.files as unknown[]) {
    if (!isRecord(f) || !Number.isSafeInteger(f.length) || (f.length as number) < 0) return { problem: 'a file has no length' };
    const end = at + (f.length as number);
    if (end > text.length) return { problem: 'its files are longer than the entry' };
    files.push({ path: f.path, contents: text.slice(at, end) });
    at = end;
  }
  if (at !== text.length) return { problem: 'it holds more than its files' };
  return { body: { configHash: header.configHash, diagnostics: header.diagnostics, files } };
}

/** A compiled unit as the cache stores it. */
export interface OutEntry {
  files: UnitFile[];
  configHash: string;
  diagnostics: Diagnostic[];
}

/** Checks an output entry's body field by field; returns the first problem found. */
export function outEntryProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'its body is not an object';
  if (typeof body.configHash !== 'string') return 'configHash is not a string';
  if (!Array.isArray(body.files) || body.files.length === 0) return 'files is not a non-empty list';
  const seen = new Set<string>();
  for (const f of body.files as unknown[]) {
    if (!isRecord(f) || typeof f.contents !== 'string') return 'a file has no text contents';
    const problem = relPathProblem(f.path);
    if (problem) return `file path ${JSON.stringify(f.path)} ${problem}`;
    if (seen.has(f.path as string)) return `file path ${JSON.stringify(f.path)} is listed twice`;
    seen.add(f.path as string);
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

export function asDeps(body: unknown): UnitDeps {
  return body as UnitDeps;
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
