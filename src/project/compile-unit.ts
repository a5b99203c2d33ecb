import { threadId } from 'node:worker_threads';
import { compileTargets } from '../pipeline/compile.js';
import { buildLockfile } from '../pipeline/lockfile.js';
import { envDeps, RecordingSources, recordingEnv, type SharedSources } from './recording.js';
import type { CompileUnit, UnitOutput } from './unit.js';

/**
 * Compiles one binding or sweep variant to all of its targets plus its config lockfile (SPEC
 * sections 5 and 7), and records what it read for the cache. Runs in a worker thread or in the
 * main thread; the result is plain data either way. `shared`: the texts and parses of this build's
 * earlier units in this thread.
 */
export function compileUnit(unit: CompileUnit, env: Record<string, string | undefined>, shared?: SharedSources): UnitOutput {
  const sources = new RecordingSources(shared);
  const recorded = recordingEnv(env);
  const result = compileTargets({
    flowPath: unit.flowPath,
    bindingFiles: unit.bindingFiles,
    configs: unit.configs,
    sets: unit.sets,
    setSpans: unit.setSpans ?? [],
    env: recorded.env,
    cwd: unit.cwd,
    nameOverride: unit.name,
    ...(unit.projectRoot !== undefined ? { projectRoot: unit.projectRoot } : {}),
    allowOutside: unit.allowOutside === true,
    sources,
    targets: unit.targets,
  });
  const ok = result.ir !== undefined && result.resolved !== undefined && !result.diagnostics.some((d) => d.severity === 'error');
  const output: UnitOutput = { name: unit.name, ok, diagnostics: result.diagnostics, files: [], threadId };
  if (!ok || !result.ir || !result.resolved) return output;
  const lock = buildLockfile({ ir: result.ir, resolved: result.resolved, flowFile: result.flowFile });
  output.files = [...result.artifacts, lock].map((a) => ({ path: a.path, contents: a.contents }));
  output.configHash = result.ir.config.hash;
  output.deps = { files: sources.fileDeps(), env: envDeps(env, recorded.read) };
  return output;
}
