import { resolve } from 'node:path';
import { DiagnosticBag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { nameMatcher } from '../project/glob.js';
import type { CompileRequest } from '../pipeline/compile.js';
import { loadProject as readProject, type Project, type ProjectBinding } from '../project/project-file.js';
import { SourceRegistry } from '../source/files.js';
import { type CompileOutput, compileRequest, targetList } from './compile.js';

export type { Project, ProjectBinding } from '../project/project-file.js';

export interface LoadedProject {
  ok: boolean;
  project?: Project;
  diagnostics: Diagnostic[];
  sources: SourceRegistry;
}

/** Reads and checks a project file (`flowc.yaml`, docs/project.md): its bindings, with absolute paths. */
export async function loadProject(options: { file?: string; cwd?: string } = {}): Promise<LoadedProject> {
  const sources = new SourceRegistry();
  const diagnostics = new DiagnosticBag();
  const project = readProject({ file: resolve(options.cwd ?? process.cwd(), options.file ?? 'flowc.yaml'), sources, diagnostics });
  const out: LoadedProject = { ok: project !== undefined && !diagnostics.hasErrors(), diagnostics: diagnostics.items, sources };
  if (project) out.project = project;
  return out;
}

export interface BuildOptions {
  /** The project file (default `flowc.yaml` in `cwd`). */
  project?: string;
  /** Only the bindings whose names match these globs (`*`, `?`). */
  only?: string[];
  /** Instead of each binding's targets. */
  targets?: string[] | string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  allowOutside?: boolean;
}

export interface BuildOutput {
  ok: boolean;
  /** One compile per selected binding, in the project file's order. */
  bindings: { name: string; targets: string[]; result: CompileOutput }[];
  /** Problems of the project file itself. */
  diagnostics: Diagnostic[];
  sources: SourceRegistry;
}

/**
 * Compiles every binding of a project in memory, like `flowc build` without writing: each
 * binding's artifacts are named after the binding. Writes nothing, uses no cache.
 */
export async function build(options: BuildOptions = {}): Promise<BuildOutput> {
  const loaded = await loadProject({ ...(options.project !== undefined ? { file: options.project } : {}), ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  const out: BuildOutput = { ok: loaded.ok, bindings: [], diagnostics: loaded.diagnostics, sources: loaded.sources };
  if (!loaded.project) return out;
  const match = options.only && options.only.length > 0 ? nameMatcher(options.only) : () => true;
  for (const b of loaded.project.bindings.filter((x) => match(x.name))) {
    const targets = options.targets !== undefined ? targetList(options.targets) : b.targets;
    const result = compileRequest({ ...bindingRequest(loaded.project, b, options), targets });
    out.bindings.push({ name: b.name, targets, result });
  }
  out.ok = out.ok && out.bindings.every((b) => b.result.ok);
  return out;
}

/** The pipeline request of one binding, as `flowc build` makes it (src/cli/commands/build.ts). */
export function bindingRequest(project: Project, b: ProjectBinding, o: { env?: Record<string, string | undefined>; allowOutside?: boolean }): CompileRequest {
  return {
    flowPath: b.flow,
    bindingFiles: b.configs,
    configs: [],
    sets: b.set,
    setSpans: b.setSpans,
    env: o.env ?? {},
    cwd: project.dir,
    projectRoot: project.dir,
    allowOutside: o.allowOutside === true,
    nameOverride: b.name,
  };
}
