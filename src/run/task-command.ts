import { stepEnv } from '../ir/env.js';
import { stepShellScript } from '../ir/shell.js';
import type { IR, IRStep } from '../ir/types.js';
import { type RenderContext, renderString } from './render.js';

/** What one task runs: the program and its full environment. */
export interface TaskCommand {
  argv: string[];
  env: Record<string, string>;
}

/**
 * A task's process as the targets would start it: a `run` script through `sh -c` with run-time
 * values in env variables (src/ir/shell.ts), a `command` as an argv with no shell; the FLOWC_*
 * variables of `stepEnv` and the user's env over the environment flowc itself runs in (so PATH,
 * HOME and the like reach the step, as on a developer's machine). Secrets come from flowc's own
 * environment under the variable's name (docs/run.md); FLOWC_OUTPUTS is the task's own folder.
 */
export function taskCommand(options: { ir: IR; step: IRStep; ctx: RenderContext; baseEnv: Record<string, string | undefined>; outputsDir?: string }): TaskCommand {
  const { ir, step, ctx } = options;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  // FLOWC_* in flowc's own environment would pose as values the run did not set.
  for (const [k, v] of Object.entries(options.baseEnv)) if (v !== undefined && !k.startsWith('FLOWC_')) env[k] = v;
  const shell = stepShellScript(step);
  for (const v of stepEnv(ir, step, shell ? { scriptEnv: shell.env } : {})) env[v.name] = renderString(v.value, ctx);
  for (const s of step.secretEnv) {
    const value = options.baseEnv[s.name];
    if (value !== undefined) env[s.name] = value;
  }
  if (options.outputsDir !== undefined) env.FLOWC_OUTPUTS = options.outputsDir;
  const argv = shell ? ['sh', '-c', shell.script] : step.exec.kind === 'command' ? step.exec.argv.map((a) => renderString(a, ctx)) : [];
  return { argv, env };
}
