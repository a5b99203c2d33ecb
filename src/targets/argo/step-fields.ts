import { stepEnv } from '../../ir/env.js';
import type { IR, IRStep, IRString } from '../../ir/types.js';
import { type ItemPlan, planItems } from './items.js';
import { itemPathsOf } from './render-string.js';

/**
 * The strings of one step's container, before rendering: what `command`/`args` and `env` hold.
 * A `run` script becomes `command: [sh, -c]` with the script as the only arg (the IR's `sh -c`
 * contract, and the script stays readable in the YAML); an exec-form step keeps its argv,
 * `command: [argv0]` and `args: [rest]`.
 */
export interface StepFields {
  step: IRStep;
  /** Sanitized task name (DNS-1123). */
  taskName: string;
  /** The whole argv: the first `commandLength` strings form `command`, the rest `args`. */
  argv: IRString[];
  commandLength: number;
  /** FLOWC_* then user env, from `stepEnv`. */
  env: { name: string; value: IRString }[];
  /** The foreach plan, or null for a plain step. */
  items: ItemPlan | null;
}

const lit = (value: string): IRString => [{ kind: 'lit', value }];

export function stepFields(o: { ir: IR; step: IRStep; taskName: string; includeConfig: boolean }): StepFields {
  const { ir, step, taskName } = o;
  const argv = step.exec.kind === 'run' ? [lit('sh'), lit('-c'), step.exec.script] : step.exec.argv;
  const commandLength = step.exec.kind === 'run' ? 2 : 1;
  const env = stepEnv(ir, step, { includeConfig: o.includeConfig });
  let items: ItemPlan | null = null;
  if (step.foreach) {
    const paths = [...argv, ...env.map((e) => e.value)].flatMap(itemPathsOf);
    items = planItems(step.foreach, paths);
  }
  return { step, taskName, argv, commandLength, env, items };
}
