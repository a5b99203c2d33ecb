import { resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { deployDiagnostic } from '../deploy/cloud-errors.js';
import { deployFlow } from '../deploy/index.js';
import type { DeployResult, DeploySettings } from '../deploy/types.js';
import { nameMatcher } from '../project/glob.js';
import type { SourceRegistry } from '../source/files.js';
import { findTarget } from '../targets/index.js';
import { type CompileOptions, configList, targetList } from './compile.js';
import { bindingRequest, type BuildOptions, loadProject } from './project.js';

export interface DeployOptions extends Omit<CompileOptions, 'targets' | 'name'>, DeploySettings {
  /** One target id or alias: stepfunctions, gcp-workflows, github-actions or argo. */
  target: string;
}

/**
 * Compiles a flow and deploys it to one engine (docs/deploy.md): returns what changed and every
 * problem as data; prints nothing and never exits. `dryRun: true` plans without writing.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { flow, target, configs, set, env, cwd, allowOutside, ...settings } = options;
  return deployFlow(
    { flowPath: flow, configs: configList(configs), sets: set ?? [], env: env ?? {}, cwd: resolve(cwd ?? process.cwd()), allowOutside: allowOutside === true, target, ...(settings.name !== undefined ? { nameOverride: settings.name } : {}) },
    settings,
  );
}

/**
 * `project` here is the project file, as in `build`: each binding's flow names its own Google
 * Cloud project (targets.gcp-workflows.project), so the single-flow `project` setting is left out.
 */
export interface DeployProjectOptions extends Omit<DeploySettings, 'name' | 'project'>, BuildOptions {
  /** How many deploys run at once (default 4). */
  concurrency?: number;
  /** Called as each binding's deploy ends, in completion order (a progress bar, a log line). */
  onResult?: (r: { binding: string; result: DeployResult; done: number; total: number }) => void;
}

export interface DeployProjectOutput {
  ok: boolean;
  /** One entry per binding and target, in the project file's order. */
  deploys: { binding: string; result: DeployResult }[];
  /** Problems of the project file, and one FLOWC746 per failed binding. */
  diagnostics: Diagnostic[];
  sources: SourceRegistry;
}

/**
 * Deploys every binding of a project for each of its deployable targets, `concurrency` at a time.
 * A failed binding never stops the others; it is reported (FLOWC746) and makes `ok` false.
 */
export async function deployProject(options: DeployProjectOptions = {}): Promise<DeployProjectOutput> {
  // Each binding deploys under its own name: a single `name` for all would make them overwrite each other.
  const { project: file, only, targets, env, cwd, allowOutside, concurrency, onResult, ...settings } = options;
  const loaded = await loadProject({ ...(file !== undefined ? { file } : {}), ...(cwd !== undefined ? { cwd } : {}) });
  const out: DeployProjectOutput = { ok: loaded.ok, deploys: [], diagnostics: [...loaded.diagnostics], sources: loaded.sources };
  const project = loaded.project;
  if (!project) return out;
  const match = only && only.length > 0 ? nameMatcher(only) : () => true;
  const jobs: { binding: string; run: () => Promise<DeployResult> }[] = [];
  for (const b of project.bindings.filter((x) => match(x.name))) {
    const wanted = targets !== undefined ? targetList(targets) : b.targets;
    // `ir` and other engine-less targets are compiled by build, not deployed.
    for (const t of wanted.filter((x) => findTarget(x)?.deployment !== undefined || targets !== undefined)) {
      const req = { ...bindingRequest(project, b, { ...(env ? { env } : {}), ...(allowOutside ? { allowOutside } : {}) }), sources: loaded.sources, target: t };
      jobs.push({ binding: b.name, run: () => deployFlow(req, { ...settings, name: b.name }) });
    }
  }
  const results: { binding: string; result: DeployResult }[] = new Array(jobs.length);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i] as (typeof jobs)[number];
      const result = await job.run();
      results[i] = { binding: job.binding, result };
      onResult?.({ ...results[i], done: ++finished, total: jobs.length });
    }
  };
  const limit = Math.max(1, Math.min(concurrency ?? 4, jobs.length || 1));
  await Promise.all(Array.from({ length: limit }, worker));
  out.deploys = results;
  for (const r of results) {
    if (!r.result.ok) out.diagnostics.push(deployDiagnostic('FLOWC746', `binding ${r.binding} failed to deploy to ${r.result.target}`));
  }
  out.ok = out.ok && results.every((r) => r.result.ok);
  return out;
}
