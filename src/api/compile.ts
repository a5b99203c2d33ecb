import { resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';
import { type CompileRequest, compileTargets } from '../pipeline/compile.js';
import { buildLockfile } from '../pipeline/lockfile.js';
import type { SourceRegistry } from '../source/files.js';
import type { Artifact } from '../targets/target.js';

/** The inputs of a compile, as `flowc compile` takes them on the command line. */
export interface CompileOptions {
  /** The flow file, absolute or relative to `cwd`. */
  flow: string;
  /** Target ids or aliases (`argo`, `sfn`, ...), or one comma-separated string. */
  targets: string[] | string;
  /** `--config name=FILE`, in order: a list, or a map from config name to file. */
  configs?: { name: string; file: string }[] | Record<string, string>;
  /** `--set` overrides, in order (Hydra grammar: `k=v`, `+k=v`, `++k=v`, `~k`). */
  set?: string[];
  /** Overrides the flow's name: a variant's artifacts are named after it. */
  name?: string;
  /** For `${env:...}` in configs. Default: none (a script passes `process.env` explicitly). */
  env?: Record<string, string | undefined>;
  /** Where relative paths start. Default: `process.cwd()`. */
  cwd?: string;
  /** Read config files from outside the project root. */
  allowOutside?: boolean;
}

export interface CompileOutput {
  /** True when there is no error; warnings may still be present. */
  ok: boolean;
  /** Every target's files, named as `flowc compile --out` names them (without the lockfile). */
  artifacts: Artifact[];
  /** `<name>.config.lock.json`, when the compile succeeded. */
  lockfile?: Artifact;
  configHash?: string;
  ir?: IR;
  diagnostics: Diagnostic[];
  /** The files read, for printing diagnostics with code frames (`formatDiagnostics`). */
  sources: SourceRegistry;
}

/** The `configs` option as the pipeline takes it. */
export function configList(configs: CompileOptions['configs']): { name: string; file: string }[] {
  if (configs === undefined) return [];
  return Array.isArray(configs) ? configs : Object.entries(configs).map(([name, file]) => ({ name, file }));
}

export function targetList(targets: string[] | string): string[] {
  return (Array.isArray(targets) ? targets : targets.split(',')).map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * Compiles a flow for its targets in memory (SPEC sections 4-7): writes nothing, prints nothing,
 * never exits. Bad input comes back as `diagnostics` with `ok: false`.
 */
export async function compile(options: CompileOptions): Promise<CompileOutput> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const result = compileTargets({
    flowPath: options.flow,
    configs: configList(options.configs),
    sets: options.set ?? [],
    env: options.env ?? {},
    cwd,
    allowOutside: options.allowOutside === true,
    ...(options.name !== undefined ? { nameOverride: options.name } : {}),
    targets: targetList(options.targets),
  });
  return compiled(result);
}

/** Runs the pipeline on a request built elsewhere (a project's binding) and shapes its output. */
export function compileRequest(req: CompileRequest & { targets: string[] }): CompileOutput {
  return compiled(compileTargets(req));
}

function compiled(result: ReturnType<typeof compileTargets>): CompileOutput {
  const ok = result.ir !== undefined && result.resolved !== undefined && !result.diagnostics.some((d) => d.severity === 'error');
  const out: CompileOutput = { ok, artifacts: ok ? result.artifacts : [], diagnostics: result.diagnostics, sources: result.sources };
  if (ok && result.ir && result.resolved) {
    out.ir = result.ir;
    out.configHash = result.ir.config.hash;
    out.lockfile = buildLockfile({ ir: result.ir, resolved: result.resolved, flowFile: result.flowFile });
  }
  return out;
}
