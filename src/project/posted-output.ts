import { type EntryReader, isEntryMemory, StoredFile } from './cache-entry.js';
import type { UnitFile, UnitOutput } from './unit.js';

/**
 * A unit's file as a build worker posts it (compile-worker.ts) once it is stored in the cache:
 * where it lies in its entry, which the main thread reads when it writes the file (`entries`), or,
 * when the entry could not be written, the entry's bytes, whose memory is moved rather than
 * copied. Posting the text of 1,000 units copied ~55 MB of strings into the main thread's heap,
 * where young collections copied them again, and the main thread encoded each text to UTF-8 a
 * second time to write it.
 */
export interface PostedFile {
  path: string;
  sha256: string;
  size: number;
  /** Where the file starts in its entry. */
  offset: number;
  /** The entries holding the bytes, the first one first (see StoredFile.readFrom). */
  entries?: string[];
  /** The bytes, a view of an entry's own memory (moved: see postableOutput). */
  bytes?: Uint8Array;
}

/** `output` ready for postMessage, with the memory to move (each entry held in memory, once). */
export function postableOutput(output: UnitOutput): { output: UnitOutput; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const files = output.files.map((f): UnitFile | PostedFile => {
    if (!(f instanceof StoredFile)) return f;
    const at = { path: f.path, sha256: f.sha256, size: f.size, offset: f.offset };
    const bytes = f.bytes;
    // Only an entry's own memory: moving Buffer's shared pool would break every Buffer made from it.
    if (bytes !== undefined && isEntryMemory(bytes.buffer)) {
      transfer.add(bytes.buffer);
      return { ...at, bytes };
    }
    const entries = f.entries;
    if (bytes === undefined && entries !== undefined) return { ...at, entries };
    return { path: f.path, contents: f.contents };
  });
  return { output: { ...output, files: files as UnitFile[] }, transfer: [...transfer] };
}

/**
 * An output as received from a worker: posted files become StoredFiles again, over the moved
 * bytes or read through `reader` (this thread's) from their entries.
 */
export function receivedOutput(output: UnitOutput, reader: EntryReader | undefined): UnitOutput {
  const files = output.files as (UnitFile | PostedFile)[];
  if (!files.some(isPosted)) return output;
  output.files = files.map((f) => {
    if (!isPosted(f)) return f;
    const bytes = f.bytes && Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
    const file = new StoredFile(f.path, bytes, f.sha256, f.size, f.offset);
    const entries = f.entries;
    if (bytes === undefined) {
      if (entries === undefined || reader === undefined) throw new Error(`a build worker posted ${f.path} without its bytes or where to read them`);
      file.readFrom(reader, () => entries);
    }
    return file;
  });
  return output;
}

/** A posted file, not a file with text (nor a StoredFile, whose `bytes` is a getter of its class). */
function isPosted(f: UnitFile | PostedFile): f is PostedFile {
  return !(f instanceof StoredFile) && !('contents' in f) && typeof f.sha256 === 'string';
}
