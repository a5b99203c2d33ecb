import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FILE_STAT, JOB, type StageBatch, type StageWorkerData } from './stage-protocol.js';
import { writeNewFile } from './write-new-file.js';

/**
 * The thread a StageHelper starts (stage-helper.ts): writes the files it is sent, each new (flag
 * `wx`), and marks each in shared memory as it goes, so the thread that stages the write always
 * knows exactly which files exist, even when it stops the helper half-way (a signal). After a
 * failure, or once told to stop, it writes nothing more. Its first message says what it shares
 * (StageWorkerData); it may have been started well before (prestartStageHelper).
 */
let state: Int32Array;
let stats: Float64Array;
let spent: StageWorkerData['spent'];
let failed = false;
parentPort?.on('message', (msg: StageBatch | 'end' | { begin: StageWorkerData }) => {
  if (typeof msg === 'object' && 'begin' in msg) {
    state = new Int32Array(msg.begin.state);
    stats = new Float64Array(msg.begin.stats);
    spent = msg.begin.spent;
    return;
  }
  if (msg === 'end') {
    spent.close();
    parentPort?.postMessage('ended');
    return;
  }
  const bytes = new Uint8Array(msg.buf);
  const paths = msg.paths.split('\0');
  for (let i = 0; i < paths.length; i++) {
    const k = msg.ks[i] as number;
    const path = paths[i] as string;
    if (!failed && Atomics.load(state, JOB.stopAt) === 0) {
      try {
        const data = bytes.subarray(msg.bounds[i], msg.bounds[i + 1]);
        if (msg.wantStat[i]) {
          writeNewFile(path, data, stats, k * FILE_STAT.length);
        } else {
          writeFileSync(path, data, { flag: 'wx' });
        }
        // After the stat: the mark publishes it (an Atomics store, which orders the plain writes before it).
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
  spent.postMessage(msg.buf, [msg.buf]);
});
