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
