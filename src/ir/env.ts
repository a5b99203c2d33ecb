import { canonicalJson } from '../source/canonical-json.js';
import type { IR, IREnvVar, IRStep } from './types.js';

/** The FLOWC_* variables every step gets (SPEC section 6), before the user's own env. */
export const SYSTEM_ENV_NAMES = [
  'FLOWC_FLOW',
  'FLOWC_STEP',
  'FLOWC_RUN_ID',
  'FLOWC_CONFIG_HASH',
  'FLOWC_CONFIG',
  'FLOWC_ITEM',
] as const;

export interface StepEnvOptions {
  /** Leave out FLOWC_CONFIG where the target's size limits cannot carry it. */
  includeConfig?: boolean;
  /** The variables a `run` script reads (`shellScript(...).env`, src/ir/shell.ts), if the target runs one. */
  scriptEnv?: readonly IREnvVar[];
}

/**
 * FLOWC_CONFIG's text by config object: every step of every target asks, and an IR's config is
 * never changed once lowered. `configJson(values)` is `canonicalJson(values)`, computed once.
 */
const configTexts = new WeakMap<object, string>();

export function configJson(values: IR['config']['values']): string {
  if (values === null || typeof values !== 'object') return canonicalJson(values);
  let text = configTexts.get(values);
  if (text === undefined) configTexts.set(values, (text = canonicalJson(values)));
  return text;
}

/**
 * The full environment of a step: FLOWC_FLOW, FLOWC_STEP, FLOWC_RUN_ID, FLOWC_CONFIG_HASH,
 * FLOWC_CONFIG (compact canonical JSON of all resolved configs), FLOWC_ITEM for foreach steps,
 * then the variables a `run` script reads (sorted by name), then the user's env sorted by name:
 * the one order every target writes. User env may not redefine FLOWC_* (a flow check reports it),
 * so no name appears twice.
 */
export function stepEnv(ir: IR, step: IRStep, options: StepEnvOptions = {}): IREnvVar[] {
  const out: IREnvVar[] = [
    { name: 'FLOWC_FLOW', value: [{ kind: 'flow', field: 'name' }] },
    { name: 'FLOWC_STEP', value: [{ kind: 'lit', value: step.id }] },
    { name: 'FLOWC_RUN_ID', value: [{ kind: 'run', field: 'id' }] },
    { name: 'FLOWC_CONFIG_HASH', value: [{ kind: 'lit', value: ir.config.hash }] },
  ];
  if (options.includeConfig !== false) {
    out.push({ name: 'FLOWC_CONFIG', value: [{ kind: 'lit', value: configJson(ir.config.values) }] });
  }
  if (step.foreach) out.push({ name: 'FLOWC_ITEM', value: [{ kind: 'item', path: [] }] });
  return [...out, ...(options.scriptEnv ?? []), ...step.env];
}
