// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers, which Node 20 lacks (ORACLES.md).
const P = Promise as unknown as { withResolvers?: () => unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T | PromiseLike<T>) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Every property test replays one fixed seed under `npm test`, so CI checks the same cases each
// run (the policy of test/fuzz/helpers.ts): `FUZZ_RUNS=N` explores with fresh seeds, which
// fast-check prints on failure, and `FUZZ_SEED=S` replays one. A failure found exploring becomes
// an explicit regression case.
import fc from 'fast-check';
const givenSeed = Number(process.env.FUZZ_SEED);
if (process.env.FUZZ_SEED && Number.isInteger(givenSeed)) fc.configureGlobal({ seed: givenSeed });
else if (!process.env.FUZZ_RUNS) fc.configureGlobal({ seed: 20261206 });

// The CLI caches compiled config schemas in the user's cache folder (src/validators/schema-cache.ts);
// bins spawned by tests with this process's environment use a folder of the test run instead, so
// `npm test` never writes into the developer's home.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
process.env.FLOWC_SCHEMA_CACHE_DIR ??= join(tmpdir(), `flowc-test-schema-cache-${process.getuid?.() ?? 0}`);
