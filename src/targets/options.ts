import type { AnySchemaObject, ValidateFunction } from 'ajv';
import type { Json } from '../source/tree.js';
import { registerMemo } from '../source/process-memos.js';
import { validatorFor } from '../validators/prebuilt.js';

/**
 * Distinct option maps one reader keeps. A build compiles the same flow for many variants, whose
 * options are mostly equal (or differ in a few values set per variant); past this many the memo
 * starts over, so memory stays bounded whatever a sweep sets.
 */
const MEMO_ENTRIES = 64;

/**
 * A target's options with the `default`s of its JSON Schema filled in: the schema is the one
 * description of each option, its type and its default, instead of a hand-written reader per
 * target. The pipeline has already validated the options against the same schema and reported
 * every problem at its location (FLOWC601, src/check/target-options.ts), so this only reads.
 *
 * `T` is the options' type with every defaulted field present; keep it next to the schema
 * (test/targets/options.test.ts reads `{}` through every target's reader).
 *
 * Options equal as JSON (same keys in the same order, same values) read the same, so the result is
 * kept by that text and shared: every variant of a build, and every step without options of its
 * own, asks again. It is deeply frozen, so a target that changed what it was given would fail
 * loudly rather than leak the change into the next compile.
 */
export function optionReader<T>(schema: object): (raw: Json | undefined) => T {
  let validate: ValidateFunction | undefined;
  const memo = new Map<string, T>();
  registerMemo(() => memo.clear());
  return (raw) => {
    const input = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const key = JSON.stringify(input);
    const known = memo.get(key);
    if (known !== undefined) return known;
    validate ??= validatorFor('target-options-defaults', schema as AnySchemaObject);
    // A copy: ajv writes defaults into the object it checks, and the IR must stay as lowered.
    const options = structuredClone(input);
    if (!validate(options)) {
      throw new Error(`target options reached a target without passing its schema: ${(validate.errors ?? []).map((e) => `data${e.instancePath} ${e.message ?? ''}`).join(', ')}`);
    }
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(key, deepFreeze(options) as T);
    return options as T;
  };
}

function deepFreeze(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
