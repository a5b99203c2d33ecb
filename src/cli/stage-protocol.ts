import type { MessagePort } from 'node:worker_threads';

/**
 * What a StageHelper (stage-helper.ts) and its thread (stage-worker.ts) share: a batch of files to
 * write, and the layout of the shared Int32Array where the thread marks each file.
 */
export interface StageBatch {
  /** The files' paths, joined with NUL (which no path holds): one string clones far faster than an array of them. */
  paths: string;
  /** Each file's job number. */
  ks: Int32Array;
  /** File i's bytes are [bounds[i], bounds[i + 1]) of `buf`. */
  bounds: Int32Array;
  /** Non-zero for a file whose fstat is wanted (one written into a new folder: see write-files.ts). */
  wantStat: Uint8Array;
  buf: ArrayBuffer;
}

/**
 * The thread's first message: what it shares with the helper that took it. Sent as a message, not
 * as workerData, so the thread can be started before the write knows its size (prestartStageHelper).
 */
export interface StageWorkerData {
  state: SharedArrayBuffer;
  /** Five doubles per job (FILE_STAT): the file's fstat taken right after writing it. */
  stats: SharedArrayBuffer;
  /** Where batch buffers go back once written out: read synchronously by the sender (receiveMessageOnPort). */
  spent: MessagePort;
}

/** A failure the thread reports (the first one; it writes nothing after it). */
export interface StageFailure {
  k: number;
  code: string;
  path: string;
}

export const JOB = {
  /** Index of the stop flag (non-zero: write nothing more). */
  stopAt: 0,
  /** Index of the count of jobs the thread has handled (written, failed or skipped). */
  doneAt: 1,
  /** Index of job 0's mark. */
  first: 2,
  /** Marks: not written (never reached, skipped, or sent to no one). */
  pending: 0,
  written: 1,
  /** The name was taken by a file that is not ours: it must not be removed with ours. */
  taken: 2,
  failed: 3,
} as const;

/** What is kept of a written file's fstat, in this order, per job. */
export const FILE_STAT = ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dev'] as const;
