#!/usr/bin/env node
// Build step after `tsc`: writes dist/validators/generated.cjs, ajv's standalone code for flowc's
// own schemas, so a cold start does not compile them (issue 19). Without it flowc still works and
// compiles them at run time.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const { generateValidatorOutputs } = await import('../dist/validators/generate.js');
const { GENERATED_VALIDATOR_DIR_URL, GENERATED_VALIDATORS_URL } = await import('../dist/validators/prebuilt.js');
const file = fileURLToPath(GENERATED_VALIDATORS_URL);
mkdirSync(dirname(file), { recursive: true });
const outputs = generateValidatorOutputs();
writeFileSync(file, outputs.module);
// The same validators one per file, so a run loads only those it uses; old keys go with the folder.
const dir = fileURLToPath(GENERATED_VALIDATOR_DIR_URL);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const [name, text] of outputs.files) writeFileSync(join(dir, name), text);
