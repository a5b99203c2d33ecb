import { stepEnv } from '../../ir/env.js';
import { planItemTable } from '../../ir/items.js';
import { secretLocator } from '../../ir/secrets.js';
import { outputRefsIn, outputSlots, paramVar, shellScript } from '../../ir/shell.js';
import type { IR, IREnvVar, IRStep, IRString } from '../../ir/types.js';
import { type ItemPlan, planItems } from './items.js';
import { OUTPUTS_DIR, wrappedArgv } from './outputs.js';
import type { ArgoOptions } from './options.js';
import { type StepPlacement, stepPlacement } from './placement.js';
import { itemPathsOf } from './render-string.js';
import { checkArgoLocator } from './secrets.js';

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
  /**
   * The step's secret env, sorted by name, placed after `env`: the kubelet reads each from its
   * Kubernetes Secret when the container starts, so the value is never in the manifest
   * (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables).
   */
  secrets: SecretEnv[];
  placement: StepPlacement;
  /**
   * One input parameter per step output the container reads (named like its env variable,
   * FLOWC_STEPS_<STEP>_<OUTPUT>); the calling task fills it in (outputs.ts `outputArgument`).
   */
  outputInputs: { name: string; step: string; output: string }[];
  /**
   * A dynamic foreach (`foreach.from`): the item paths the step uses, the whole item first; each
   * reaches the template as input `item` (the whole) or `item-<i>` (outputs.ts `withParamExpression`).
   */
  dynamicPaths: (string | number)[][] | null;
}

/** The input parameter that carries item path `i` of a dynamic foreach (the same names as static items). */
export function dynamicInputName(index: number): string {
  return index === 0 ? 'item' : `item-${index}`;
}

export interface SecretEnv {
  name: string;
  valueFrom: { secretKeyRef: { name: string; key: string } };
}

const lit = (value: string): IRString => [{ kind: 'lit', value }];

export function stepFields(o: {
  ir: IR;
  step: IRStep;
  taskName: string;
  includeConfig: boolean;
  options: ArgoOptions;
  /** FLOWC_CONFIG's value when already known (fields-memo.ts): the canonical JSON of `ir.config.values`. */
  configJson?: IRString;
}): StepFields {
  const { ir, step, taskName } = o;
  let argv = step.exec.kind === 'command' ? step.exec.argv : [];
  let scriptEnv: IREnvVar[] = [];
  if (step.exec.kind === 'run') {
    const shell = shellScript(step.exec.script);
    argv = [lit('sh'), lit('-c'), lit(shell.script)];
    scriptEnv = shell.env;
  }
  let commandLength = step.exec.kind === 'run' ? 2 : 1;
  const used = [...(step.exec.kind === 'command' ? step.exec.argv : []), ...step.env.map((e) => e.value)];
  const outputEnv = outputVariables([...(step.exec.kind === 'run' ? [step.exec.script] : []), ...used]);
  const extra = [...scriptEnv, ...paramEnv(used), ...outputEnv];
  if (step.outputs.length > 0) {
    // A producer runs under the wrapper that publishes its outputs (outputs.ts).
    argv = wrappedArgv(step, argv);
    commandLength = 2;
    extra.push({ name: 'FLOWC_OUTPUTS', value: lit(OUTPUTS_DIR) });
  }
  const env =
    o.includeConfig && o.configJson !== undefined
      ? withConfig(stepEnv(ir, step, { includeConfig: false, scriptEnv: sortedOnce(extra) }), o.configJson)
      : stepEnv(ir, step, { includeConfig: o.includeConfig, scriptEnv: sortedOnce(extra) });
  let items: ItemPlan | null = null;
  let dynamicPaths: (string | number)[][] | null = null;
  if (step.foreach) {
    const paths = [...argv, ...env.map((e) => e.value)].flatMap(itemPathsOf);
    if (step.foreach.from === null) items = planItems(step.foreach, paths);
    else dynamicPaths = planItemTable([], paths).paths;
  }
  const outputInputs = outputEnv.map((e) => {
    const part = e.value[0] as { step: string; output: string };
    return { name: e.name, step: part.step, output: part.output };
  });
  return { step, taskName, argv, commandLength, env, items, secrets: secretEnv(ir, step), placement: stepPlacement(ir, step, o.options), outputInputs, dynamicPaths };
}

/**
 * FLOWC_STEPS_<STEP>_<OUTPUT> for each step output the script, an exec-form argv or an env value
 * reads, named as `shellScript` names them (the script's first, so its names do not change).
 */
function outputVariables(strings: IRString[]): IREnvVar[] {
  if (!strings.some((s) => s.some((p) => p.kind === 'output'))) return [];
  return outputSlots(strings.flatMap(outputRefsIn)).map((slot) => ({
    name: slot.envVar,
    value: [{ kind: 'output', step: slot.step, output: slot.output }],
  }));
}

/**
 * The pipeline has checked every locator before the target runs (src/check/target-secrets.ts with
 * `checkArgoLocator`), so a missing or malformed one here is a flowc bug.
 */
function secretEnv(ir: IR, step: IRStep): SecretEnv[] {
  return [...step.secretEnv]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => {
      const locator = secretLocator(ir, e.secret, 'argo');
      if (locator === undefined || checkArgoLocator(locator) !== undefined) throw new Error(`secret ${e.secret} reached the argo target without a valid locator`);
      const { name, key } = locator as { name: string; key: string };
      return { name: e.name, valueFrom: { secretKeyRef: { name, key } } };
    });
}

/**
 * FLOWC_PARAM_<NAME> for each parameter an exec-form argv or an env value uses: parameters reach
 * containers only through these variables (render-string.ts `paramExpression`).
 */
function paramEnv(strings: IRString[]): IREnvVar[] {
  const names = new Set<string>();
  for (const s of strings) for (const p of s) if (p.kind === 'param') names.add(p.name);
  return [...names].map((name) => ({ name: paramVar(name), value: [{ kind: 'param', name }] }));
}

/**
 * The script's and the parameters' variables, once each, sorted by name: stepEnv places them
 * between the FLOWC_* system variables and the user's env (whose values may reference them: the
 * kubelet expands `$(VAR)` from the variables defined before).
 */
function sortedOnce(extra: IREnvVar[]): IREnvVar[] {
  if (extra.length < 2) return extra;
  const byName = new Map(extra.map((e) => [e.name, e]));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A step's env without FLOWC_CONFIG, with it added where `stepEnv` places it (after FLOWC_CONFIG_HASH). */
function withConfig(env: IREnvVar[], json: IRString): IREnvVar[] {
  const at = env.findIndex((e) => e.name === 'FLOWC_CONFIG_HASH') + 1;
  return [...env.slice(0, at), { name: 'FLOWC_CONFIG', value: json }, ...env.slice(at)];
}
