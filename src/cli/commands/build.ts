import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type Diagnostic, DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { suggestionNotes } from '../../diagnostics/suggest.js';
import { relativeTo } from '../../pipeline/paths.js';
import { BuildCache } from '../../project/cache.js';
import { compileUnits, defaultJobs } from '../../project/compile-units.js';
import { checkDeployedNames } from '../../project/deployed-names.js';
import { compilerFingerprint } from '../../project/fingerprint.js';
import { findProjectFile, PROJECT_FILE } from '../../project/find-project.js';
import { nameMatcher } from '../../project/glob.js';
import { BUILD_MANIFEST, type Manifest, readManifest } from '../../project/manifest.js';
import { compareWithDisk, type DiskComparison, type PlannedFile, type PlannedUnit, planOutputs } from '../../project/outputs.js';
import { OutputStamps, restamp, type WrittenStats } from '../../project/output-stamps.js';
import { createProgress } from '../../project/progress.js';
import { loadProject } from '../../project/project-file.js';
import { pruneStale } from '../../project/stale.js';
import type { CompileUnit } from '../../project/unit.js';
import { unitDiagnostics } from '../../project/unit-diagnostics.js';
import { SourceRegistry } from '../../source/files.js';
import type { Span } from '../../source/span.js';
import type { Json } from '../../source/tree.js';
import { findTarget, TARGETS } from '../../targets/index.js';
import { checkSummary } from '../check-summary.js';
import { colourDiff, unifiedDiff } from '../diff.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type DiagnosticsFormat, reportDiagnostics } from '../report.js';
import { foldersOf, removeStaleTemps } from '../temp-files.js';
import { dropSpareStageHelper, HELP_FROM, prestartStageHelper } from '../stage-helper.js';
import { writeFilesTransactionally } from '../write-files.js';

import { unreadableOutputs, writeOutcomeReport } from '../write-report.js';

export interface BuildOptions {
  /** `-p FILE` or `-p DIR`; absent: the nearest flowc.yaml upwards. */
  project?: string;
  only: string[];
  target?: string;
  out?: string;
  check?: boolean;
  diff?: boolean;
  prune?: boolean;
  /** commander's `--no-cache` sets this to false. */
  cache: boolean;
  jobs?: string;
  /** `--allow-outside`: config files, extends and schemas may be outside the project file's folder. */
  allowOutside?: boolean;
  diagnostics: DiagnosticsFormat;
}

/**
 * `flowc build`: compiles every binding of a project file for each of its targets into
 * `<out>/<binding>/` (docs/project.md). Nothing is written unless every binding compiled.
 */
export async function runBuild(io: CliIO, opts: BuildOptions): Promise<number> {
  const overrideTargets = opts.target === undefined ? undefined : parseTargets(opts.target);
  const jobs = parseJobs(opts.jobs);
  const sources = new SourceRegistry();
  const diagnostics = new DiagnosticBag();
  const fail = () => {
    reportDiagnostics({ io, diagnostics: diagnostics.items, sources, format: opts.diagnostics });
    return EXIT.inputErrors;
  };
  const location = findProjectFile(io.cwd, opts.project);
  if (!location.found) {
    const top = location.searched[location.searched.length - 1] as string;
    diagnostics.report('FLOWC701', `no ${PROJECT_FILE} in ${io.cwd} or its parent folders`, undefined, [
      `searched up to ${top}${existsSync(join(top, '.git')) ? ' (the repository root: it holds .git)' : ' (the filesystem root)'}`,
      'a project file (flowc.yaml) lists the bindings flowc build compiles; see docs/project.md',
      'give one with -p FILE or -p DIR',
    ]);
    return fail();
  }
  const project = loadProject({ file: location.file, sources, diagnostics });
  if (!project) return fail();

  const match = opts.only.length > 0 ? nameMatcher(opts.only) : () => true;
  const selected = project.bindings.filter((b) => match(b.name));
  if (selected.length === 0) {
    const near = opts.only.flatMap((g) => (/[*?]/.test(g) ? [] : suggestionNotes(g, project.bindings.map((b) => b.name))));
    diagnostics.report('FLOWC708', `--only ${opts.only.join(' ')} matches no binding`, undefined, [...near, `bindings: ${project.bindings.map((b) => b.name).join(', ')}`]);
    return fail();
  }
  const outDir = opts.out === undefined ? project.out : resolve(io.cwd, opts.out);
  const units: CompileUnit[] = [];
  const meta = new Map<string, Record<string, Json>>();
  const spans = new Map<string, Span>();
  for (const b of selected) {
    const targets = overrideTargets ?? b.targets;
    if (targets.length === 0) {
      diagnostics.report('FLOWC702', `binding '${b.name}' has no targets: give the project (or the binding) targets:, or pass --target`, b.nameSpan);
      continue;
    }
    units.push({ name: b.name, flowPath: b.flow, bindingFiles: b.configs, configs: [], sets: b.set, setSpans: b.setSpans, targets, cwd: project.dir, projectRoot: project.dir, allowOutside: opts.allowOutside === true });
    spans.set(b.name, b.nameSpan);
    // Paths as the project file wrote them (relative to it), so the manifest reads the same wherever --out points.
    meta.set(b.name, { flow: b.written.flow, configs: b.written.configs, set: b.set, targets });
  }
  // Every binding of the project, also those --only leaves out: they deploy all the same.
  const deployed = project.bindings.map((b) => ({ name: b.name, targets: match(b.name) ? (overrideTargets ?? b.targets) : b.targets, span: b.nameSpan }));
  checkDeployedNames({ units: deployed, noun: 'binding', diagnostics });
  if (diagnostics.hasErrors()) return fail();

  const cacheDir = io.env.FLOWC_CACHE_DIR ? resolve(io.cwd, io.env.FLOWC_CACHE_DIR) : join(project.dir, '.flowc-cache');
  return emitUnits(io, {
    units,
    meta,
    spans,
    // Bindings left out by --only keep their files and manifest entries as they are.
    keep: project.bindings.filter((b) => !match(b.name)).map((b) => b.name),
    order: project.bindings.map((b) => b.name),
    kind: 'build',
    header: {},
    manifestName: BUILD_MANIFEST,
    outDir,
    check: opts.check === true,
    diff: opts.diff === true,
    prune: opts.prune === true,
    cache: opts.cache === false ? undefined : new BuildCache(cacheDir, compilerFingerprint()),
    jobs,
    format: opts.diagnostics,
  });
}

/** `--target a,b` as canonical ids; unknown names are wrong usage, as for compile. */
export function parseTargets(list: string): string[] {
  const names = [...new Set(list.split(',').map((t) => t.trim()).filter(Boolean))];
  if (names.length === 0) throw new UsageError('--target needs at least one target');
  const unknown = names.filter((t) => !findTarget(t));
  if (unknown.length > 0) {
    throw new UsageError(`unknown target${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  }
  return [...new Set(names.map((n) => (findTarget(n) as { id: string }).id))];
}

/**
 * The most threads a build compiles on (this one and its workers): 4 per core, at most 64. Compiling is CPU-bound, so more
 * threads than that only cost memory (each worker is a V8 isolate of 10-30 MB) and start-up time;
 * `--jobs 400` used to start 400. Above it, `--jobs` is clamped with a warning (FLOWC715) rather
 * than refused, so a CI script written for a large machine still runs on a small one.
 */
export function maxJobs(): number {
  return Math.max(1, Math.min(64, 4 * availableParallelism()));
}

/** `--jobs N`: threads that compile (this one and N - 1 workers); default one per core (within maxJobs). Clamping happens in emitUnits, which can warn. */
export function parseJobs(value: string | undefined): number {
  if (value === undefined) return Math.min(defaultJobs(), maxJobs());
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs expects a whole number of at least 1, got '${value}'`);
  return n;
}

export interface EmitOptions {
  units: CompileUnit[];
  /** What the manifest records per unit, besides its config hash and files. */
  meta: Map<string, Record<string, Json>>;
  /** Where each unit was named (a binding's name in flowc.yaml), for FLOWC709. */
  spans?: Map<string, Span>;
  /** Units outside this run's scope whose earlier entries and files stay. */
  keep: string[];
  /** Manifest order of all units, kept ones included (project order); default: the order of `units`. */
  order?: string[];
  kind: Manifest['kind'];
  header: Record<string, Json>;
  manifestName: string;
  outDir: string;
  check: boolean;
  /** `--diff`: with --check, print the diff of every stale file also when stdout is not a terminal. */
  diff?: boolean;
  prune: boolean;
  cache: BuildCache | undefined;
  jobs: number;
  format: DiagnosticsFormat;
}

/**
 * The shared back half of `flowc build` and `flowc compile --sweep`: compile the units (cache,
 * worker pool, progress bar), report every unit's diagnostics, then check against the disk or
 * write every file at once, and report or prune stale outputs.
 */
export async function emitUnits(io: CliIO, options: EmitOptions): Promise<number> {
  try {
    return await emit(io, options);
  } finally {
    // The staging thread started for a write that never came (the build failed, or wrote less).
    dropSpareStageHelper();
  }
}

async function emit(io: CliIO, options: EmitOptions): Promise<number> {
  const noun = options.kind === 'build' ? 'binding' : 'variant';
  const early = new DiagnosticBag();
  const jobs = Math.min(options.jobs, maxJobs());
  if (jobs < options.jobs) {
    early.report('FLOWC715', `--jobs ${options.jobs} is above the limit of ${jobs} threads (4 per core, at most 64); using ${jobs}`);
  }
  const previous = readManifest(join(options.outDir, options.manifestName), options.kind);
  // --check shows the text of every differing file: its entries are read and verified whole.
  if (options.cache) options.cache.lazy = !options.check;
  // --no-progress: drawn as if stderr were not a terminal (code frames are printed separately).
  const progress = createProgress(io.progress === false ? { ...io, stderrIsTTY: false } : io, `${noun}s`);
  const { outputs, stats } = await compileUnits({
    units: options.units,
    env: io.env,
    jobs,
    cache: options.cache,
    cacheWrite: !options.check,
    onProgress: progress.update,
  });
  progress.finish();
  // Into a folder with no manifest (a first build, a clean checkout) every file is written: a write
  // of HELP_FROM files or more takes a second thread (stage-helper.ts), which starts now, to be
  // ready when planning and comparing are done instead of ~80 ms into the write. A failed unit
  // stops the build before any write.
  const toWrite = outputs.reduce((n, o) => n + o.files.length, 0);
  if (!options.check && jobs > 1 && previous === 'missing' && toWrite >= HELP_FROM && outputs.every((o) => o.ok)) prestartStageHelper();

  const diagnostics = early;
  for (const p of options.cache?.problems ?? []) {
    diagnostics.report('FLOWC713', `build cache entry ${shownPath(io.cwd, p.entry)} failed verification: ${p.reason}; it was ignored and ${noun} '${p.unit}' compiled afresh`);
  }
  diagnostics.addAll(unitDiagnostics({ outputs, noun, spans: options.spans }));
  if (previous === 'unreadable') {
    diagnostics.report('FLOWC712', `${shownPath(io.cwd, join(options.outDir, options.manifestName))} is not a manifest this flowc wrote; stale outputs of earlier builds cannot be found`, undefined, [
      'files flowc no longer produces will not be reported or pruned; this build writes a fresh manifest',
    ]);
  }
  // Everything is reported once, at the end, so --diagnostics json prints one document.
  if (outputs.some((o) => !o.ok)) {
    report(io, diagnostics.items, options.format);
    return EXIT.inputErrors;
  }

  const prev = typeof previous === 'string' ? undefined : previous;
  if (prev && prev.rejected.length > 0) {
    const n = prev.rejected.length;
    diagnostics.report('FLOWC714', `${shownPath(io.cwd, join(options.outDir, options.manifestName))} lists ${n} file${n === 1 ? '' : 's'} flowc cannot have written; ${n === 1 ? 'it is' : 'they are'} ignored: never pruned nor reported as stale`, undefined, [
      ...prev.rejected.slice(0, 10).map((r) => `${JSON.stringify(r.path)} ${r.reason}`),
      ...(n > 10 ? [`and ${n - 10} more`] : []),
    ]);
  }
  const units: PlannedUnit[] = outputs.map((output) => ({ name: output.name, meta: options.meta.get(output.name) ?? {}, output }));
  for (const name of options.keep) {
    const carried = prev?.units.get(name);
    if (carried) units.push({ name, meta: {}, carried });
  }
  const order = new Map<string, number>((options.order ?? options.units.map((u) => u.name)).map((name, i) => [name, i]));
  units.sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity) || (a.name < b.name ? -1 : 1));
  const planInput = { outDir: options.outDir, manifestName: options.manifestName, kind: options.kind, header: options.header, units, previous: prev, prune: options.prune };
  let plan = planOutputs(planInput);
  const display = (rel: string) => shownPath(io.cwd, join(options.outDir, rel));
  const staleFiles = Object.keys(plan.stale).sort();

  if (options.check) {
    const disk = compareWithDisk({ outDir: options.outDir, files: plan.files, wantText: true });
    io.stdout(checkSummary({ noun, unitCount: options.units.length, differing: disk.differing, stale: staleFiles }));
    // The full diff only when asked for or read on a terminal: a CI log gets the summary.
    const showDiff = options.diff === true || io.stdoutIsTTY === true;
    for (const { file, onDisk } of disk.differing) {
      if (onDisk === undefined) io.stdout(`missing: ${display(file.rel)}\n`);
      else if (showDiff) io.stdout(colourDiff(unifiedDiff({ oldText: onDisk, newText: file.contents, oldName: `${display(file.rel)} (on disk)`, newName: `${display(file.rel)} (compiled)` }), io));
    }
    for (const rel of staleFiles) io.stdout(`stale: ${display(rel)} (no ${noun} produces it any more; --prune removes it)\n`);
    diagnostics.addAll(unreadableOutputs(disk, display));
    const problems = disk.differing.length + staleFiles.length;
    if (diagnostics.items.length > 0) report(io, diagnostics.items, options.format);
    if (problems > 0) {
      io.stderr(`flowc: ${problems} file${problems === 1 ? ' is' : 's are'} stale, missing or left over; run the same command without --check${staleFiles.length > 0 ? ' and with --prune' : ''} to update\n`);
    }
    return problems > 0 || diagnostics.hasErrors() ? EXIT.inputErrors : EXIT.ok;
  }

  // Stamps live in the cache: without one (--no-cache) every output is read.
  const stamps = options.cache ? OutputStamps.load(options.cache.dir, options.outDir) : undefined;
  let disk: DiskComparison;
  let changed: PlannedFile[];
  let writtenStats: { stats: WrittenStats; committedAtMs: number } | undefined;
  for (let attempt = 0; ; attempt++) {
    disk = compareWithDisk({ outDir: options.outDir, files: plan.files, wantText: false, ...(stamps ? { stamps } : {}) });
    changed = disk.differing.map((d) => d.file);
    if (disk.refused.length > 0) {
      diagnostics.addAll(unreadableOutputs(disk, display));
      report(io, diagnostics.items, options.format);
      return EXIT.inputErrors;
    }
    // Debris of a killed run goes even from folders where nothing changes this time.
    removeStaleTemps(options.outDir, foldersOf(plan.files.map((f) => f.path)));
    // --jobs 1 asks for one thread: the write then takes no staging thread either.
    const outcome = await writeFilesTransactionally({ root: options.outDir, files: changed, ...(jobs > 1 ? {} : { helpFrom: Infinity }) });
    if (outcome.status === 'unavailable' && attempt === 0) {
      // Cache entries are read whole only now, to write their files: one found damaged (or gone)
      // costs its unit a fresh compile, as a bad entry found at lookup does, and the write is
      // made again. Nothing was written.
      const healed = await compileAfresh({ io, options, units, changed, rels: outcome.rels, noun, diagnostics });
      if (healed === undefined) {
        report(io, diagnostics.items, options.format);
        return EXIT.inputErrors;
      }
      stats.compiled += healed;
      stats.cached -= healed;
      plan = planOutputs(planInput);
      continue;
    }
    if (outcome.status === 'written' && outcome.stats && outcome.committedAtMs !== undefined) writtenStats = { stats: outcome.stats, committedAtMs: outcome.committedAtMs };
    const written = writeOutcomeReport(outcome, display);
    if (written.exit !== EXIT.ok) {
      diagnostics.addAll(written.diagnostics);
      report(io, diagnostics.items, options.format);
      return written.exit;
    }
    break;
  }
  if (stamps) {
    const current = new Set(plan.files.map((f) => f.rel));
    for (const name of options.keep) for (const rel of Object.keys(prev?.units.get(name)?.files ?? {})) current.add(rel);
    await restamp({ stamps, verified: disk.verified, verifiedAtMs: disk.verifiedAtMs, written: changed, ...(writtenStats ? { writtenStats } : {}), current });
  }
  let removed: string[] = [];
  if (options.prune && staleFiles.length > 0) {
    const pruned = pruneStale(options.outDir, plan.stale);
    removed = pruned.removed;
    for (const rel of pruned.changed) {
      diagnostics.report('FLOWC711', `${display(rel)} was written by an earlier build but has been changed since; it was left in place and is no longer tracked`);
    }
    for (const r of pruned.refused) {
      diagnostics.report('FLOWC717', `${display(r.rel)} is listed as a stale output but is ${r.what}; --prune deletes only regular files in real folders, so it was left in place and is no longer tracked`);
    }
  } else if (staleFiles.length > 0) {
    diagnostics.report('FLOWC710', `${staleFiles.length} file${staleFiles.length === 1 ? '' : 's'} written by an earlier build ${staleFiles.length === 1 ? 'is' : 'are'} no longer produced by any ${noun}`, undefined, [
      ...staleFiles.slice(0, 10).map((rel) => `stale: ${display(rel)}`),
      ...(staleFiles.length > 10 ? [`and ${staleFiles.length - 10} more (listed under "stale" in ${display(options.manifestName)})`] : []),
      'run with --prune to remove them',
    ]);
  }
  if (diagnostics.items.length > 0) report(io, diagnostics.items, options.format);
  for (const rel of removed) io.stdout(`removed ${display(rel)}\n`);
  const outName = shownPath(io.cwd, options.outDir);
  io.stdout(
    `flowc: ${options.units.length} ${noun}${options.units.length === 1 ? '' : 's'} into ${outName}: ` +
      `${changed.length} file${changed.length === 1 ? '' : 's'} written, ${stats.compiled} compiled, ${stats.cached} from cache` +
      `${stats.workers > 0 ? ` (${stats.workers} threads)` : ''}\n`,
  );
  return EXIT.ok;
}

/**
 * Compiles afresh the units of the files a write could not read from the cache (`rels`), storing
 * them, and puts their outputs in `units`; a damaged entry is reported (FLOWC713), one that went
 * away (another build replaced it, the cache was deleted) is not. Returns how many units were
 * compiled, or undefined when one of them now fails (its diagnostics are in `diagnostics`).
 */
async function compileAfresh(o: { io: CliIO; options: EmitOptions; units: PlannedUnit[]; changed: PlannedFile[]; rels: string[]; noun: 'binding' | 'variant'; diagnostics: DiagnosticBag }): Promise<number | undefined> {
  const byRel = new Map(o.changed.map((f) => [f.rel, f]));
  const names = new Set<string>();
  for (const rel of o.rels) {
    const name = rel.slice(0, rel.indexOf('/'));
    const problem = byRel.get(rel)?.stored?.problem;
    if (problem && !problem.gone && !names.has(name)) {
      o.diagnostics.report('FLOWC713', `build cache entry ${shownPath(o.io.cwd, problem.entry)} failed verification: ${problem.reason}; it was ignored and ${o.noun} '${name}' compiled afresh`);
    }
    names.add(name);
  }
  const fresh = o.options.units.filter((u) => names.has(u.name));
  // Their bytes are held this time: read back from entries that just failed, they might fail again.
  const { outputs } = await compileUnits({ units: fresh, env: o.io.env, jobs: 1, cache: o.options.cache, lookup: false, keepBytes: true });
  const failed = outputs.filter((out) => !out.ok);
  if (failed.length > 0) {
    o.diagnostics.addAll(unitDiagnostics({ outputs: failed, noun: o.noun, spans: o.options.spans }));
    return undefined;
  }
  for (const out of outputs) {
    const u = o.units.find((p) => p.name === out.name);
    if (u) u.output = out;
  }
  return outputs.length;
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A path as messages show it: relative to the working folder when inside it, else absolute. */
function shownPath(cwd: string, absPath: string): string {
  const rel = relativeTo(cwd, absPath);
  return rel.startsWith('..') ? absPath : rel;
}

function report(io: CliIO, ds: Diagnostic[], format: DiagnosticsFormat): void {
  // Code frames need the texts; they were read in the workers, so read the few files named again
  // (only regular files: a span from a cache entry is untrusted and could name a FIFO).
  const sources = new SourceRegistry();
  for (const d of ds) if (d.span && isRegularFile(d.span.file)) sources.read(d.span.file);
  reportDiagnostics({ io, diagnostics: ds, sources, format });
}
