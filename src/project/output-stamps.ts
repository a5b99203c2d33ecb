import { type BigIntStats, lstatSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
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
 * after writing, the build waits out the margin once and stamps then (the "racy git" problem, solved
 * here by waiting rather than by reading again next time).
 *
 * Kept in the build cache, never in the output folder (which is committed and untrusted), one file
 * per output folder. The stamps are as trustworthy as the cache entries beside them: anyone who can
 * write the cache can already make a build write what they like. `--check` never uses them: a
 * drift check always reads every file.
 */
export class OutputStamps {
  private readonly stamps = new Map<string, Stamp>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly outDir: string,
  ) {}

  /** The stamps recorded for `outDir` under `cacheDir`; none when the file is absent, unreadable or not one flowc wrote. */
  static load(cacheDir: string, outDir: string): OutputStamps {
    const stamps = new OutputStamps(join(cacheDir, 'stamps', `${sha256Of(outDir)}.stamps`), outDir);
    const read = readRegularFile(stamps.file, { maxBytes: STAMPS_LIMIT, followLinks: false });
    if (read.ok) stamps.parse(read.bytes);
    return stamps;
  }

  /** Whether `st` (lstat of the output at `rel`) is exactly what was recorded for a file with `sha256`. */
  vouches(rel: string, sha256: string, st: BigIntStats): boolean {
    const s = this.stamps.get(rel);
    return s !== undefined && s.sha256 === sha256 && st.isFile() && s.stat === statKey(st);
  }

  /**
   * Records what was seen of the files in `seen` (each with the lstat taken after `takenAtMs`), keeping
   * only stamps old enough to be sound (see the class comment); a file seen too soon loses its old stamp.
   */
  record(seen: { rel: string; sha256: string; st: BigIntStats }[], takenAtMs: number): void {
    const margin = marginNs(seen.map((s) => s.st));
    const before = BigInt(takenAtMs) * 1_000_000n - margin;
    for (const { rel, sha256, st } of seen) {
      if (!st.isFile()) continue;
      const stamp: Stamp = { sha256, stat: statKey(st) };
      const old = this.stamps.get(rel);
      if (st.ctimeNs < before && st.mtimeNs < before) {
        if (!old || old.sha256 !== stamp.sha256 || old.stat !== stamp.stat) {
          this.stamps.set(rel, stamp);
          this.changed = true;
        }
      } else if (old) {
        this.stamps.delete(rel);
        this.changed = true;
      }
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
    const body = JSON.stringify({
      out: this.outDir,
      files: [...this.stamps].map(([rel, s]) => [rel, s.sha256, s.stat]),
    });
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      const dir = join(this.file, '..');
      mkdirSync(dir, { recursive: true });
      // Only into a real folder: a link planted at `stamps` in a restored cache must not carry the write elsewhere.
      if (!lstatSync(dir).isDirectory()) return;
      writeFileSync(temp, `${STAMPS_MAGIC} ${sha256Of(body)}\n${body}`, { flag: 'wx' });
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

  /** Takes the stamps of a file `save` wrote; anything else leaves none (every file is then read). */
  private parse(bytes: Buffer): void {
    const newline = bytes.indexOf(0x0a);
    if (newline < 0) return;
    const head = bytes.subarray(0, newline).toString('latin1');
    const body = bytes.subarray(newline + 1);
    if (head !== `${STAMPS_MAGIC} ${sha256Of(body)}`) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    if (!isRecord(parsed) || parsed.out !== this.outDir || !Array.isArray(parsed.files)) return;
    const stamps = new Map<string, Stamp>();
    // Only the shape is checked: a stamp is used only when its hash and stat equal what this build
    // computed and saw, so a garbled one is merely never used.
    for (const row of parsed.files as unknown[]) {
      if (!Array.isArray(row) || row.length !== 3 || typeof row[0] !== 'string' || typeof row[1] !== 'string' || typeof row[2] !== 'string') return;
      stamps.set(row[0], { sha256: row[1], stat: row[2] });
    }
    for (const [rel, s] of stamps) this.stamps.set(rel, s);
  }
}

/** The lstat `vouches` and `record` take: with nanosecond times, or undefined when nothing is there. */
export function stampStat(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** How long the build waits after writing before stamping, when the times have fractions of a second; else undefined (no wait: the files are read next time and stamped then). */
export function settleMs(stats: BigIntStats[]): number | undefined {
  return fineGrained(stats) ? Number(FINE_MARGIN_NS / 1_000_000n) + 1 : undefined;
}

interface Stamp {
  sha256: string;
  /** statKey of the file as seen. */
  stat: string;
}

/** Size, modification and change times (ns), inode and device, as one string compared whole. */
function statKey(st: BigIntStats): string {
  return `${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino} ${st.dev}`;
}

const STAMPS_MAGIC = 'flowc-stamps 1';
/** 9,001 stamps are ~1.5 MB; a file larger than this is not read (every output is then read instead). */
const STAMPS_LIMIT = 64 * 1024 * 1024;
/** Several Linux clock ticks (1-10 ms each): file times lag the clock by at most one. */
const FINE_MARGIN_NS = 50_000_000n;
/** File systems keeping whole seconds (or two, as FAT does). */
const COARSE_MARGIN_NS = 2_000_000_000n;

/** A file system that keeps fractions of a second shows them on some file among many; with one file, 1 in 10^9 runs takes the coarse margin. */
function fineGrained(stats: BigIntStats[]): boolean {
  return stats.some((st) => st.ctimeNs % 1_000_000_000n !== 0n || st.mtimeNs % 1_000_000_000n !== 0n);
}

function marginNs(stats: BigIntStats[]): bigint {
  return fineGrained(stats) ? FINE_MARGIN_NS : COARSE_MARGIN_NS;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Brings the stamps of an output folder up to date after a build wrote `written` (every other
 * planned file was vouched for or read and found the same: `verified`), keeping only the stamps of
 * `current` (every output the folder's manifest now lists). When anything was written on a file
 * system with fine times, waits out the margin once (~50 ms) so the files just written can be
 * stamped soundly; else they are read and stamped by the next build.
 */
export async function restamp(options: { stamps: OutputStamps; verified: { rel: string; sha256: string; st: BigIntStats }[]; verifiedAtMs: number; written: { rel: string; path: string; sha256?: string }[]; current: Set<string> }): Promise<void> {
  const { stamps } = options;
  stamps.record(options.verified, options.verifiedAtMs);
  const written = options.written.filter((f): f is { rel: string; path: string; sha256: string } => f.sha256 !== undefined);
  if (written.length > 0) {
    const sample = written.slice(0, 16).flatMap((f) => stampStat(f.path) ?? []);
    const wait = settleMs(sample);
    if (wait !== undefined) await new Promise((r) => setTimeout(r, wait));
    const takenAtMs = Date.now();
    stamps.record(
      written.flatMap((f) => {
        const st = stampStat(f.path);
        return st ? [{ rel: f.rel, sha256: f.sha256, st }] : [];
      }),
      takenAtMs,
    );
  }
  stamps.retain(options.current);
  stamps.save();
}
