import { Worker } from 'node:worker_threads';

/** What a pool worker posts back for one job; `stack` is only for FLOWC_DEBUG=1. */
export type WorkerReply<R> = { index: number; result: R } | { index: number; error: string; stack?: string };

/** A job that threw in its worker, or whose worker died (crash, out of memory) while holding it. */
export interface JobFailure {
  message: string;
  stack?: string;
}

/**
 * Runs jobs on `size` worker threads, each loading `entry`. Each worker holds one job at a time
 * and gets the next as soon as it answers, so slow jobs do not hold up a fixed share. Results come
 * back in the order of `jobs`, whatever order the workers finish in, so output built from them is
 * deterministic.
 *
 * A job that fails (it threw, or its worker died) becomes `failed(index, failure)` when that is
 * given, and the pool goes on (a dead worker is replaced); without `failed` the pool stops and
 * rejects.
 *
 * The worker protocol: the worker receives `{ index, job }` messages and posts a `WorkerReply`.
 */
export async function runInPool<J, R>(options: {
  entry: URL;
  size: number;
  jobs: J[];
  workerData?: unknown;
  onResult?: (index: number, result: R) => void;
  failed?: (index: number, failure: JobFailure) => R;
}): Promise<R[]> {
  const { jobs } = options;
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const size = Math.max(1, Math.min(options.size, jobs.length));
  const workers = new Set<Worker>();
  let next = 0;
  let done = 0;
  let resolve!: (r: R[]) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<R[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let settled = false;
  const fail = (e: Error) => {
    if (settled) return;
    settled = true;
    reject(e);
  };
  const finish = (index: number, result: R) => {
    results[index] = result;
    options.onResult?.(index, result);
    done++;
    if (done === jobs.length && !settled) {
      settled = true;
      resolve(results);
    }
  };
  const jobFailed = (index: number, failure: JobFailure): boolean => {
    if (!options.failed) {
      fail(new Error(`a build worker failed on job ${index}: ${failure.message}`));
      return false;
    }
    finish(index, options.failed(index, failure));
    return true;
  };
  const start = () => {
    // execArgv: [] because workers run plain compiled JavaScript and some parent flags break them
    // (`node --input-type=module -e ...` makes every worker fail to start).
    const w = new Worker(options.entry, { workerData: options.workerData, execArgv: [] });
    workers.add(w);
    let current: number | undefined;
    const feed = () => {
      current = undefined;
      if (next < jobs.length && !settled) {
        current = next++;
        w.postMessage({ index: current, job: jobs[current] });
      }
    };
    // A worker that dies takes its job with it: that job fails, a new worker takes the rest.
    let dead = false;
    const died = (failure: JobFailure) => {
      if (dead) return;
      dead = true;
      workers.delete(w);
      const held = current;
      current = undefined;
      if (held !== undefined) {
        if (!jobFailed(held, failure)) return;
      } else if (done < jobs.length && !options.failed) {
        return fail(new Error(`a build worker stopped: ${failure.message}`));
      }
      if (next < jobs.length && !settled) start();
    };
    w.on('message', (reply: WorkerReply<R>) => {
      if ('error' in reply) {
        const failure: JobFailure = { message: reply.error };
        if (reply.stack !== undefined) failure.stack = reply.stack;
        if (!jobFailed(reply.index, failure)) return;
      } else {
        finish(reply.index, reply.result);
      }
      feed();
    });
    w.on('error', (e) => died({ message: `${e.name}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) }));
    w.on('exit', (code) => {
      if (code !== 0 || current !== undefined) died({ message: `the worker thread exited with code ${code}` });
    });
    feed();
  };
  for (let i = 0; i < size; i++) start();
  try {
    return await promise;
  } finally {
    await Promise.all([...workers].map((w) => w.terminate()));
  }
}
