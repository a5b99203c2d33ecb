import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BuildCache } from './cache.js';
import { SharedSources } from './recording.js';
import type { CompileWorkerData } from './compile-worker.js';
import type { CompileUnit, UnitOutput } from './unit.js';
import { receivedOutput } from './posted-output.js';
import { failedUnit } from './unit-diagnostics.js';
import { runInPool } from './worker-pool.js';

export interface CompileUnitsStats {
  /** Units compiled in this run (the rest came from the cache). */
  compiled: number;
  cached: number;
  /** Threads that compiled side by side, this one included: `--jobs` when the pool ran (0: this thread alone). */
  workers: number;
}

/**
 * The worker entry, always the compiled `dist/project/compile-worker.js`: a worker thread runs
 * plain Node, which cannot load TypeScript. When this module itself runs from `src/` (tests), the
 * sibling dist file is used; `npm test` builds dist first. Undefined when it is not there.
 */
export function compileWorkerEntry(): URL | undefined {
  const here = import.meta.url;
  const entry = here.endsWith('.ts') ? new URL('../../dist/project/compile-worker.js', here) : new URL('./compile-worker.js', here);
  return existsSync(fileURLToPath(entry)) ? entry : undefined;
}

/** The default pool size: one worker per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

/**
 * Compiles every unit (docs/project.md): cache hits first, then the misses, on this thread and
 * `jobs` - 1 worker threads when there are several misses and `jobs` > 1, else on this thread
 * alone (starting workers costs more than one compile). Outputs are in the order of `units`.
 */
export async function compileUnits(options: {
  units: CompileUnit[];
  env: Record<string, string | undefined>;
  jobs: number;
  cache?: BuildCache;
  /** Store fresh compiles in the cache (false for `--check`, which writes nothing). */
  cacheWrite?: boolean;
  /** Look the units up in the cache first (false: compile them all, e.g. after their entries were found damaged). */
  lookup?: boolean;
  /** Hold each stored unit's bytes in memory rather than read them back from its entry (BuildCache.store). */
  keepBytes?: boolean;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ outputs: UnitOutput[]; stats: CompileUnitsStats }> {
  const { units, env, cache } = options;
  const outputs = new Array<UnitOutput>(units.length);
  const misses: number[] = [];
  let done = 0;
  const tick = () => options.onProgress?.(++done, units.length);
  units.forEach((unit, i) => {
    const hit = options.lookup === false ? undefined : cache?.lookup(unit, env);
    if (hit) {
      outputs[i] = hit;
      tick();
    } else {
      misses.push(i);
    }
  });

  const debug = env.FLOWC_DEBUG === '1';
  // The compiler (every target's code) is loaded only when something compiles: a build whose units
  // all come from the cache never pays for it.
  const { compileUnit } = misses.length > 0 ? await import('./compile-unit.js') : { compileUnit: undefined };
  const entry = compileWorkerEntry();
  const useWorkers = options.jobs > 1 && misses.length > 1 && entry !== undefined;
  let workers = 0;
  const shared = new SharedSources();
  const store = options.cacheWrite !== false ? cache : undefined;
  const inThread = (unit: CompileUnit): UnitOutput => {
    const output = compileInThread(compileUnit as CompileUnitFn, unit, env, debug, shared);
    store?.store(unit, output, { keepBytes: options.keepBytes === true });
    return output;
  };
  if (useWorkers && entry) {
    // This thread compiles too, between taking the workers' results: it sat idle for three quarters
    // of a pool build, and one worker fewer is one V8 fewer to start and to warm up (its optimizing
    // compiler threads cost more CPU than the worker's start).
    workers = Math.min(options.jobs, misses.length);
    const results = await runInPool<CompileUnit, UnitOutput>({
      entry,
      size: workers - 1,
      jobs: misses.map((i) => units[i] as CompileUnit),
      workerData: { env: { ...env }, ...(store ? { cache: { dir: store.dir, fingerprint: store.fingerprint } } : {}) } satisfies CompileWorkerData,
      local: inThread,
      onResult: () => tick(),
      failed: (k, failure) => failedUnit(units[misses[k] as number] as CompileUnit, failure, debug),
    });
    // A worker's outputs come as posted (posted-output.ts); this thread's own are already whole.
    results.forEach((r, k) => (outputs[misses[k] as number] = receivedOutput(r, cache?.reader)));
  } else {
    for (const i of misses) {
      outputs[i] = inThread(units[i] as CompileUnit);
      tick();
    }
  }
  return { outputs, stats: { compiled: misses.length, cached: units.length - misses.length, workers } };
}

type CompileUnitFn = typeof import('./compile-unit.js').compileUnit;

/** compileUnit in this thread, with a throw turned into the unit's FLOWC716 as a worker's would be. */
function compileInThread(compileUnit: CompileUnitFn, unit: CompileUnit, env: Record<string, string | undefined>, debug: boolean, shared: SharedSources): UnitOutput {
  try {
    return compileUnit(unit, env, shared);
  } catch (e) {
    const err = e as Error;
    return failedUnit(unit, err instanceof Error ? { message: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) } : { message: String(e) }, debug);
  }
}
