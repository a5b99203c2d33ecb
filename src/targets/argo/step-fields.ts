import { stepEnv } from '../../ir/env.js';
import { paramVar, shellScript } from '../../ir/shell.js';
import type { IR, IREnvVar, IRStep, IRString } from '../../ir/types.js';
import { type ItemPlan, planItems } from './items.js';
import { itemPathsOf } from './render-string.js';

/**
 * The strings of one step's container, before rendering: what `command`/`args` and `env` hold.
 * A `run` script becomes `command: [sh, -c]` with the script as the only arg (the IR's `sh -c`
 * contract, and the script stays readable in the YAML); an exec-form step keeps its argv,
 * `command: [argv0]` and `args: [rest]`.
 *
 * A script's run-time parts never reach its text (docs/ir.md, "Run scripts"; src/ir/shell.ts):
 * Argo would paste a `{{workflow.parameters.x}}` value into the script, where it becomes code. The
 * script reads `${FLOWC_PARAM_X}` instead, and the container env carries the value. Exec-form
 * arguments and env values read a parameter as `$(FLOWC_PARAM_X)`, so every step that uses a
 * parameter defines its variable (render-string.ts `paramExpression`).
 */
export interface StepFields {
  step: IRStep;
  /** Sanitized task name (DNS-1123). */
  taskName: string;
  /** The whole argv: the first `commandLength` strings form `command`, the rest `args`. */
  argv: IRString[];
  commandLength: number;
  /**
   * FLOWC_* system variables, then (for a `run` script) the variables the script reads, sorted by
   * name (`shellScript`), then the user's env, sorted by name (`stepEnv`).
   */
  env: { name: string; value: IRString }[];
  /** The foreach plan, or null for a plain step. */
  items: ItemPlan | null;
}

const lit = (value: string): IRString => [{ kind: 'lit', value }];

export function stepFields(o: { ir: IR; step: IRStep; taskName: string; includeConfig: boolean }): StepFields {
  const { ir, step, taskName } = o;
  let argv = step.exec.kind === 'command' ? step.exec.argv : [];
  let scriptEnv: IREnvVar[] = [];
  if (step.exec.kind === 'run') {
    const shell = shellScript(step.exec.script);
    argv = [lit('sh'), lit('-c'), lit(shell.script)];
    scriptEnv = shell.env;
  }
  const commandLength = step.exec.kind === 'run' ? 2 : 1;
  const used = [...(step.exec.kind === 'command' ? step.exec.argv : []), ...step.env.map((e) => e.value)];
  const env = withScriptEnv(stepEnv(ir, step, { includeConfig: o.includeConfig }), step, [...scriptEnv, ...paramEnv(used)]);
  let items: ItemPlan | null = null;
  if (step.foreach) {
    const paths = [...argv, ...env.map((e) => e.value)].flatMap(itemPathsOf);
    items = planItems(step.foreach, paths);
  }
  return { step, taskName, argv, commandLength, env, items };
}

/**
 * FLOWC_PARAM_<NAME> for each parameter an exec-form argv or an env value uses: parameters reach
 * containers only through these variables (render-string.ts `paramExpression`).
 */
function paramEnv(strings: IRString[]): IREnvVar[] {
  const names = new Set(strings.flatMap((s) => s.filter((p) => p.kind === 'param').map((p) => (p as { name: string }).name)));
  return [...names].map((name) => ({ name: paramVar(name), value: [{ kind: 'param', name }] }));
}

/**
 * Puts the script's and the parameters' variables, sorted by name, between the FLOWC_* system
 * variables and the user's env (whose values may reference them: the kubelet expands `$(VAR)`
 * from the variables defined before).
 */
function withScriptEnv(env: IREnvVar[], step: IRStep, extra: IREnvVar[]): IREnvVar[] {
  // `stepEnv` ends with the user's env, so the system variables are everything before it.
  const system = env.length - step.env.length;
  const byName = new Map(extra.map((e) => [e.name, e]));
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...env.slice(0, system), ...sorted, ...env.slice(system)];
}
