import { Worker } from 'node:worker_threads';

/** What a pool worker posts back for one job. */
export type WorkerReply<R> = { index: number; result: R } | { index: number; error: string };

/**
 * Runs jobs on `size` worker threads, each loading `entry`. Each worker holds one job at a time
 * and gets the next as soon as it answers, so slow jobs do not hold up a fixed share. Results come
 * back in the order of `jobs`, whatever order the workers finish in, so output built from them is
 * deterministic. A worker that throws is a bug in flowc: the pool stops and rejects.
 *
 * The worker protocol: the worker receives `{ index, job }` messages and posts a `WorkerReply`.
 */
export async function runInPool<J, R>(options: {
  entry: URL;
  size: number;
  jobs: J[];
  workerData?: unknown;
  onResult?: (index: number, result: R) => void;
}): Promise<R[]> {
  const { jobs } = options;
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const size = Math.max(1, Math.min(options.size, jobs.length));
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  let resolve!: (r: R[]) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<R[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let failed = false;
  const fail = (e: Error) => {
    if (failed) return;
    failed = true;
    reject(e);
  };
  const feed = (w: Worker) => {
    if (next < jobs.length) {
      const index = next++;
      w.postMessage({ index, job: jobs[index] });
    }
  };
  for (let i = 0; i < size; i++) {
    // execArgv: [] because workers run plain compiled JavaScript and some parent flags break them
    // (`node --input-type=module -e ...` makes every worker fail to start).
    const w = new Worker(options.entry, { workerData: options.workerData, execArgv: [] });
    workers.push(w);
    w.on('message', (reply: WorkerReply<R>) => {
      if ('error' in reply) return fail(new Error(`a build worker failed on job ${reply.index}: ${reply.error}`));
      results[reply.index] = reply.result;
      options.onResult?.(reply.index, reply.result);
      done++;
      if (done === jobs.length) resolve(results);
      else feed(w);
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (code !== 0 && done < jobs.length) fail(new Error(`a build worker exited with code ${code}`));
    });
    feed(w);
  }
  try {
    return await promise;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
