import { join, resolve } from 'node:path';
import { compileTargets } from '../../pipeline/compile.js';
import { buildLockfile } from '../../pipeline/lockfile.js';
import { findTarget, TARGETS } from '../../targets/index.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs, parseTargetList } from '../options.js';
import { reportDiagnostics } from '../report.js';
import { suggestFlowName } from '../../diagnostics/suggest.js';

export interface CompileOptions extends CascadeOptions {
  /** Required; checked here rather than by commander so an unknown option is named first. */
  target?: string;
  out?: string;
  output?: string;
  check?: boolean;
  /** With --check and --sweep: print the diffs also off a terminal (compile without --sweep always does). */
  diff?: boolean;
  sweep?: string[];
  prune?: boolean;
  /** commander's `--no-cache` sets this to false. */
  cache?: boolean;
  jobs?: string;
  /** `--name`: the variant's own flow name (deployed name and file names). */
  name?: string;
}

/** A flow name, as the flow schema and binding names allow it. */
const FLOW_NAME = /^[a-z][a-z0-9-]{0,51}$/;

/** `flowc compile`: SPEC section 5. Nothing is written unless every target compiled cleanly. */
export async function runCompile(io: CliIO, flow: string, opts: CompileOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'compile' });
  if (opts.target === undefined) {
    throw new UsageError(`compile needs --target: ${TARGETS.map((t) => t.id).join(', ')} or all (comma-separated)`, 'FLOWC010', ['for example: flowc compile flow.yaml --target argo']);
  }
  const targets = parseTargetList(opts.target, io.cwd);
  if (opts.out && opts.output) throw new UsageError('use either --out DIR or -o FILE, not both');
  if (opts.check && !opts.out && !opts.output) throw new UsageError('--check compares with the files in --out DIR or with -o FILE; give one');
  if (opts.name !== undefined && !FLOW_NAME.test(opts.name)) {
    throw new UsageError(`--name '${opts.name}' is not a valid flow name: lowercase letters, digits and '-', starting with a letter, at most 52 characters`, 'FLOWC020', [
      ...suggestionFor(opts.name),
      'the name becomes the workflow / state machine name and the artifacts\' file names',
    ]);
  }
  if (!opts.out && targets.length > 1) throw new UsageError('several targets write several files: give --out DIR');
  if (opts.sweep && opts.sweep.length > 0) {
    if (!opts.out) throw new UsageError('--sweep writes one folder per variant: give --out DIR');
    const { runSweep } = await import('./sweep.js');
    return runSweep(io, flow, { ...opts, out: opts.out, sweep: opts.sweep, targets: [...new Set(targets.map((t) => (findTarget(t) as { id: string }).id))] });
  }
  if (opts.jobs !== undefined || opts.cache === false) throw new UsageError('--jobs and --no-cache apply to --sweep');
  if (opts.prune && !opts.out) throw new UsageError('--prune removes stale files from --out DIR; give --out');

  const configs = parseConfigArgs(opts.config);
  const result = compileTargets({
    flowPath: flow,
    configs: configs.configs,
    sets: opts.set,
    env: io.env,
    cwd: io.cwd,
    allowOutside: opts.allowOutside === true,
    targets,
    ...(opts.name !== undefined ? { nameOverride: opts.name } : {}),
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
    // What writes files is loaded only to write them: a compile to stdout, the common case, never needs it.
    const { checkOneFile, writeOneFile } = await import('./compile-file.js');
    const file = { path: resolve(io.cwd, opts.output), shown: opts.output, contents: primary.contents, format: opts.diagnostics };
    return opts.check ? checkOneFile(io, file) : writeOneFile(io, file);
  }

  const outDir = resolve(io.cwd, opts.out);
  const lock = buildLockfile({ ir: result.ir, resolved: result.resolved, flowFile: result.flowFile });
  const display = (rel: string) => join(opts.out as string, rel);
  const { emitCompileOut, plannedOutFiles } = await import('./compile-out.js');
  const files = plannedOutFiles(outDir, [...result.artifacts, lock], display);
  return emitCompileOut(io, {
    outDir,
    display,
    name: result.ir.flow.name,
    targets: [...new Set(targets.map((t) => (findTarget(t) as { id: string }).id))],
    files,
    lockRel: lock.path,
    // No flow path, config files or --set values: they are user text the lockfile already records.
    meta: {},
    check: opts.check === true,
    prune: opts.prune === true,
    format: opts.diagnostics,
  });
}

function suggestionFor(name: string): string[] {
  const near = suggestFlowName(name);
  return near === undefined ? [] : [`did you mean '${near}'?`];
}
