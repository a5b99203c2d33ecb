import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BuildCache } from './cache.js';
import { compileUnit } from './compile-unit.js';
import { SharedSources } from './recording.js';
import type { CompileWorkerData } from './compile-worker.js';
import type { CompileUnit, UnitOutput } from './unit.js';
import { failedUnit } from './unit-diagnostics.js';
import { runInPool } from './worker-pool.js';

export interface CompileUnitsStats {
  /** Units compiled in this run (the rest came from the cache). */
  compiled: number;
  cached: number;
  /** Worker threads started (0: everything ran in the main thread). */
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
 * Compiles every unit (docs/project.md): cache hits first, then the misses, on a worker pool when
 * there are several misses and `jobs` > 1, else in this thread (starting workers costs more than
 * one compile). Outputs are in the order of `units`.
 */
export async function compileUnits(options: {
  units: CompileUnit[];
  env: Record<string, string | undefined>;
  jobs: number;
  cache?: BuildCache;
  /** Store fresh compiles in the cache (false for `--check`, which writes nothing). */
  cacheWrite?: boolean;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ outputs: UnitOutput[]; stats: CompileUnitsStats }> {
  const { units, env, cache } = options;
  const outputs = new Array<UnitOutput>(units.length);
  const misses: number[] = [];
  let done = 0;
  const tick = () => options.onProgress?.(++done, units.length);
  units.forEach((unit, i) => {
    const hit = cache?.lookup(unit, env);
    if (hit) {
      outputs[i] = hit;
      tick();
    } else {
      misses.push(i);
    }
  });

  const debug = env.FLOWC_DEBUG === '1';
  const entry = compileWorkerEntry();
  const useWorkers = options.jobs > 1 && misses.length > 1 && entry !== undefined;
  let workers = 0;
  if (useWorkers && entry) {
    workers = Math.min(options.jobs, misses.length);
    const results = await runInPool<CompileUnit, UnitOutput>({
      entry,
      size: workers,
      jobs: misses.map((i) => units[i] as CompileUnit),
      workerData: { env: { ...env }, ...(cache && options.cacheWrite !== false ? { cache: { dir: cache.dir, fingerprint: cache.fingerprint } } : {}) } satisfies CompileWorkerData,
      onResult: () => tick(),
      failed: (k, failure) => failedUnit(units[misses[k] as number] as CompileUnit, failure, debug),
    });
    results.forEach((r, k) => (outputs[misses[k] as number] = r));
  } else {
    const shared = new SharedSources();
    for (const i of misses) {
      outputs[i] = compileInThread(units[i] as CompileUnit, env, debug, shared);
      if (cache && options.cacheWrite !== false) cache.store(units[i] as CompileUnit, outputs[i] as UnitOutput);
      tick();
    }
  }
  return { outputs, stats: { compiled: misses.length, cached: units.length - misses.length, workers } };
}

/** compileUnit in this thread, with a throw turned into the unit's FLOWC716 as a worker's would be. */
function compileInThread(unit: CompileUnit, env: Record<string, string | undefined>, debug: boolean, shared: SharedSources): UnitOutput {
  try {
    return compileUnit(unit, env, shared);
  } catch (e) {
    const err = e as Error;
    return failedUnit(unit, err instanceof Error ? { message: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) } : { message: String(e) }, debug);
  }
}
