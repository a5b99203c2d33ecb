import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealUnitEntry, type StoredFile, type UnitEntry, unsealUnitEntry } from '../../src/project/cache-entry.js';

/** A cache entry as tests edit it: the files as text. */
export type EditableEntry = Omit<UnitEntry, 'files'> & { files: { path: string; contents: string }[] };

/** The unit entries of a build cache (`units/<request key>.entry`), as absolute paths. */
export function unitEntries(cache: string): string[] {
  return readdirSync(join(cache, 'units')).map((f) => join(cache, 'units', f));
}

/** Reads a verified entry for editing. */
export function readEntry(path: string): EditableEntry {
  const unsealed = unsealUnitEntry(readFileSync(path));
  if ('problem' in unsealed) throw new Error(`${path}: ${unsealed.problem}`);
  const body = unsealed.body as UnitEntry;
  return { ...body, files: (body.files as StoredFile[]).map((f) => ({ path: f.path, contents: f.contents })) };
}

/**
 * Edits an entry through `edit`; `reseal` recomputes its hashes (so only the edit is wrong),
 * else the edited bytes keep the original hash line and file hashes.
 */
export function editEntry(path: string, edit: (e: EditableEntry) => void, reseal = true): void {
  const original = readFileSync(path);
  const entry = readEntry(path);
  edit(entry);
  const sealed = sealUnitEntry(entry) as Buffer;
  if (reseal) return writeFileSync(path, sealed);
  // Not re-sealed: the original header (hashes and lengths) over the edited file bytes.
  const headerEnd = original.indexOf(0x0a, original.indexOf(0x0a) + 1) + 1;
  const newHeaderEnd = sealed.indexOf(0x0a, sealed.indexOf(0x0a) + 1) + 1;
  writeFileSync(path, Buffer.concat([original.subarray(0, headerEnd), sealed.subarray(newHeaderEnd)]));
}
