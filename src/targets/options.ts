import type { AnySchemaObject, ValidateFunction } from 'ajv';
import type { Json } from '../source/tree.js';
import { validatorFor } from '../validators/prebuilt.js';

/**
 * A target's options with the `default`s of its JSON Schema filled in: the schema is the one
 * description of each option, its type and its default, instead of a hand-written reader per
 * target. The pipeline has already validated the options against the same schema and reported
 * every problem at its location (FLOWC601, src/check/target-options.ts), so this only reads.
 *
 * `T` is the options' type with every defaulted field present; keep it next to the schema
 * (test/targets/options.test.ts reads `{}` through every target's reader).
 */
export function optionReader<T>(schema: object): (raw: Json | undefined) => T {
  let validate: ValidateFunction | undefined;
  return (raw) => {
    validate ??= validatorFor('target-options-defaults', schema as AnySchemaObject);
    // A copy: ajv writes defaults into the object it checks, and the IR must stay as lowered.
    const options = structuredClone(raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {});
    if (!validate(options)) {
      throw new Error(`target options reached a target without passing its schema: ${(validate.errors ?? []).map((e) => `data${e.instancePath} ${e.message ?? ''}`).join(', ')}`);
    }
    return options as T;
  };
}
