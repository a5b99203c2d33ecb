import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { JOB, type StageBatch, type StageWorkerData } from './stage-protocol.js';

/**
 * The thread a StageHelper starts (stage-helper.ts): writes the files it is sent, each new (flag
 * `wx`), and marks each in shared memory as it goes, so the thread that stages the write always
 * knows exactly which files exist, even when it stops the helper half-way (a signal). After a
 * failure, or once told to stop, it writes nothing more. Imports only Node itself: it starts in a
 * few milliseconds.
 */
const state = new Int32Array((workerData as StageWorkerData).state);
let failed = false;
parentPort?.on('message', (msg: StageBatch | 'end') => {
  if (msg === 'end') {
    parentPort?.postMessage('ended');
    return;
  }
  const bytes = new Uint8Array(msg.buf);
  for (const [k, path, start, end] of msg.jobs) {
    if (!failed && Atomics.load(state, JOB.stopAt) === 0) {
      try {
        writeFileSync(path, bytes.subarray(start, end), { flag: 'wx' });
        Atomics.store(state, JOB.first + k, JOB.written);
      } catch (e) {
        failed = true;
        const err = e as NodeJS.ErrnoException;
        Atomics.store(state, JOB.first + k, err.code === 'EEXIST' ? JOB.taken : JOB.failed);
        parentPort?.postMessage({ k, code: err.code ?? String(e), path: err.path ?? path });
      }
    }
    Atomics.add(state, JOB.doneAt, 1);
  }
  // The buffer goes back to be filled again: fresh memory for every batch made the sending thread
  // collect garbage for "external memory pressure".
  parentPort?.postMessage({ free: msg.buf }, [msg.buf]);
});
