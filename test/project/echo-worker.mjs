// A test worker for the pool: answers each job after `delay` ms of busy CPU work, with its thread id.
import { parentPort, threadId } from 'node:worker_threads';

parentPort.on('message', ({ index, job }) => {
  if (job.fail) {
    parentPort.postMessage({ index, error: 'asked to fail' });
    return;
  }
  // A worker dying while it holds a job (a crash, or running out of memory).
  if (job.exit) process.exit(job.exit);
  // An exception nobody catches in the worker.
  if (job.throw) throw new RangeError('asked to throw');
  const end = Date.now() + job.delay;
  while (Date.now() < end) {
    // busy: a worker must really run on its own thread for the others to progress meanwhile
  }
  parentPort.postMessage({ index, result: { value: job.value * 2, threadId } });
});
