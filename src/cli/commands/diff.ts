import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { colours, colourWanted } from '../../diagnostics/colour.js';
import { type Diagnostic, DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { compileUnit } from '../../diff/compile-unit.js';
import { valueLeaves } from '../../diff/config-keys.js';
import { diffSides } from '../../diff/diff-sides.js';
import { readBuildFolder } from '../../diff/folder.js';
import { readIRFile } from '../../diff/ir-file.js';
import { projectSides } from '../../diff/project-sides.js';
import { renderJson, renderText } from '../../diff/render.js';
import type { SemanticDiff } from '../../diff/types.js';
import type { DiffSide } from '../../diff/unit.js';
import { relativeTo } from '../../pipeline/paths.js';
import { findProjectFile, PROJECT_FILE } from '../../project/find-project.js';
import { SourceRegistry } from '../../source/files.js';
import { findTarget } from '../../targets/index.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { parseConfigArgs, parseTargetList } from '../options.js';
import { type DiagnosticsFormat, reportDiagnostics } from '../report.js';

export interface DiffOptions {
  config: string[];
  set: string[];
  againstConfig: string[];
  againstSet: string[];
  base?: string;
  project?: string;
  target?: string;
  format: 'text' | 'json';
  exitCode?: boolean;
  allowOutside?: boolean;
  diagnostics: DiagnosticsFormat;
}

/**
 * `flowc diff` (docs/diff.md): what changes for the engine between two variants of a flow, two
 * IR files, two build folders, or the project at a git revision and in the work tree. Exit 0
 * whatever the diff says, 1 with `--exit-code` when it is not empty (as `git diff --exit-code`),
 * and 1 when an input has errors.
 */
export async function runDiff(io: CliIO, paths: string[], opts: DiffOptions): Promise<number> {
  const diagnostics = new DiagnosticBag();
  const sources = new SourceRegistry();
  const targets = opts.target === undefined ? undefined : [...new Set(parseTargetList(opts.target).map((t) => (findTarget(t) as { id: string }).id))];
  const sides = loadSides(io, paths, opts, { diagnostics, sources, targets });
  const failed = reportDiagnostics({ io, diagnostics: dedupe(diagnostics.items), sources, format: opts.diagnostics });
  if (failed || !sides) return EXIT.inputErrors;
  const diff: SemanticDiff = { ...diffSides(sides.before, sides.after), noun: sides.noun };
  io.stdout(opts.format === 'json' ? renderJson(diff) : renderText(diff, colours(colourWanted(io.env, io.stdoutIsTTY === true))));
  return opts.exitCode === true && diff.units.length > 0 ? EXIT.inputErrors : EXIT.ok;
}

type Loaded = { before: DiffSide; after: DiffSide; noun: SemanticDiff['noun'] } | undefined;

function loadSides(io: CliIO, paths: string[], opts: DiffOptions, ctx: { diagnostics: DiagnosticBag; sources: SourceRegistry; targets: string[] | undefined }): Loaded {
  const { diagnostics, sources } = ctx;
  const against = opts.againstConfig.length > 0 || opts.againstSet.length > 0;
  if (opts.base !== undefined) {
    if (paths.length > 0) throw new UsageError('--base compares the project (flowc.yaml) at a revision with the work tree: give no files, or -p for the project file');
    if (against || opts.config.length > 0 || opts.set.length > 0) {
      throw new UsageError('--config, --set and --against-* compare two variants of one flow; with --base each binding takes its configs from flowc.yaml');
    }
    if (opts.base === '' || opts.base.startsWith('-')) throw new UsageError(`--base ${JSON.stringify(opts.base)} is not a revision: give a branch, tag or commit`);
    const location = findProjectFile(io.cwd, opts.project);
    if (!location.found) {
      diagnostics.report('FLOWC701', `no ${PROJECT_FILE} in ${io.cwd} or its parent folders`, undefined, ['flowc diff --base compares the bindings of a project file; give one with -p FILE or -p DIR']);
      return undefined;
    }
    const sides = projectSides({ projectFile: location.file, rev: opts.base, cwd: io.cwd, env: io.env, ...(ctx.targets ? { targets: ctx.targets } : {}), allowOutside: opts.allowOutside === true, diagnostics, sources });
    return sides && { ...sides, noun: 'binding' };
  }
  if (opts.project !== undefined) throw new UsageError('-p names the project for --base');
  if (paths.length === 1) return flowSides(io, paths[0] as string, opts, ctx);
  if (paths.length !== 2) {
    throw new UsageError('flowc diff compares two things: FLOW with --against-config/--against-set, two IR files, two build folders, or --base REV', 'FLOWC010', [
      'for example: flowc diff flow.yaml --config app=a.toml --against-config app=b.toml',
    ]);
  }
  if (against || opts.config.length > 0 || opts.set.length > 0) throw new UsageError('--config, --set and --against-* apply to one flow; two files or folders are compared as they are');
  const [a, b] = paths as [string, string];
  const kinds = [kindOf(io.cwd, a), kindOf(io.cwd, b)];
  kinds.forEach((k, i) => {
    if (k === 'missing') diagnostics.report('FLOWC040', `${paths[i]} does not exist`, undefined, ['give two IR files (flowc compile FLOW --target ir -o FILE) or two build folders']);
  });
  if (kinds.includes('missing')) return undefined;
  if (kinds[0] !== kinds[1]) {
    diagnostics.report('FLOWC040', `${a} is a ${kinds[0]} and ${b} is a ${kinds[1]}: compare two IR files or two build folders`);
    return undefined;
  }
  const side = (p: string): DiffSide | undefined => {
    const file = resolve(io.cwd, p);
    if (kinds[0] === 'folder') {
      const units = readBuildFolder({ dir: file, shown: p, sources, diagnostics });
      return units && { label: p, units };
    }
    const ir = readIRFile({ file, shown: p, sources, diagnostics });
    return ir && { label: p, units: [{ name: ir.flow.name, ir, config: valueLeaves(ir.config.values), place: (f) => f, artifacts: new Map() }] };
  };
  const before = side(a);
  const after = side(b);
  if (!before || !after || diagnostics.hasErrors()) return undefined;
  return { before, after, noun: kinds[0] === 'folder' ? 'unit' : 'flow' };
}

/**
 * One flow, two cascades: the before side takes `--config`/`--set`; the after side takes
 * `--against-config` instead of `--config` when given and `--against-set` instead of `--set` when
 * given, so `--against-set app.x=1` alone asks what that override changes.
 */
function flowSides(io: CliIO, flow: string, opts: DiffOptions, ctx: { diagnostics: DiagnosticBag; sources: SourceRegistry; targets: string[] | undefined }): Loaded {
  if (opts.againstConfig.length === 0 && opts.againstSet.length === 0) {
    throw new UsageError('one flow needs something to compare against: --against-config NAME=FILE or --against-set KEY=VALUE', 'FLOWC010', [
      'for example: flowc diff flow.yaml --config app=a.toml --against-config app=b.toml',
    ]);
  }
  checkFlowArgument({ cwd: io.cwd, flow, command: 'diff' });
  const beforeArgs = { config: opts.config, set: opts.set };
  const afterArgs = { config: opts.againstConfig.length > 0 ? opts.againstConfig : opts.config, set: opts.againstSet.length > 0 ? opts.againstSet : opts.set };
  const place = (abs: string) => relativeTo(io.cwd, abs);
  const side = (args: { config: string[]; set: string[] }, as: { config: string; set: string }): DiffSide | undefined => {
    const configs = parseConfigArgs(args.config);
    ctx.diagnostics.addAll(configs.diagnostics);
    const compiled = compileUnit({
      request: { flowPath: flow, configs: configs.configs, sets: args.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true, sources: ctx.sources },
      ...(ctx.targets ? { targets: ctx.targets } : {}),
      place,
    });
    ctx.diagnostics.addAll(compiled.diagnostics);
    const label = [flow, ...args.config.map((c) => `${as.config} ${c}`), ...args.set.map((s) => `${as.set} ${s}`)].join(' ');
    return compiled.unit && { label, units: [compiled.unit] };
  };
  const before = side(beforeArgs, { config: '--config', set: '--set' });
  const after = side(afterArgs, { config: opts.againstConfig.length > 0 ? '--against-config' : '--config', set: opts.againstSet.length > 0 ? '--against-set' : '--set' });
  if (!before || !after) return undefined;
  return { before, after, noun: 'flow' };
}

function kindOf(cwd: string, p: string): 'folder' | 'file' | 'missing' {
  try {
    return statSync(resolve(cwd, p)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** Both sides of a flow diff read the same files: a problem in one is reported once. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = JSON.stringify([d.code, d.message, d.span?.file, d.span?.line, d.span?.col]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
