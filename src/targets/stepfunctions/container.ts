import { stepEnv } from '../../ir/env.js';
import { stepShellScript } from '../../ir/shell.js';
import type { IR, IREnvVar, IRStep, IRString } from '../../ir/types.js';

/** What a step's container runs and the environment it gets, as IR strings, before rendering to ASL. */
export interface ContainerSpec {
  argv: IRString[];
  env: IREnvVar[];
}

/**
 * The container's argv and environment for a step (docs/ir.md, "Run scripts";
 * docs/targets/stepfunctions.md, "Run scripts").
 *
 * A `run` script runs as `sh -c SCRIPT` where SCRIPT is all literal text: each run-time part is a
 * `${FLOWC_...}` variable reference (src/ir/shell.ts), and the values go into the container's
 * `Environment`, where Batch/ECS pass them to the process as data. Pasting them into the script
 * with `States.Format` would let a parameter value rewrite the script (shell injection).
 * An exec-form `command` keeps its run-time parts in argv: no shell reads it.
 */
export function containerSpec(ir: IR, step: IRStep, o: { includeConfig: boolean }): ContainerSpec {
  const shell = stepShellScript(step);
  if (!shell) return { argv: step.exec.kind === 'command' ? step.exec.argv : [], env: stepEnv(ir, step, { includeConfig: o.includeConfig }) };
  return {
    argv: [[{ kind: 'lit', value: 'sh' }], [{ kind: 'lit', value: '-c' }], [{ kind: 'lit', value: shell.script }]],
    // The FLOWC_* system variables, the script's variables, then the user's env (stepEnv's order).
    env: stepEnv(ir, step, { includeConfig: o.includeConfig, scriptEnv: shell.env }),
  };
}
