#!/usr/bin/env node
// `npm run bench` calls this: the time to build 1,000 variants of the fixture project's flow for
// every registered target, cold (empty cache) on a worker pool and on one thread, and with a warm
// cache. Each cold figure is one run of the real bin (several seconds: long enough not to need
// medians); each warm figure the median of five. Set BENCH_VARIANTS to change the count. Run after
// `npm run build`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeResults } from './bench-results.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.env.BENCH_VARIANTS ?? 1000);
const { TARGETS } = await import(join(root, 'dist/targets/index.js'));
const targets = TARGETS.map((t) => t.id);

const cores = availableParallelism();
console.log(`## flowc build: ${count} variants x ${targets.length} targets (${targets.join(', ')}), ${cores} cores`);
// Twice: in the temporary folder (a disk here) and in RAM (tmpfs), when the machine has one. Creating
// 9,000 files is the floor of a build that writes them, and that floor is the disk's: on this
// project's CI machines (ext4 mounted with `discard`) a create right after mass deletes takes
// ~300 us against ~15 us in RAM. The RAM figures are flowc's own cost; the goals are judged on them,
// with the disk figures and the disk's floor printed beside them (docs/decisions.md, "Build speed").
const places = [{ name: 'disk', base: tmpdir() }];
const ram = ramFolder();
if (ram) places.push({ name: 'ram', base: ram });
const results = {};
for (const place of places) results[place.name] = benchIn(place);
mergeResults({ build: { variants: count, targets, cores, goals: { coldMs: 5000, warmMs: 1000 }, ...results } });
const goalOn = results.ram ?? results.disk;
const judged = results.ram ? 'in RAM' : 'on disk';
console.log(`goals (${judged}): cold < 5 s (now ${(goalOn.cold.wallMs / 5000).toFixed(2)}x the goal), warm < 1 s (into an empty folder ${(goalOn.warm.wallMs / 1000).toFixed(2)}x; outputs up to date ${(goalOn.upToDate.wallMs / 1000).toFixed(2)}x)`);

/** Runs the four builds in a fresh project folder under `place.base`; prints and returns the figures. */
function benchIn(place) {
  const dir = mkdtempSync(join(place.base, 'flowc-bench-build-'));
  try {
    return benchProject(dir, place);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchProject(dir, place) {
  // The fixture project's flow and configs, with `count` bindings over its three config files.
  const fixture = join(root, 'fixtures/projects/content-model');
  cpSync(join(fixture, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(fixture, 'content-model.flow.yaml'), join(dir, 'content-model.flow.yaml'));
  const configs = [null, 'config/ctr.toml', 'config/retention.toml'];
  const bindings = Array.from({ length: count }, (_, i) => {
    const b = { name: `variant-${String(i).padStart(4, '0')}`, set: [`app.train.epochs=${1 + (i % 50)}`, `app.retries=${i % 4}`] };
    const file = configs[i % configs.length];
    return file ? { ...b, configs: { app: file } } : b;
  });
  // JSON is YAML: the project file is built as an object and serialized, never concatenated.
  writeFileSync(join(dir, 'flowc.yaml'), JSON.stringify({ flowc: 1, targets, flow: 'content-model.flow.yaml', bindings }, null, 2));

  // The real bin (bin/flowc.js, which loads the bundle when it is current), with a preload that
  // prints the process's CPU time (all threads: getrusage RUSAGE_SELF) and peak memory on stderr
  // as it exits, so the figures show how many cores the build kept busy, whatever else the machine
  // was running. Only the main thread prints: threads started with the parent's exec arguments
  // run the preload too.
  const mtime = (rel) => statSync(join(root, rel), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime('dist/bundle/flowc.cjs');
  const current = bundled !== undefined && bundled >= (mtime('dist/cli/main.js') ?? 0);
  const cli = current ? 'dist/bundle/flowc.cjs' : 'dist/cli/main.js';
  const usageFile = join(dir, 'report-usage.cjs');
  writeFileSync(
    usageFile,
    [
      "'use strict';",
      "if (require('node:worker_threads').isMainThread) {",
      "  process.on('exit', () => {",
      '    const c = process.cpuUsage();',
      '    process.stderr.write(`\\ncpu-ms ${(c.user + c.system) / 1000}\\nmax-rss-kb ${process.resourceUsage().maxRSS}\\n`);',
      '  });',
      '}',
    ].join('\n'),
  );
  const build = (label, args, cacheDir) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', usageFile, join(root, 'bin/flowc.js'), 'build', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true', FLOWC_CACHE_DIR: cacheDir } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${label}: flowc build exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
    const cpu = Number(/cpu-ms ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
    // Peak resident memory of the whole process, worker threads included (one address space).
    const peakMiB = Number(/max-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
    return { ms, cpu, peakMiB, summary: r.stdout.trim().split('\n').pop() };
  };
  const fresh = (name) => {
    rmSync(join(dir, name), { recursive: true, force: true });
    return join(dir, name);
  };

  console.log(`### in ${dir} (${place.name}: ${describeMount(dir)}; CLI: ${cli})`);
  const parallel = build('cold, parallel', ['--out', fresh('out-parallel')], fresh('cache-parallel'));
  // The floor under "warm cache, empty out folder": the same files written with plain
  // writeFileSync (one mkdir per folder), no checks, no temporary files, no renames. Measured
  // where the warm build then writes, each right after 9,001 files were removed there: creating
  // files just after deleting as many costs a disk mounted with `discard` several times more than
  // a quiet one (0.2 s against 1.3-1.5 s measured), so both must start from the same state.
  const floor = writeFloor(join(dir, 'out-parallel'), fresh);
  fresh('out-parallel');
  // The warm builds take about a second, as long as a noisy neighbour's burst on this VM (one run
  // in five took 20-40 % longer than the others of its round): the median of five, each printed.
  const RUNS = 5;
  const median = (run) => {
    const runs = Array.from({ length: RUNS }, run);
    const sorted = [...runs].sort((a, b) => a.ms - b.ms);
    return { ...sorted[Math.floor(RUNS / 2)], each: runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ') };
  };
  const warm = median(() => {
    fresh('out-parallel');
    return build('warm cache', ['--out', join(dir, 'out-parallel')], join(dir, 'cache-parallel'));
  });
  const noop = median(() => build('warm cache, outputs up to date', ['--out', join(dir, 'out-parallel')], join(dir, 'cache-parallel')));
  const serial = build('cold, 1 worker', ['--out', fresh('out-serial'), '--jobs', '1'], fresh('cache-serial'));
  const fmt = (r) =>
    `${(r.ms / 1000).toFixed(2)} s wall, ${(r.cpu / 1000).toFixed(2)} s CPU (${(r.cpu / r.ms).toFixed(2)} cores busy), ${((r.ms * 1000) / count).toFixed(0)} us/variant, peak ${r.peakMiB.toFixed(0)} MiB; ${r.summary.replace(/^flowc: /, '')}`;
  console.log(`cold cache, default jobs:        ${fmt(parallel)}`);
  console.log(`cold cache, 1 thread (--jobs 1): ${fmt(serial)}`);
  console.log(`warm cache, empty out folder:    ${fmt(warm)} (median of ${RUNS}: ${warm.each} s)`);
  console.log(`warm cache, outputs up to date:  ${fmt(noop)} (median of ${RUNS}: ${noop.each} s)`);
  console.log(`floor: writing the same ${floor.files} files with plain fs: ${(floor.ms / 1000).toFixed(2)} s wall (the warm build into an empty folder is ${(warm.ms / floor.ms).toFixed(1)}x that)`);
  const [load1] = loadavg();
  console.log(`speed-up from parallelism: ${(serial.ms / parallel.ms).toFixed(2)}x on ${cores} cores; from the cache: ${(parallel.ms / warm.ms).toFixed(1)}x (load average ${load1.toFixed(1)}: other processes share these cores)`);
  const row = (r) => ({ wallMs: r.ms, cpuMs: r.cpu, peakMiB: r.peakMiB });
  return { folder: describeMount(dir), cold: row(parallel), coldOneThread: row(serial), warm: row(warm), upToDate: row(noop), writeFloorMs: floor.ms };
}

/** A tmpfs folder to measure in (Linux /dev/shm), or undefined. */
function ramFolder() {
  const mount = mountOf('/dev/shm');
  return mount?.type === 'tmpfs' ? '/dev/shm' : undefined;
}

/** "ext4 rw,relatime,discard" for the file system holding `path`, from /proc/mounts (Linux only). */
function describeMount(path) {
  const m = mountOf(path);
  return m ? `${m.type} ${m.options}` : 'file system unknown';
}

function mountOf(path) {
  let mounts;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  let best;
  for (const line of mounts.split('\n')) {
    const [, at, type, options] = line.split(' ');
    if (at === undefined) continue;
    if ((path === at || path.startsWith(at.endsWith('/') ? at : `${at}/`)) && (!best || at.length > best.at.length)) best = { at, type, options };
  }
  return best;
}

/** Reads every file under `from` (outside the timing), then times writing them all under `to`. */
function writeFloor(from, fresh) {
  const to = from;
  const files = [];
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else files.push([`${rel}${e.name}`, readFileSync(join(d, e.name), 'utf8')]);
    }
  };
  walk(from, '');
  fresh(basename(from));
  const t0 = process.hrtime.bigint();
  const made = new Set();
  for (const [rel, text] of files) {
    const folder = dirname(join(to, rel));
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(join(to, rel), text);
  }
  return { files: files.length, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
