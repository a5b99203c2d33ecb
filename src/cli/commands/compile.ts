import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { SweepAxis } from '../../project/sweep.js';
import type { CompileUnit } from '../../project/unit.js';
import { SourceRegistry } from '../../source/files.js';
import type { Json } from '../../source/tree.js';
import { compileTargets } from '../../pipeline/compile.js';
import { buildLockfile } from '../../pipeline/lockfile.js';
import { relativeTo } from '../../pipeline/paths.js';
import { findTarget, TARGETS } from '../../targets/index.js';
import { unifiedDiff } from '../diff.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';
import { writeFilesAtomically } from '../write-files.js';

export interface CompileOptions extends CascadeOptions {
  target: string;
  out?: string;
  output?: string;
  check?: boolean;
  sweep?: string[];
  prune?: boolean;
  /** commander's `--no-cache` sets this to false. */
  cache?: boolean;
  jobs?: string;
}

/** `flowc compile`: SPEC section 5. Nothing is written unless every target compiled cleanly. */
export async function runCompile(io: CliIO, flow: string, opts: CompileOptions): Promise<number> {
  const targets = [...new Set(opts.target.split(',').map((t) => t.trim()).filter(Boolean))];
  if (targets.length === 0) throw new UsageError('--target needs at least one target');
  const unknown = targets.filter((t) => !findTarget(t));
  if (unknown.length > 0) {
    throw new UsageError(`unknown target${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}; known: ${TARGETS.map((t) => t.id).join(', ')}`, 'FLOWC002');
  }
  if (opts.out && opts.output) throw new UsageError('use either --out DIR or -o FILE, not both');
  if (opts.check && !opts.out) throw new UsageError('--check compares with the files in --out DIR; give --out');
  if (!opts.out && targets.length > 1) throw new UsageError('several targets write several files: give --out DIR');
  if (opts.sweep && opts.sweep.length > 0) {
    if (!opts.out) throw new UsageError('--sweep writes one folder per variant: give --out DIR');
    return runSweep(io, flow, { ...opts, out: opts.out, sweep: opts.sweep, targets: [...new Set(targets.map((t) => (findTarget(t) as { id: string }).id))] });
  }
  if (opts.prune || opts.jobs !== undefined || opts.cache === false) throw new UsageError('--prune, --jobs and --no-cache apply to --sweep');

  const result = compileTargets({
    flowPath: flow,
    configs: parseConfigArgs(opts.config),
    sets: opts.set,
    env: io.env,
    cwd: io.cwd,
    targets,
  });
  const failed = reportDiagnostics({ io, diagnostics: result.diagnostics, sources: result.sources, format: opts.diagnostics });
  if (failed || !result.ir || !result.resolved) return EXIT.inputErrors;

  if (!opts.out) {
    const primary = result.artifacts.find((a) => a.primary) ?? result.artifacts[0];
    if (!primary) return EXIT.ok;
    if (!opts.output) {
      io.stdout(primary.contents);
      return EXIT.ok;
    }
    return writeOrReport(io, [{ path: resolve(io.cwd, opts.output), name: opts.output, contents: primary.contents }]);
  }

  const outDir = resolve(io.cwd, opts.out);
  const lock = buildLockfile({ ir: result.ir, resolved: result.resolved, flowFile: result.flowFile });
  const files = [...result.artifacts, lock].map((a) => ({ path: join(outDir, a.path), name: join(opts.out as string, a.path), contents: a.contents }));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two artifacts were named ${f.name}`);
    seen.add(f.path);
  }
  if (opts.check) return checkFiles(io, files);
  return writeOrReport(io, files);
}

/** Writes all files or none; a file system error is the user's to fix (FLOWC004), not a crash. */
function writeOrReport(io: CliIO, files: { path: string; name: string; contents: string }[]): number {
  try {
    writeFilesAtomically(files);
    return EXIT.ok;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr(`flowc: error FLOWC004: cannot write ${err.path ? relativeTo(io.cwd, err.path) : 'the output'}: ${err.code ?? err.message}; no file was changed\n`);
    return EXIT.inputErrors;
  }
}

/** `--check`: compares what would be written with what is on disk; writes nothing. */
function checkFiles(io: CliIO, files: { path: string; name: string; contents: string }[]): number {
  let stale = 0;
  for (const f of files) {
    const onDisk = existsSync(f.path) ? readFileSync(f.path, 'utf8') : undefined;
    if (onDisk === f.contents) continue;
    stale++;
    if (onDisk === undefined) io.stdout(`missing: ${f.name}\n`);
    else io.stdout(unifiedDiff({ oldText: onDisk, newText: f.contents, oldName: `${f.name} (on disk)`, newName: `${f.name} (compiled)` }));
  }
  if (stale > 0) {
    io.stderr(`flowc: ${stale} file${stale === 1 ? ' is' : 's are'} stale or missing; run the same command without --check to update\n`);
    return EXIT.inputErrors;
  }
  return EXIT.ok;
}

/**
 * `flowc compile --sweep`: one variant per combination of the sweep values (Hydra's multirun
 * grammar), each compiled like a binding into `<out>/<variant>/`, plus `sweep.manifest.json`
 * (docs/project.md, "Sweeps"). Shares the cache, worker pool, --check and --prune of `flowc build`.
 */
async function runSweep(io: CliIO, flow: string, opts: CompileOptions & { out: string; sweep: string[]; targets: string[] }): Promise<number> {
  const [{ parseFlow }, sweep, build, { BuildCache }, { compilerFingerprint }, { SWEEP_MANIFEST }, { relativeTo }] = await Promise.all([
    import('../../flow/parse-flow.js'),
    import('../../project/sweep.js'),
    import('./build.js'),
    import('../../project/cache.js'),
    import('../../project/fingerprint.js'),
    import('../../project/manifest.js'),
    import('../../pipeline/paths.js'),
  ]);
  const jobs = build.parseJobs(opts.jobs);
  const configs = parseConfigArgs(opts.config).map((c) => ({ name: c.name, file: resolve(io.cwd, c.file) }));
  const sources = new SourceRegistry();
  const diagnostics = new DiagnosticBag();
  const flowFile = resolve(io.cwd, flow);
  const written = parseFlow({ file: flowFile, sources, diagnostics });
  const axes = opts.sweep.map((arg) => sweep.parseSweep(arg, diagnostics));
  const variants = diagnostics.hasErrors() ? undefined : sweep.expandSweeps(axes as SweepAxis[], diagnostics);
  if (!written || !variants || diagnostics.hasErrors()) {
    reportDiagnostics({ io, diagnostics: diagnostics.items, sources, format: opts.diagnostics });
    return EXIT.inputErrors;
  }
  const flowName = String(written.name.value);
  const outDir = resolve(io.cwd, opts.out);
  const units: CompileUnit[] = [];
  const meta = new Map<string, Record<string, Json>>();
  const byName = new Map<string, string[]>();
  for (const overrides of variants) {
    const name = sweep.variantName(flowName, overrides);
    const other = byName.get(name);
    if (other) {
      diagnostics.report('FLOWC724', `variants ${other.join(' ')} and ${overrides.join(' ')} are both named '${name}'`, undefined, ['a value is listed twice, or two values hash alike: list each value once']);
      continue;
    }
    byName.set(name, overrides);
    units.push({ name, flowPath: flowFile, bindingFiles: [], configs, sets: [...opts.set, ...overrides], targets: opts.targets, cwd: io.cwd });
    meta.set(name, { overrides });
  }
  if (diagnostics.hasErrors()) {
    reportDiagnostics({ io, diagnostics: diagnostics.items, sources, format: opts.diagnostics });
    return EXIT.inputErrors;
  }
  const cacheDir = io.env.FLOWC_CACHE_DIR ? resolve(io.cwd, io.env.FLOWC_CACHE_DIR) : join(dirname(flowFile), '.flowc-cache');
  return build.emitUnits(io, {
    units,
    meta,
    keep: [],
    kind: 'sweep',
    header: {
      // Relative to the flow's folder, as lockfiles write paths: the manifest reads the same on every machine.
      flow: relativeTo(dirname(flowFile), flowFile),
      configs: configs.map((c) => ({ name: c.name, file: relativeTo(dirname(flowFile), c.file) })),
      set: opts.set,
      sweep: (axes as SweepAxis[]).map((a) => ({ key: `${a.prefix}${a.key}`, values: a.values })),
      targets: opts.targets,
    },
    manifestName: SWEEP_MANIFEST,
    outDir,
    check: opts.check === true,
    prune: opts.prune === true,
    cache: opts.cache === false ? undefined : new BuildCache(cacheDir, compilerFingerprint()),
    jobs,
    format: opts.diagnostics,
  });
}
