#!/usr/bin/env node
// One process of `npm run bench`'s synthetic section: `node scripts/bench-synthetic.mjs <target|ir> <dir> [small-runs] [large-runs] [quick]`
// compiles <dir>/synthetic-1000.flow.yaml and synthetic-10000.flow.yaml (written by bench.mjs) in
// this process, after two untimed compiles of the 1,000-step flow (the same compile, so the code
// timed is warm), and prints one JSON line: the median time of each size, the most the heap grew
// over one run, and what the last compile gave.
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [target, dir, small = '11', large = '5', quick = ''] = process.argv.slice(2);
const { compileToIR, compileTargets } = await import(join(root, 'dist/pipeline/compile.js'));
const { forgetMemos } = await import(join(root, 'dist/source/process-memos.js'));
const file = (n) => join(dir, `synthetic-${n}.flow.yaml`);
const compile = (n) => (target === 'ir' ? compileToIR({ flowPath: file(n), cwd: dir }) : compileTargets({ flowPath: file(n), cwd: dir, targets: [target] }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

compile(1000);
compile(1000);
const out = { target };
for (const n of quick ? [1000] : [1000, 10000]) {
  const times = [];
  let heap = 0;
  let result;
  for (let i = 0; i < Number(n === 1000 ? small : large); i++) {
    // Each run starts with the text tables a new process has (src/source/process-memos.ts): the
    // same flow compiled again would find every text of the 1,000-step flow written by the runs
    // before, while the 10,000-step flow outgrows the tables, so the growth ratio timed the tables.
    forgetMemos();
    const before = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    result = compile(n);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
  if (target === 'ir' && !result.ir) throw new Error(`synthetic flow of ${n} steps did not compile: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  out[n] = { ms: median(times), heap, refused: [...new Set(errors)], artifacts: result.artifacts?.length ?? 0 };
}
console.log(JSON.stringify(out));
