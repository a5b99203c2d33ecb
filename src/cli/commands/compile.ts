import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileTargets } from '../../pipeline/compile.js';
import { buildLockfile } from '../../pipeline/lockfile.js';
import { relativeTo } from '../../pipeline/paths.js';
import { findTarget } from '../../targets/index.js';
import { unifiedDiff } from '../diff.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs, parseTargetList } from '../options.js';
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
  const targets = parseTargetList(opts.target);
  if (opts.out && opts.output) throw new UsageError('use either --out DIR or -o FILE, not both');
  if (opts.check && !opts.out) throw new UsageError('--check compares with the files in --out DIR; give --out');
  if (!opts.out && targets.length > 1) throw new UsageError('several targets write several files: give --out DIR');
  if (opts.sweep && opts.sweep.length > 0) {
    if (!opts.out) throw new UsageError('--sweep writes one folder per variant: give --out DIR');
    const { runSweep } = await import('./sweep.js');
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
