import type { AnySchemaObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';
import type { SourceRegistry } from '../source/files.js';
import { loadTree } from '../source/load-tree.js';
import { toJson } from '../source/tree.js';
import { validatorFor } from '../validators/prebuilt.js';

export const IR_SCHEMA_URL = new URL('../../schemas/ir.schema.json', import.meta.url);
let validator: ValidateFunction | undefined;

/**
 * Reads an IR file (`compile --target ir`) as untrusted input: JSON syntax errors are FLOWC103
 * at their place, and anything `schemas/ir.schema.json` does not accept (another version, a
 * hand-edited field) is FLOWC041, so the comparison only ever sees the shape it was written for.
 */
export function readIRFile(options: { file: string; shown: string; sources: SourceRegistry; diagnostics: DiagnosticBag }): IR | undefined {
  const { file, diagnostics } = options;
  const tree = loadTree(file, { sources: options.sources, diagnostics, what: 'IR file' });
  if (!tree) return undefined;
  return checkIR({ value: toJson(tree), file, shown: options.shown, diagnostics });
}

/** Checks a parsed IR against the IR schema; FLOWC041 at the file when it does not fit. */
export function checkIR(options: { value: unknown; file: string; shown: string; diagnostics: DiagnosticBag }): IR | undefined {
  // Generated at build time like flowc's other schemas' validators: loading ajv to compile it was
  // a twentieth of a warm build, which loads this module for its check summary.
  validator ??= validatorFor('ir', JSON.parse(readFileSync(IR_SCHEMA_URL, 'utf8')) as AnySchemaObject);
  if (validator(options.value)) return options.value as IR;
  const errors = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is not valid'}`);
  options.diagnostics.report('FLOWC041', `${options.shown} is not an IR file this flowc can read (schemas/ir.schema.json)`, { file: options.file, line: 1, col: 1 }, [
    ...errors,
    'write one with: flowc compile FLOW --target ir -o FILE',
  ]);
  return undefined;
}
