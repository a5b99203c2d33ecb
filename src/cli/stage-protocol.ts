/**
 * What a StageHelper (stage-helper.ts) and its thread (stage-worker.ts) share: a batch of files to
 * write, and the layout of the shared Int32Array where the thread marks each file.
 */
export interface StageBatch {
  /** Job number, path, and the file's bytes as [start, end) of `buf`. */
  jobs: [number, string, number, number][];
  buf: ArrayBuffer;
}

export interface StageWorkerData {
  state: SharedArrayBuffer;
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
