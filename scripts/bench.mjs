#!/usr/bin/env node
// `npm run bench`: prints speed and memory figures. Never part of `npm test` (timings are noisy;
// tests assert behaviour, this script reports numbers). Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'flowc.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeProcess(args, options = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', ...options });
    const t1 = process.hrtime.bigint();
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    times.push(Number(t1 - t0) / 1e6);
  }
  return median(times);
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

console.log(`flowc bench (node ${process.version}, ${runs} runs per process figure, medians)`);
console.log('');
console.log('## Cold CLI start-up, IR target');
const nodeYaml = timeProcess(['--input-type=module', '-e', "await import('yaml')"]);
const example = ['fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml'];
const compileIR = timeProcess([bin, 'compile', ...example, '--target', 'ir']);
console.log(`node loading yaml alone:                     ${fmt(nodeYaml)}`);
console.log(`flowc compile fixtures/ml-training --target ir: ${fmt(compileIR)}  (${(compileIR / nodeYaml).toFixed(2)}x)`);
const targets = timeProcess([bin, 'targets']);
console.log(`flowc targets (no compiler loaded):          ${fmt(targets)}`);

console.log('');
console.log('## Synthetic flows (in process, IR target; layered DAG, each step needs up to 3 of the previous layer)');
const { compileToIR } = await import(join(root, 'dist/pipeline/compile.js'));
const dir = mkdtempSync(join(tmpdir(), 'flowc-bench-'));
try {
  for (const n of [1000, 10000]) {
    const file = join(dir, `synthetic-${n}.flow.yaml`);
    writeFileSync(file, syntheticFlow(n));
    compileToIR({ flowPath: file, cwd: dir }); // warm the module caches once
    const times = [];
    let heap = 0;
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const t0 = process.hrtime.bigint();
      const r = compileToIR({ flowPath: file, cwd: dir });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      heap = Math.max(heap, process.memoryUsage().heapUsed - before);
      if (!r.ir) throw new Error(`synthetic flow of ${n} steps did not compile: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
    }
    console.log(`${String(n).padStart(6)} steps: ${fmt(median(times))}  (heap growth ~${(heap / 1048576).toFixed(0)} MiB)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Issue 19's big-flow figures (1,000/10,000/50,000 steps) live in their own script.
const scale = join(root, 'scripts', 'bench-scale.mjs');
if (existsSync(scale)) {
  console.log('');
  const r = spawnSync(process.execPath, [scale], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

const lowering = join(root, 'scripts', 'bench-lowering.mjs');
if (existsSync(lowering)) {
  console.log('');
  const r = spawnSync(process.execPath, [lowering], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

const extra = join(root, 'scripts', 'bench-build.mjs');
if (existsSync(extra)) {
  console.log('');
  const r = spawnSync(process.execPath, [extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

/** A layered flow: width 10, each step needing up to 3 steps of the layer before. */
function syntheticFlow(n) {
  const width = 10;
  const lines = ['flowc: 1', `name: synthetic-${n}`, 'defaults:', '  image: alpine:3.20', 'parameters:', '  date: { type: string, default: "2026-01-01" }', 'steps:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    lines.push(`  s${i}:`);
    if (layer > 0) {
      const prev = [...new Set([0, 3, 7].map((k) => (layer - 1) * width + ((i + k) % width)))];
      lines.push(`    needs: [${prev.map((p) => `s${p}`).join(', ')}]`);
    }
    lines.push(`    command: [run, --step, s${i}, --date, "\${params.date}"]`);
  }
  return `${lines.join('\n')}\n`;
}
