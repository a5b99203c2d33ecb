#!/usr/bin/env node
// Build step after `tsc`: writes dist/validators/generated.cjs, ajv's standalone code for flowc's
// own schemas, so a cold start does not compile them (issue 19). Without it flowc still works and
// compiles them at run time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const { generateValidatorsModule } = await import('../dist/validators/generate.js');
const { GENERATED_VALIDATORS_URL } = await import('../dist/validators/prebuilt.js');
const file = fileURLToPath(GENERATED_VALIDATORS_URL);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, generateValidatorsModule());
