import { parentPort, workerData } from 'node:worker_threads';
import { BuildCache } from './cache.js';
import { compileUnit } from './compile-unit.js';
import { postableOutput } from './posted-output.js';
import { SharedSources } from './recording.js';
import type { CompileUnit, UnitOutput } from './unit.js';
import type { WorkerReply } from './worker-pool.js';

/** What compileUnits starts each worker with. */
export interface CompileWorkerData {
  env: Record<string, string | undefined>;
  /** Where to store each fresh compile; absent with --no-cache and --check. */
  cache?: { dir: string; fingerprint: string };
}

/**
 * The worker-thread entry of the build pool (see worker-pool.ts): compiles the units it is sent
 * with the environment it was started with. Only loaded from the compiled `dist/` tree.
 */
const data = workerData as CompileWorkerData;
const env = data.env;
// Each worker stores its own compiles: the entries are written while the other worker compiles,
// instead of one after another in the main thread once every unit is done.
const cache = data.cache ? new BuildCache(data.cache.dir, data.cache.fingerprint) : undefined;
// A worker lives for one build: what it reads and parses is shared by all of its units.
const shared = new SharedSources();
parentPort?.on('message', (msg: { index: number; job: CompileUnit }) => {
  let reply: WorkerReply<UnitOutput>;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = compileUnit(msg.job, env, shared);
    cache?.store(msg.job, result);
    const posted = postableOutput(result);
    reply = { index: msg.index, result: posted.output };
    transfer = posted.transfer;
  } catch (e) {
    // The message alone is what users see; the stack is printed only with FLOWC_DEBUG=1.
    const err = e as Error;
    reply = { index: msg.index, error: err instanceof Error ? `${err.name}: ${err.message}` : String(e) };
    if (err instanceof Error && err.stack) reply.stack = err.stack;
  }
  parentPort?.postMessage(reply, transfer);
});
