import { createHash } from 'node:crypto';
import type { Ajv, Options } from 'ajv';
import { addFlowcCheckKeyword } from '../flow/flowc-check.js';

/**
 * The ways flowc compiles its own JSON Schemas, each with its ajv options and keywords. The
 * build step (scripts/gen-validators.mjs) and the runtime fallback both read this table, so a
 * pre-built validator is exactly what the runtime would have compiled. User config schemas are not
 * here: they are user input, compiled when read (src/config/schema.ts).
 */
export const VALIDATOR_KINDS = {
  // strict: the schema must not carry unknown keywords or ambiguous types; allowUnionTypes for
  // `type: [string, number, boolean]`; verbose: errors keep their schema objects, which the
  // flow error reduction uses to name what was expected.
  flow: { options: { allErrors: true, strict: true, allowUnionTypes: true, verbose: true }, setup: addFlowcCheckKeyword },
  project: { options: { allErrors: true, strict: true, allowUnionTypes: true, verbose: true } },
  'target-options': { options: { allErrors: true, strict: false } },
  // Fills in the `default`s of a target's options (src/targets/options.ts).
  'target-options-defaults': { options: { useDefaults: true, strict: false, allErrors: true } },
  // An IR file read back (`flowc diff`, a build's check summary: src/diff/ir-file.ts).
  ir: { options: { allErrors: true, strict: false, allowUnionTypes: true } },
} satisfies Record<string, { options: Options; setup?: (ajv: Ajv) => void }>;

export type ValidatorKind = keyof typeof VALIDATOR_KINDS;

/**
 * Bump when the generated code changes without the schema or options changing (the flowcCheck
 * keyword's code, the module wrapper), so validators built before are no longer taken.
 */
const GENERATION = 1;

/**
 * What a pre-built validator is looked up by: the schema's content, not its identity, so a
 * validator built from an older schema (dist built by plain `tsc` after a schema edit) is never
 * used; the runtime compiles the current one instead.
 */
export function validatorKey(kind: ValidatorKind, schema: unknown): string {
  const text = `${GENERATION}\n${kind}\n${JSON.stringify(VALIDATOR_KINDS[kind].options)}\n${JSON.stringify(schema)}`;
  return `${kind}:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
