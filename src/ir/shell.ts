import { SYSTEM_ENV_NAMES } from './env.js';
import type { IREnvVar, IRPart, IRStep, IRString } from './types.js';

/**
 * How run-time values reach a `run` script (docs/ir.md, "Run scripts"): through environment
 * variables, never pasted into the script's text. Every target that runs a `run` script with a
 * shell uses this, so `${params.x}` means the same on every engine: it expands like the shell
 * variable `${FLOWC_PARAM_X}` (write it in double quotes, as for any shell variable).
 *
 * Why: engines paste templated values into the text of a shell script (Argo's
 * `{{workflow.parameters.x}}`, Step Functions' `States.Format`, Workflows' `${...}`), which lets
 * a parameter value like `"; rm -rf / #` rewrite the script. A shell never executes the value of
 * a variable it expands, so passing values through the environment keeps them data.
 */

/** `FLOWC_PARAM_<NAME>`: the parameter's name upper-cased, other characters as `_`. */
export function paramVar(name: string): string {
  return `FLOWC_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The env variable that carries one `${item...}` path of a foreach step. */
export interface ItemSlot {
  path: (string | number)[];
  envVar: string;
}

/**
 * Slots for every item path a step uses: `${item}` is FLOWC_ITEM; a path such as `${item.a[0]}`
 * is FLOWC_ITEM_A_0. Paths that would share a name get a numeric suffix, in order of first use,
 * so names are stable.
 */
export function itemSlots(paths: readonly (string | number)[][]): ItemSlot[] {
  const slots: ItemSlot[] = [{ path: [], envVar: 'FLOWC_ITEM' }];
  const byKey = new Map<string, ItemSlot>([[pathKey([]), slots[0] as ItemSlot]]);
  const used = new Set(['FLOWC_ITEM']);
  for (const path of paths) {
    if (byKey.has(pathKey(path))) continue;
    const base = `FLOWC_ITEM_${path.map((s) => String(s).toUpperCase().replace(/[^A-Z0-9]/g, '_')).join('_')}`;
    let envVar = base;
    for (let n = 2; used.has(envVar); n++) envVar = `${base}_${n}`;
    used.add(envVar);
    const slot = { path, envVar };
    slots.push(slot);
    byKey.set(pathKey(path), slot);
  }
  return slots;
}

export function findSlot(slots: readonly ItemSlot[], path: readonly (string | number)[]): ItemSlot | undefined {
  const key = pathKey(path);
  return slots.find((s) => pathKey(s.path) === key);
}

function pathKey(path: readonly (string | number)[]): string {
  return JSON.stringify(path);
}

/** Every item path a string uses, in order. */
export function itemPathsIn(s: IRString): (string | number)[][] {
  return s.filter((p): p is Extract<IRPart, { kind: 'item' }> => p.kind === 'item').map((p) => p.path);
}

/** The env variable that carries one `${steps.<step>.outputs.<output>}` a string uses. */
export interface OutputSlot {
  step: string;
  output: string;
  envVar: string;
}

/**
 * Slots for every step output a string uses: `${steps.split.outputs.shards}` is
 * FLOWC_STEPS_SPLIT_SHARDS. Step ids and output names may hold `_`, so two references can map
 * to one name (`a_b`.`c` and `a`.`b_c`): the later one gets a numeric suffix, in order of first
 * use, so names are stable.
 */
export function outputSlots(refs: readonly { step: string; output: string }[]): OutputSlot[] {
  const slots: OutputSlot[] = [];
  const used = new Set<string>();
  for (const ref of refs) {
    if (slots.some((s) => s.step === ref.step && s.output === ref.output)) continue;
    const base = `FLOWC_STEPS_${ref.step.toUpperCase()}_${ref.output.toUpperCase()}`.replace(/[^A-Z0-9_]/g, '_');
    let envVar = base;
    for (let n = 2; used.has(envVar); n++) envVar = `${base}_${n}`;
    used.add(envVar);
    slots.push({ step: ref.step, output: ref.output, envVar });
  }
  return slots;
}

/** Every step output a string uses, in order. */
export function outputRefsIn(s: IRString): { step: string; output: string }[] {
  return s.filter((p): p is Extract<IRPart, { kind: 'output' }> => p.kind === 'output').map((p) => ({ step: p.step, output: p.output }));
}

/**
 * Every step output a step reads, in order of first use with repeats kept: its script or argv, its
 * env values, then its dynamic foreach's source (docs/outputs.md lists where outputs may stand).
 */
export function stepOutputRefs(step: IRStep): { step: string; output: string }[] {
  // Plain loops: every target asks for every step of every compile, most of which read none.
  const out: { step: string; output: string }[] = [];
  const scan = (s: IRString): void => {
    for (const p of s) if (p.kind === 'output') out.push({ step: p.step, output: p.output });
  };
  if (step.exec.kind === 'run') scan(step.exec.script);
  else for (const a of step.exec.argv) scan(a);
  for (const e of step.env) scan(e.value);
  // The source itself, not a copy: a reader tells it from the same output read elsewhere by identity.
  if (step.foreach?.from) out.push(step.foreach.from);
  return out;
}

/** The shell variable a run-time part reads from. */
export function partVar(part: Exclude<IRPart, { kind: 'lit' }>, slots: readonly ItemSlot[], outputs: readonly OutputSlot[] = []): string {
  switch (part.kind) {
    case 'param':
      return paramVar(part.name);
    case 'item':
      return (findSlot(slots, part.path) as ItemSlot).envVar;
    case 'run':
      return 'FLOWC_RUN_ID';
    case 'flow':
      return 'FLOWC_FLOW';
    case 'step':
      return 'FLOWC_STEP';
    case 'output': {
      const slot = outputs.find((o) => o.step === part.step && o.output === part.output);
      if (!slot) throw new Error(`no variable for \${steps.${part.step}.outputs.${part.output}}: outputSlots() was not given it`);
      return slot.envVar;
    }
  }
}

export interface ShellScript {
  /** The script, all literal: each run-time part became `${VAR}`. */
  script: string;
  /**
   * Variables the step must set besides `stepEnv` (which already sets FLOWC_RUN_ID, FLOWC_FLOW,
   * FLOWC_STEP and FLOWC_ITEM): one per parameter, item path and step output the script reads,
   * sorted by name.
   */
  env: IREnvVar[];
}

/** A `run` script with its run-time parts turned into shell variable references. */
export function shellScript(script: IRString): ShellScript {
  const slots = itemSlots(itemPathsIn(script));
  const outputs = outputSlots(outputRefsIn(script));
  const env = new Map<string, IREnvVar>();
  const text = scriptText(script, (part) => {
    const name = partVar(part, slots, outputs);
    if (!(SYSTEM_ENV_NAMES as readonly string[]).includes(name)) env.set(name, { name, value: [part] });
    return name;
  });
  return { script: text, env: [...env.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/**
 * A `run` script as shell text: literal parts exactly as written (they are the user's shell code),
 * each run-time part as the expansion `${VAR}` of the variable `varOf` names for it.
 */
export function scriptText(script: IRString, varOf: (part: Exclude<IRPart, { kind: 'lit' }>) => string): string {
  let text = '';
  for (const part of script) text = part.kind === 'lit' ? text + part.value : `${literalDollarBeforeExpansion(text)}\${${varOf(part)}}`;
  return text;
}

/**
 * Script text that ends in a bare `$` (a config value such as `"$"` before `${params.x}`) would
 * make the shell read `$${VAR}` as `$$` (its process id) and the text `{VAR}`, losing the
 * value. That `$` is literal text before an expansion, so it becomes `\$`, which the shell reads
 * as `$` unquoted and in double quotes alike. A `$` already escaped by a backslash stays as is.
 */
function literalDollarBeforeExpansion(text: string): string {
  if (!text.endsWith('$')) return text;
  let backslashes = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0 ? `${text.slice(0, -1)}\\$` : text;
}

/** `shellScript` for a step whose exec is a `run` script; undefined for an exec-form command. */
export function stepShellScript(step: IRStep): ShellScript | undefined {
  return step.exec.kind === 'run' ? shellScript(step.exec.script) : undefined;
}
