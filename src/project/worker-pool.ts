import { Worker } from 'node:worker_threads';

/** What a pool worker posts back for one job; `stack` is only for FLOWC_DEBUG=1. */
export type WorkerReply<R> = { index: number; result: R } | { index: number; error: string; stack?: string };

/** A job that threw in its worker, or whose worker died (crash, out of memory) while holding it. */
export interface JobFailure {
  message: string;
  stack?: string;
}

/**
 * Runs jobs on `size` worker threads, each loading `entry`, and with `local` on this thread too.
 * Jobs are handed out one at a time as each runner gets free, so slow jobs do not hold up a fixed
 * share. Results come back in the order of `jobs`, whatever order the runners finish in, so output
 * built from them is deterministic.
 *
 * Each worker holds `inFlight` jobs (default 2): it starts its next job as soon as it posts a
 * result instead of idling until this thread, busy with a `local` job, gets round to answering.
 * `local` runs one job per turn of the event loop, so the workers' results are taken between two.
 *
 * A job that fails (it threw, or its worker died) becomes `failed(index, failure)` when that is
 * given, and the pool goes on (a dead worker is replaced; the jobs it held but had not started go
 * to the other runners); without `failed` the pool stops and rejects.
 *
 * The worker protocol: the worker receives `{ index, job }` messages, handles them in the order
 * received, and posts a `WorkerReply` for each.
 */
export async function runInPool<J, R>(options: {
  entry: URL;
  size: number;
  jobs: J[];
  workerData?: unknown;
  inFlight?: number;
  local?: (job: J, index: number) => R;
  onResult?: (index: number, result: R) => void;
  failed?: (index: number, failure: JobFailure) => R;
}): Promise<R[]> {
  const { jobs, local } = options;
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const size = Math.max(local ? 0 : 1, Math.min(options.size, jobs.length - (local ? 1 : 0)));
  const inFlight = Math.max(1, options.inFlight ?? 2);
  const workers = new Set<Worker>();
  // Jobs a dead worker held but had not started: handed out again before the untouched ones.
  const returned: number[] = [];
  let next = 0;
  const take = (): number | undefined => returned.shift() ?? (next < jobs.length ? next++ : undefined);
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
    // The jobs sent to this worker and not answered yet, in the order sent: it runs the first.
    const held: number[] = [];
    // The uncaught exception that is killing this worker, acted on at 'exit' (see below).
    let error: JobFailure | undefined;
    const feed = () => {
      while (held.length < inFlight && !settled && error === undefined) {
        const index = take();
        if (index === undefined) break;
        held.push(index);
        w.postMessage({ index, job: jobs[index] });
      }
    };
    // A worker that dies takes the job it was running with it: that job fails; the jobs it held
    // but had not started go back to the others, and a new worker takes its place.
    let dead = false;
    const died = (failure: JobFailure) => {
      if (dead) return;
      dead = true;
      workers.delete(w);
      const [running, ...waiting] = held.splice(0);
      returned.unshift(...waiting);
      if (running !== undefined) {
        if (!jobFailed(running, failure)) return;
      } else if (done < jobs.length && !options.failed) {
        return fail(new Error(`a build worker stopped: ${failure.message}`));
      }
      if ((returned.length > 0 || next < jobs.length) && !settled) start();
    };
    w.on('message', (reply: WorkerReply<R>) => {
      const at = held.indexOf(reply.index);
      if (at >= 0) held.splice(at, 1);
      if ('error' in reply) {
        const failure: JobFailure = { message: reply.error };
        if (reply.stack !== undefined) failure.stack = reply.stack;
        if (!jobFailed(reply.index, failure)) return;
      } else {
        finish(reply.index, reply.result);
      }
      feed();
    });
    // 'error' can come before messages the worker posted just before it threw (they are on another
    // channel), so which held job was running is only known at 'exit', once every message is in:
    // acting on 'error' blamed the job before, answered a moment later (seen in
    // test/project/worker-failure.test.ts about one run in four).
    w.on('error', (e) => {
      error ??= { message: `${e.name}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) };
    });
    w.on('exit', (code) => {
      if (error !== undefined || code !== 0 || held.length > 0) died(error ?? { message: `the worker thread exited with code ${code}` });
    });
    feed();
  };
  for (let i = 0; i < size; i++) start();
  if (local) {
    // One job per turn: setImmediate runs after the event loop has taken the workers' messages.
    const step = () => {
      if (settled) return;
      const index = take();
      if (index === undefined) return;
      let result: R;
      try {
        result = local(jobs[index] as J, index);
      } catch (e) {
        const err = e as Error;
        if (!jobFailed(index, err instanceof Error ? { message: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) } : { message: String(e) })) return;
        setImmediate(step);
        return;
      }
      finish(index, result);
      setImmediate(step);
    };
    step();
  }
  try {
    return await promise;
  } finally {
    await Promise.all([...workers].map((w) => w.terminate()));
  }
}
