import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type MessagePort, MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { JOB, type StageBatch, type StageFailure, type StageWorkerData } from './stage-protocol.js';
import { WrittenStats } from '../project/output-stamps.js';

/** Files a write must stage before a second thread pays for itself (it starts in tens of milliseconds). */
export const HELP_FROM = 1000;
/** Files the helper may have waiting; beyond it this thread writes the next file itself, so neither thread idles. */
const BACKLOG = 144;
/** A batch is posted at this many files or bytes: one message per file cost as much as writing it. */
const BATCH_FILES = 48;
const BATCH_BYTES = 512 * 1024;

/** A helper's thread started ahead of the write that takes it (prestartStageHelper). */
let spare: { worker: Worker; alive: boolean } | undefined;

/**
 * Starts the helper's thread now, for a write of at least HELP_FROM files that comes later (a
 * build into an empty folder, known before its cache lookups): a thread takes ~80 ms to start,
 * which then overlaps the lookups instead of the first tenth of the write, when this thread wrote
 * alone. The thread waits for its first message; it keeps no process alive, and one never taken
 * is ended by dropSpareStageHelper. Returns the thread's id.
 */
export function prestartStageHelper(): number | undefined {
  if (spare) return spare.worker.threadId;
  const entry = stageWorkerEntry();
  if (!entry) return undefined;
  const worker = new Worker(entry);
  const started = { worker, alive: true };
  // A thread that failed before it was taken is not used: StageHelper.start starts another.
  worker.on('error', () => (started.alive = false));
  worker.on('exit', () => (started.alive = false));
  worker.unref();
  spare = started;
  return worker.threadId;
}

/** Ends the thread prestartStageHelper started, unless it is `kept` (taken by a helper). */
export function dropSpareStageHelper(kept?: Worker): void {
  const s = spare;
  spare = undefined;
  if (s && s.worker !== kept) {
    s.alive = false;
    void s.worker.terminate();
  }
}

/**
 * A second thread that writes some of the files a transactional write stages (write-files.ts),
 * while this one reads and verifies the bytes of the others and writes them: writing 9,001 new
 * files is mostly the kernel's work, which the second core can share. The helper marks each file
 * it writes in shared memory (stage-worker.ts), so this thread always knows which temporary files
 * exist, to commit them or remove them.
 */
export class StageHelper {
  private readonly state: Int32Array;
  /**
   * The fstat of each file written into a new folder, by job number, in memory this thread and the
   * helper share: the helper puts those it writes, this thread those it writes itself.
   */
  readonly stats: WrittenStats;
  private readonly worker: Worker;
  private posted = 0;
  private batch: { ks: number[]; paths: string[]; bounds: number[]; wantStat: number[]; buf: Buffer; used: number } | undefined;
  private failure: StageFailure | undefined;
  /** Batch buffers the helper has written out come back here, to be filled again. */
  private readonly spent: MessagePort;
  private readonly ended: Promise<void>;

  private constructor(worker: Worker, jobs: number) {
    this.state = new Int32Array(new SharedArrayBuffer(4 * (JOB.first + jobs)));
    this.stats = WrittenStats.empty(jobs, true);
    const { port1, port2 } = new MessageChannel();
    this.spent = port1;
    this.worker = worker;
    const begin: StageWorkerData = { state: this.state.buffer as SharedArrayBuffer, stats: this.stats.values.buffer as SharedArrayBuffer, spent: port2 };
    worker.postMessage({ begin }, [port2]);
    this.ended = new Promise((resolve, reject) => {
      this.worker.on('message', (m: StageFailure | 'ended') => {
        if (m === 'ended') resolve();
        else this.failure ??= m;
      });
      this.worker.on('error', reject);
      this.worker.on('exit', () => reject(new Error('the staging thread stopped')));
    });
    // Never left pending: finish() awaits it, and a write that fails before that never asks.
    this.ended.catch(() => undefined);
  }

  /**
   * A helper for `jobs` files (numbered 0 to jobs - 1), or undefined when the helper's script is not
   * there. Takes the thread prestartStageHelper started, when it is still alive.
   */
  static start(jobs: number): StageHelper | undefined {
    const ready = spare?.alive ? spare.worker : undefined;
    dropSpareStageHelper(ready);
    if (ready) {
      ready.ref();
      return new StageHelper(ready, jobs);
    }
    const entry = stageWorkerEntry();
    return entry ? new StageHelper(new Worker(entry), jobs) : undefined;
  }

  /** The helper thread's id. */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Whether the helper should take the next file: its backlog is short and it has not failed. */
  wants(): boolean {
    return this.failure === undefined && this.posted - Atomics.load(this.state, JOB.doneAt) < BACKLOG;
  }

  /**
   * Has the helper write `data` at `path` (new file) as job `k`, taking its fstat when `wantStat`
   * (see `stat`). `data` is copied: the caller may reuse it at once.
   */
  take(k: number, path: string, data: Buffer | string, wantStat = false): void {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (this.batch && this.batch.used + size > this.batch.buf.length) this.flush();
    this.batch ??= { ks: [], paths: [], bounds: [0], wantStat: [], buf: this.batchBuffer(size), used: 0 };
    const b = this.batch;
    b.used += typeof data === 'string' ? b.buf.write(data, b.used) : data.copy(b.buf, b.used);
    b.ks.push(k);
    b.paths.push(path);
    b.bounds.push(b.used);
    b.wantStat.push(wantStat ? 1 : 0);
    this.posted++;
    if (b.ks.length >= BATCH_FILES || b.used >= BATCH_BYTES) this.flush();
  }

  /** Posts the files waiting in the current batch (its whole buffer is moved, not copied). */
  flush(): void {
    const b = this.batch;
    if (!b || b.ks.length === 0) return;
    this.batch = undefined;
    const batch: StageBatch = { paths: b.paths.join('\0'), ks: Int32Array.from(b.ks), bounds: Int32Array.from(b.bounds), wantStat: Uint8Array.from(b.wantStat), buf: b.buf.buffer as ArrayBuffer };
    this.worker.postMessage(batch, [batch.buf, batch.ks.buffer as ArrayBuffer, batch.bounds.buffer as ArrayBuffer, batch.wantStat.buffer as ArrayBuffer]);
  }

  /** A buffer of its own (never Buffer's shared pool: it is moved to the helper) for a batch starting with `size` bytes. */
  private batchBuffer(size: number): Buffer {
    // Taken without waiting for a turn of the event loop, which this thread gives only every 10 ms.
    const reused = receiveMessageOnPort(this.spent)?.message as ArrayBuffer | undefined;
    if (reused && reused.byteLength >= size) return Buffer.from(reused);
    return Buffer.from(new ArrayBuffer(Math.max(BATCH_BYTES, size)));
  }

  /**
   * Waits until the helper has handled every file sent (with `stop`, it writes none of those not
   * yet written), then ends it. Returns its first failure; the thread itself failing is one too.
   */
  async finish(stop: boolean): Promise<StageFailure | undefined> {
    if (stop) Atomics.store(this.state, JOB.stopAt, 1);
    else this.flush();
    this.worker.postMessage('end');
    try {
      await this.ended;
    } catch (e) {
      this.failure ??= { k: -1, code: (e as Error).message, path: '' };
    }
    this.spent.close();
    void this.worker.terminate();
    return this.failure;
  }

  /** How job `k` ended: only a `written` file is ours (to commit, or to remove). */
  mark(k: number): (typeof JOB)['pending' | 'written' | 'taken' | 'failed'] {
    return Atomics.load(this.state, JOB.first + k) as (typeof JOB)['pending' | 'written' | 'taken' | 'failed'];
  }
}

/**
 * The helper's script, always the compiled `dist/cli/stage-worker.js` (a worker thread runs plain
 * Node): beside this module in dist/cli, one folder over from the bundle in dist/bundle, or in
 * dist/ when this runs from src/ (tests; `npm test` builds dist first).
 */
export function stageWorkerEntry(from: string = import.meta.url): URL | undefined {
  for (const rel of ['./stage-worker.js', '../cli/stage-worker.js', '../../dist/cli/stage-worker.js']) {
    const url = new URL(rel, from);
    if (url.pathname.endsWith('/dist/cli/stage-worker.js') && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}
