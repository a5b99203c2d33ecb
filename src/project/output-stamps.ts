import { closeSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { readRegularFile, sha256Of } from '../source/regular-file.js';

/**
 * What a build saw of each output it wrote or read (docs/project.md, "Up-to-date outputs"): the
 * file's SHA-256 with its size, modification and change times, inode and device, as git's index
 * keeps them. A later build finds a file whose stat is exactly the recorded one already holding the
 * recorded bytes, without opening it: an up-to-date build of 9,001 outputs then costs an lstat per
 * file instead of an open, a read and a close.
 *
 * Sound only for a stat taken after the file's last change could still be seen as the same:
 * timestamps come from a coarse clock (a tick of up to 10 ms on Linux; a whole second on file
 * systems that keep seconds), so a file changed again within the tick of its last change keeps its
 * times. A stamp is therefore kept only for a file whose change time is older than the moment the
 * stat was taken by a margin (50 ms, or 2 s where no recorded time has a fraction of a second);
 * after writing, the build stamps each file it wrote whose last change is already that old, and
 * waits (at most about the margin in all) only for those changed more recently, then stamps them
 * (the "racy git" problem, solved here by waiting rather than by reading again next time; see
 * restamp).
 *
 * Times are the milliseconds (a double, as `lstat` gives them without `bigint`) rather than the
 * nanoseconds: a double near today's times keeps a fraction of 2^-12 ms (0.25 us), far below the
 * margin, so two changes it cannot tell apart are two changes within one tick, which the margin
 * already rules out; and the plain lstat costs less than the bigint one (~58 against ~70 ms over
 * 9,001 files here).
 *
 * Kept in the build cache, never in the output folder (which is committed and untrusted), one file
 * per output folder. The stamps are as trustworthy as the cache entries beside them: anyone who can
 * write the cache can already make a build write what they like. `--check` never uses them: a
 * drift check always reads every file.
 */
export class OutputStamps {
  /**
   * Each path's stamp as a row number: a row of the file as loaded (0 and up), looked up where it
   * lies there, or `~j` (below 0) for row j of those this build recorded (`fresh`). No object per
   * stamp: an up-to-date build (which changes none) makes none of 9,001, and one that rewrites
   * them all keeps them in two arrays, not 9,001 objects for every young collection to copy.
   */
  private readonly stamps = new Map<string, number>();
  private loaded: Loaded | undefined;
  /** The stamps this build recorded: row j's hash, and its five numbers (STAMP_DOUBLES) at j * 5. */
  private readonly fresh: { sha256: string[]; numbers: Float64Array } = { sha256: [], numbers: new Float64Array(0) };
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly outDir: string,
  ) {}

  /** The stamps recorded for `outDir` under `cacheDir`; none when the file is absent, unreadable or not one flowc wrote (an older format included). */
  static load(cacheDir: string, outDir: string): OutputStamps {
    const stamps = new OutputStamps(join(cacheDir, 'stamps', `${sha256Of(outDir)}.stamps`), outDir);
    const read = readRegularFile(stamps.file, { maxBytes: STAMPS_LIMIT, followLinks: false });
    if (read.ok) stamps.parse(read.bytes);
    return stamps;
  }

  /** Whether `st` (lstat of the output at `rel`) is exactly what was recorded for a file with `sha256`. */
  vouches(rel: string, sha256: string, st: StampStat): boolean {
    const s = this.stamps.get(rel);
    return s !== undefined && st.isFile() && this.holds(s, sha256, st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev);
  }

  /**
   * Records what was seen of the files in `seen` (each with the lstat taken after its `atMs`, else `takenAtMs`), keeping
   * only stamps old enough to be sound (see the class comment); a file seen too soon loses its old
   * stamp.
   */
  record(seen: Seen[], takenAtMs: number): void {
    const fine = fineGrained(seen.map((s) => s.st));
    for (const { rel, sha256, st, atMs } of seen) this.recordOne(rel, sha256, st, atMs ?? takenAtMs, fine);
  }

  /**
   * Records one file seen with `st`, taken after the clock read `atMs`; `fine` says whether the
   * file system keeps fractions of a second (the margin is 2 s where it may not). For a caller that
   * does not keep the lstat results: 9,001 of them (four Date objects each in Node 20) kept alive
   * made a young-generation collection cost tens of milliseconds.
   */
  recordOne(rel: string, sha256: string, st: StampStat, atMs: number, fine: boolean): void {
    if (st.isFile()) this.recordStat(rel, sha256, st.size, st.mtimeMs, st.ctimeMs, st.ino, st.dev, atMs, fine);
  }

  /** recordOne of a regular file's stat given as its five numbers (a stat as written, from an array of them). */
  recordStat(rel: string, sha256: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, dev: number, atMs: number, fine: boolean): void {
    const old = this.stamps.get(rel);
    const before = atMs - (fine ? FINE_MARGIN_MS : COARSE_MARGIN_MS);
    if (ctimeMs < before && mtimeMs < before) {
      if (old === undefined || !this.holds(old, sha256, size, mtimeMs, ctimeMs, ino, dev)) {
        const j = this.fresh.sha256.length;
        let numbers = this.fresh.numbers;
        if ((j + 1) * STAMP_DOUBLES > numbers.length) {
          numbers = new Float64Array(Math.max(1024, 2 * (j + 1)) * STAMP_DOUBLES);
          numbers.set(this.fresh.numbers);
          this.fresh.numbers = numbers;
        }
        const n = j * STAMP_DOUBLES;
        numbers[n] = size;
        numbers[n + 1] = mtimeMs;
        numbers[n + 2] = ctimeMs;
        numbers[n + 3] = ino;
        numbers[n + 4] = dev;
        this.fresh.sha256.push(sha256);
        this.stamps.set(rel, ~j);
        this.changed = true;
      }
    } else if (old !== undefined) {
      this.stamps.delete(rel);
      this.changed = true;
    }
  }

  /** Keeps only the stamps of `rels` (the outputs the output folder's manifest now lists). */
  retain(rels: Set<string>): void {
    for (const rel of this.stamps.keys()) {
      if (!rels.has(rel)) {
        this.stamps.delete(rel);
        this.changed = true;
      }
    }
  }

  /** Writes the stamps when they changed (whole: temporary file, then rename). Failing to is not an error: stamps only save time. */
  save(): void {
    if (!this.changed) return;
    // Paths and hashes as text, one line each, then the five numbers of each stamp as doubles:
    // 9,001 stamps written and read back in a third of the time a number as text takes to print
    // and parse. A build saves once, in a process whose code has not warmed up, so the work is a
    // few native calls rather than a few per stamp: the lines joined into one string (no string
    // per line, which made a young collection expensive) and written at once, the numbers laid
    // out in a Float64Array and copied as bytes (~45 -> ~31 ms for 9,001 stamps in a fresh
    // process). A path holding a tab or line break (none that flowc writes) is not stamped.
    const stampable = (rel: string) => !rel.includes('\t') && !rel.includes('\n') && !rel.includes('\r');
    const pieces: string[] = [];
    const numbers = new Float64Array(this.stamps.size * STAMP_DOUBLES);
    let count = 0;
    // forEach, not for-of with [rel, s]: destructuring each entry walks an iterator, which in code
    // not yet optimized was a third of the pass.
    const fresh = this.fresh;
    this.stamps.forEach((s, rel) => {
      if (!stampable(rel)) return;
      const n = count * STAMP_DOUBLES;
      if (s >= 0) {
        // A row kept from the file as loaded: its hash and numbers as they are.
        const loaded = this.loaded as Loaded;
        pieces.push(rel, '\t', loaded.text.slice(loaded.shaAt[s], loaded.shaEnd[s]), '\n');
        const at = loaded.numbersAt + s * STAMP_BYTES;
        for (let d = 0; d < STAMP_DOUBLES; d++) numbers[n + d] = loaded.body.readDoubleLE(at + 8 * d);
      } else {
        const j = ~s;
        pieces.push(rel, '\t', fresh.sha256[j] as string, '\n');
        numbers.set(fresh.numbers.subarray(j * STAMP_DOUBLES, (j + 1) * STAMP_DOUBLES), n);
      }
      count++;
    });
    const text = pieces.join('');
    const head = Buffer.from(`${JSON.stringify(this.outDir)}\n${count}\n`, 'utf8');
    const textBytes = Buffer.byteLength(text, 'utf8');
    const body = Buffer.allocUnsafe(head.length + textBytes + count * STAMP_BYTES);
    head.copy(body, 0);
    body.write(text, head.length, 'utf8');
    writeDoublesLE(body, head.length + textBytes, numbers.subarray(0, count * STAMP_DOUBLES));
    const digest = sha256Of(body);
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      const dir = join(this.file, '..');
      mkdirSync(dir, { recursive: true });
      // Only into a real folder: a link planted at `stamps` in a restored cache must not carry the write elsewhere.
      if (!lstatSync(dir).isDirectory()) return;
      const fd = openSync(temp, 'wx');
      try {
        writeSync(fd, `${STAMPS_MAGIC} ${digest}\n`, null, 'latin1');
        writeAll(fd, body);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.file);
      this.changed = false;
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // Never created.
      }
    }
  }

  /** Whether stamp `s` (a row: see `stamps`) is of a file holding `sha256` with exactly this size, these times, inode and device. */
  private holds(s: number, sha256: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, dev: number): boolean {
    if (s < 0) {
      const j = ~s;
      const n = j * STAMP_DOUBLES;
      const v = this.fresh.numbers;
      return this.fresh.sha256[j] === sha256 && v[n] === size && v[n + 1] === mtimeMs && v[n + 2] === ctimeMs && v[n + 3] === ino && v[n + 4] === dev;
    }
    const loaded = this.loaded as Loaded;
    const at = loaded.shaAt[s] as number;
    if (loaded.shaEnd[s] !== at + sha256.length || !loaded.text.startsWith(sha256, at)) return false;
    const n = loaded.numbersAt + s * STAMP_BYTES;
    const b = loaded.body;
    return b.readDoubleLE(n) === size && b.readDoubleLE(n + 8) === mtimeMs && b.readDoubleLE(n + 16) === ctimeMs && b.readDoubleLE(n + 24) === ino && b.readDoubleLE(n + 32) === dev;
  }

  /** Takes the stamps of a file `save` wrote; anything else leaves none (every file is then read). */
  private parse(bytes: Buffer): void {
    const newline = bytes.indexOf(0x0a);
    if (newline < 0) return;
    const head = bytes.subarray(0, newline).toString('latin1');
    const body = bytes.subarray(newline + 1);
    if (head !== `${STAMPS_MAGIC} ${sha256Of(body)}`) return;
    const out = body.indexOf(0x0a);
    const counted = out < 0 ? -1 : body.indexOf(0x0a, out + 1);
    if (counted < 0 || body.toString('utf8', 0, out) !== JSON.stringify(this.outDir)) return;
    const count = Number(body.toString('latin1', out + 1, counted));
    if (!Number.isSafeInteger(count) || count < 0 || count * STAMP_BYTES > body.length - counted - 1) return;
    const numbersAt = body.length - count * STAMP_BYTES;
    const text = body.toString('utf8', counted + 1, numbersAt);
    const shaAt = new Int32Array(count);
    const shaEnd = new Int32Array(count);
    // Only the shape is checked: a stamp is used only when its hash and stat equal what this build
    // computed and saw, so a garbled one is merely never used.
    let at = 0;
    for (let i = 0; i < count; i++) {
      const end = text.indexOf('\n', at);
      const tab = text.indexOf('\t', at);
      if (end < 0 || tab < 0 || tab > end) return this.stamps.clear();
      this.stamps.set(text.slice(at, tab), i);
      shaAt[i] = tab + 1;
      shaEnd[i] = end;
      at = end + 1;
    }
    if (at !== text.length) return this.stamps.clear();
    this.loaded = { shaAt, shaEnd, text, body, numbersAt };
  }
}

/** A stamps file as read: where each row's hash lies in `text`, and its five doubles at `numbersAt + row * 40` in `body`. */
interface Loaded {
  shaAt: Int32Array;
  shaEnd: Int32Array;
  text: string;
  body: Buffer;
  numbersAt: number;
}

/** `values` as little-endian doubles into `out` at `at`: their bytes as they are on a little-endian machine. */
function writeDoublesLE(out: Buffer, at: number, values: Float64Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    return;
  }
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i] as number, at + 8 * i);
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Writes all of `data` (writeSync may write less than asked). */
function writeAll(fd: number, data: Buffer): void {
  let bytes = data;
  while (bytes.length > 0) bytes = bytes.subarray(writeSync(fd, bytes));
}

/** What OutputStamps reads of an lstat: a plain `fs.Stats` (times in milliseconds, with their fraction). */
export type StampStat = Pick<Stats, 'isFile' | 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev'>;

/** A written file's fstat, as far as a stamp keeps it (taken on the descriptor just written: src/cli/write-new-file.ts). */
export interface WrittenStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** How many numbers WrittenStats keeps per file: size, mtimeMs, ctimeMs, ino, dev (FILE_STAT's order, stage-protocol.ts). */
export const WRITTEN_STAT_FIELDS = 5;

/**
 * The fstat of each file of a write as it was written (write-new-file.ts), by the file's place in
 * the write: its five numbers (WRITTEN_STAT_FIELDS) in one array, a size of NaN where none was
 * taken. One array rather than an object per file: 9,001 objects kept to the end of a build made
 * every young collection on the way copy them.
 */
export class WrittenStats {
  constructor(readonly values: Float64Array) {}

  /** For `count` files, none taken yet; `shared`: in memory another thread can be given (stage-helper.ts). */
  static empty(count: number, shared = false): WrittenStats {
    const bytes = 8 * WRITTEN_STAT_FIELDS * count;
    return new WrittenStats(new Float64Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)).fill(Number.NaN));
  }

  /** File `i`'s stat, when one was taken. */
  get(i: number): WrittenStat | undefined {
    const n = i * WRITTEN_STAT_FIELDS;
    const v = this.values;
    if (n >= v.length || Number.isNaN(v[n])) return undefined;
    return { size: v[n] as number, mtimeMs: v[n + 1] as number, ctimeMs: v[n + 2] as number, ino: v[n + 3] as number, dev: v[n + 4] as number };
  }

  /** Forgets file `i`'s stat (its file is not the one written). */
  clear(i: number): void {
    this.values[i * WRITTEN_STAT_FIELDS] = Number.NaN;
  }
}

/** A file seen by this build: its lstat and the hash of the bytes it was found or written to hold. */
export interface Seen {
  rel: string;
  sha256: string;
  st: StampStat;
  /** The clock (Date.now) read before `st` was taken, when not the batch's. */
  atMs?: number;
}

/** The lstat `vouches` and `record` take, or undefined when nothing is there. */
export function stampStat(path: string): StampStat | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Version 2: plain lstat times in milliseconds, as doubles (a version 1 file, bigint nanoseconds in JSON, is ignored). */
const STAMPS_MAGIC = 'flowc-stamps 2';
/** Size, modification and change times, inode and device: five doubles. */
const STAMP_DOUBLES = 5;
const STAMP_BYTES = 8 * STAMP_DOUBLES;
/** 9,001 stamps are ~1.3 MB; a file larger than this is not read (every output is then read instead). */
const STAMPS_LIMIT = 64 * 1024 * 1024;
/** Several Linux clock ticks (1-10 ms each): file times lag the clock by at most one. */
const FINE_MARGIN_MS = 50;
/** File systems keeping whole seconds (or two, as FAT does). */
const COARSE_MARGIN_MS = 2_000;

/** A file system that keeps fractions of a second shows them on some file among many; with one file, 1 in 10^9 runs takes the coarse margin. */
function fineGrained(stats: StampStat[]): boolean {
  return stats.some(hasFraction);
}

/** Whether a stat's change or modification time has a fraction of a second (see fineGrained). */
function hasFraction(st: Pick<StampStat, 'ctimeMs' | 'mtimeMs'>): boolean {
  return st.ctimeMs % 1000 !== 0 || st.mtimeMs % 1000 !== 0;
}

/**
 * Brings the stamps of an output folder up to date after a build wrote `written` (every other
 * planned file was vouched for or read and found the same: `verified`), keeping only the stamps of
 * `current` (every output the folder's manifest now lists).
 *
 * The files are stamped in the order they were written, each with the clock read just before its
 * own lstat. A file changed within the margin of that moment (the last ones renamed into place,
 * on a file system with fine times) holds the pass up until it is old enough, a few milliseconds
 * more, and is looked at again; the files after it were written later, so the stamping goes on
 * from there. Writing 9,001 files takes about as long per file as stamping them, so the waits add
 * up to about one margin minus the pass itself, instead of the whole margin before the pass. They
 * are bounded in all (a file time in the future never holds the build up); a file still too
 * recent (a coarse clock, someone else writing) is read and stamped by the next build.
 */
export async function restamp(options: {
  stamps: OutputStamps;
  verified: Seen[];
  verifiedAtMs: number;
  written: { rel: string; path: string; sha256?: string }[];
  /**
   * The fstat of files written into folders the write created, taken on the descriptor as each was
   * written (in the order of `written`), and the clock read before the commit (write-files.ts): see stampAsWritten.
   */
  writtenStats?: { stats: WrittenStats; committedAtMs: number };
  current: Set<string>;
  sleep?: (ms: number) => Promise<void>;
}): Promise<void> {
  const { stamps } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  stamps.record(options.verified, options.verifiedAtMs);
  let fine = false;
  let slept = 0;
  const asWritten = options.writtenStats;
  for (let i = 0; i < options.written.length; i++) {
    const f = options.written[i] as (typeof options.written)[number];
    if (f.sha256 === undefined) continue;
    if (asWritten && stampAsWritten(stamps, f.rel, f.sha256, asWritten, i)) {
      fine = true;
      continue;
    }
    // Read before the lstat: a stamp is sound only for a file whose last change is older than the stat.
    let atMs = Date.now();
    let st = stampStat(f.path);
    if (st === undefined) continue;
    fine ||= fineGrained([st]);
    const waitMs = Math.ceil(Math.max(st.ctimeMs, st.mtimeMs) + FINE_MARGIN_MS - atMs) + 1;
    if (fine && waitMs > 0 && slept < WAIT_BUDGET_MS) {
      const ms = Math.min(waitMs + WAIT_SLACK_MS, WAIT_BUDGET_MS - slept);
      slept += ms;
      await sleep(ms);
      atMs = Date.now();
      st = stampStat(f.path);
      if (st === undefined) continue;
    }
    stamps.recordOne(f.rel, f.sha256, st, atMs, fine);
  }
  stamps.retain(options.current);
  stamps.save();
}

/**
 * The stamp of a file as written, when sound without looking again: a file written into a folder
 * the write created was invisible at its final path until that folder was renamed there, and a
 * folder's rename changes no file's times, so the fstat taken on the descriptor just written is
 * what an lstat after the commit would see, unless someone changed the file inside flowc's
 * temporary folder (the same window the lstat after the commit leaves open between the write and
 * that lstat, only shorter). Any later change comes through the final path, after the commit
 * began (`committedAtMs`): it moves the change time unless made within the tick of the write, so
 * the stamp is taken only for a file whose times are older than that moment by the margin, on a
 * file system keeping fractions of a second. The others are looked at after the commit, as any
 * other written file. Saves an lstat per file of a build into an empty folder (~90 ms of 9,001).
 */
function stampAsWritten(stamps: OutputStamps, rel: string, sha256: string, written: { stats: WrittenStats; committedAtMs: number }, i: number): boolean {
  const v = written.stats.values;
  const n = i * WRITTEN_STAT_FIELDS;
  const size = v[n];
  if (size === undefined || Number.isNaN(size)) return false;
  const mtimeMs = v[n + 1] as number;
  const ctimeMs = v[n + 2] as number;
  // Per file, in code a build runs once: no object, closure or list made for each.
  if (ctimeMs % 1000 === 0 && mtimeMs % 1000 === 0) return false;
  if (Math.max(ctimeMs, mtimeMs) >= written.committedAtMs - FINE_MARGIN_MS) return false;
  stamps.recordStat(rel, sha256, size, mtimeMs, ctimeMs, v[n + 3] as number, v[n + 4] as number, written.committedAtMs, true);
  return true;
}

/** The most restamp waits in all: the margin, and the slack of a few waits. */
const WAIT_BUDGET_MS = FINE_MARGIN_MS + 10;
/** Waited beyond what a file needs, so the files written just after it need no wait of their own. */
const WAIT_SLACK_MS = 3;
