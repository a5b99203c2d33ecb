import { parentPort, workerData } from 'node:worker_threads';
import { compileUnit } from './compile-unit.js';
import type { CompileUnit, UnitOutput } from './unit.js';
import type { WorkerReply } from './worker-pool.js';

/**
 * The worker-thread entry of the build pool (see worker-pool.ts): compiles the units it is sent
 * with the environment it was started with. Only loaded from the compiled `dist/` tree.
 */
const env = (workerData as { env: Record<string, string | undefined> }).env;
parentPort?.on('message', (msg: { index: number; job: CompileUnit }) => {
  let reply: WorkerReply<UnitOutput>;
  try {
    reply = { index: msg.index, result: compileUnit(msg.job, env) };
  } catch (e) {
    // The message alone is what users see; the stack is printed only with FLOWC_DEBUG=1.
    const err = e as Error;
    reply = { index: msg.index, error: err instanceof Error ? `${err.name}: ${err.message}` : String(e) };
    if (err instanceof Error && err.stack) reply.stack = err.stack;
  }
  parentPort?.postMessage(reply);
});
