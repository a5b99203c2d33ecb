import { join, resolve } from 'node:path';
import { compileTargets } from '../../pipeline/compile.js';
import { buildLockfile } from '../../pipeline/lockfile.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { relPathProblem } from '../../project/output-paths.js';
import { compareWithDisk, type PlannedFile } from '../../project/outputs.js';
import { SourceRegistry } from '../../source/files.js';
import { findTarget, TARGETS } from '../../targets/index.js';
import { colourDiff, unifiedDiff } from '../diff.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs, parseTargetList } from '../options.js';
import { type DiagnosticsFormat, reportDiagnostics } from '../report.js';
import { writeFilesTransactionally } from '../write-files.js';
import { writeOutputFile } from '../write-output-file.js';
import { unreadableOutputs, writeOutcomeReport } from '../write-report.js';

export interface CompileOptions extends CascadeOptions {
  /** Required; checked here rather than by commander so an unknown option is named first. */
  target?: string;
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
  if (opts.target === undefined) {
    throw new UsageError(`compile needs --target: ${TARGETS.map((t) => t.id).join(', ')} or all (comma-separated)`, 'FLOWC010', ['for example: flowc compile flow.yaml --target argo']);
  }
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

  const configs = parseConfigArgs(opts.config);
  const result = compileTargets({
    flowPath: flow,
    configs: configs.configs,
    sets: opts.set,
    env: io.env,
    cwd: io.cwd,
    allowOutside: opts.allowOutside === true,
    targets,
  });
  const failed = reportDiagnostics({ io, diagnostics: [...configs.diagnostics, ...result.diagnostics], sources: result.sources, format: opts.diagnostics });
  if (failed || !result.ir || !result.resolved) return EXIT.inputErrors;

  if (!opts.out) {
    const primary = result.artifacts.find((a) => a.primary) ?? result.artifacts[0];
    if (!primary) return EXIT.ok;
    if (!opts.output) {
      io.stdout(primary.contents);
      return EXIT.ok;
    }
    const outcome = await writeOutputFile({ path: resolve(io.cwd, opts.output), contents: primary.contents, stdout: io.stdout });
    return reportWrite(io, writeOutcomeReport(outcome, () => opts.output as string), opts.diagnostics);
  }

  const outDir = resolve(io.cwd, opts.out);
  const lock = buildLockfile({ ir: result.ir, resolved: result.resolved, flowFile: result.flowFile });
  const files = [...result.artifacts, lock].map((a) => ({ path: join(outDir, a.path), rel: a.path, contents: a.contents }));
  const display = (rel: string) => join(opts.out as string, rel);
  const seen = new Set<string>();
  for (const f of files) {
    const problem = relPathProblem(f.rel);
    if (problem) throw new Error(`a target named its file ${JSON.stringify(f.rel)}, which ${problem}`);
    if (seen.has(f.path)) throw new Error(`two artifacts were named ${display(f.rel)}`);
    seen.add(f.path);
  }
  if (opts.check) return checkFiles(io, { outDir, files, display, format: opts.diagnostics });
  const disk = compareWithDisk({ outDir, files, wantText: false });
  if (disk.refused.length > 0) return reportWrite(io, { diagnostics: unreadableOutputs(disk, display), exit: EXIT.inputErrors }, opts.diagnostics);
  const outcome = await writeFilesTransactionally({ root: outDir, files });
  return reportWrite(io, writeOutcomeReport(outcome, display), opts.diagnostics);
}

/** Prints a write's diagnostics (they carry no source spans) and returns its exit code. */
function reportWrite(io: CliIO, report: { diagnostics: Diagnostic[]; exit: number }, format: DiagnosticsFormat): number {
  if (report.diagnostics.length > 0) reportDiagnostics({ io, diagnostics: report.diagnostics, sources: new SourceRegistry(), format });
  return report.exit;
}

/** `--check`: compares what would be written with what is on disk; writes nothing and reads only regular files. */
function checkFiles(io: CliIO, options: { outDir: string; files: PlannedFile[]; display: (rel: string) => string; format: DiagnosticsFormat }): number {
  const { display } = options;
  const disk = compareWithDisk({ outDir: options.outDir, files: options.files, wantText: true });
  for (const { file, onDisk } of disk.differing) {
    if (onDisk === undefined) io.stdout(`missing: ${display(file.rel)}\n`);
    else io.stdout(colourDiff(unifiedDiff({ oldText: onDisk, newText: file.contents, oldName: `${display(file.rel)} (on disk)`, newName: `${display(file.rel)} (compiled)` }), io));
  }
  const unreadable = unreadableOutputs(disk, display);
  if (unreadable.length > 0) reportWrite(io, { diagnostics: unreadable, exit: EXIT.inputErrors }, options.format);
  const stale = disk.differing.length;
  if (stale > 0) io.stderr(`flowc: ${stale} file${stale === 1 ? ' is' : 's are'} stale or missing; run the same command without --check to update\n`);
  return stale > 0 || unreadable.length > 0 ? EXIT.inputErrors : EXIT.ok;
}
