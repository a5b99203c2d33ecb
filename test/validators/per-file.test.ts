import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateValidatorOutputs, validatorSpecs } from '../../src/validators/generate.js';
import { validatorKey } from '../../src/validators/kinds.js';
import { GENERATED_VALIDATOR_DIR_URL, generatedFactory, generatedFileName } from '../../src/validators/prebuilt.js';

const dir = fileURLToPath(GENERATED_VALIDATOR_DIR_URL);

// A cold compile used to load all of generated.cjs (~750 KB, mostly the options of targets the
// flow never names); each validator is now its own file as well (issue 19).
describe('generated validators one per file (dist/validators/generated/)', () => {
  const { module, files } = generateValidatorOutputs();

  it('hold exactly the factories of generated.cjs, one key per file', () => {
    const whole = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', 'require', module)(whole, whole.exports, createRequire(fileURLToPath(new URL('x.cjs', GENERATED_VALIDATOR_DIR_URL))));
    const keys = Object.keys(whole.exports).sort();
    expect([...files.keys()].sort()).toEqual(keys.map(generatedFileName).sort());
    for (const key of keys) {
      const text = files.get(generatedFileName(key)) as string;
      const own = { exports: undefined as unknown };
      new Function('module', 'exports', 'require', text)(own, {}, createRequire(fileURLToPath(new URL('x.cjs', GENERATED_VALIDATOR_DIR_URL))));
      expect(typeof own.exports, key).toBe('function');
      expect(String(own.exports), key).toBe(String(whole.exports[key]));
    }
  });

  it('are the files in the built dist/ (run `npm run build` after a schema change), and what a lookup loads', () => {
    expect(existsSync(dir), `${dir} is missing: run npm run build`).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(`${dir}/${name}`, 'utf8') === text, `${name} is stale: run node scripts/gen-validators.mjs`).toBe(true);
    const spec = validatorSpecs().find((s) => s.kind === 'flow')!;
    const required = createRequire(import.meta.url)(`${dir}/${generatedFileName(validatorKey(spec.kind, spec.schema))}`);
    expect(generatedFactory(validatorKey(spec.kind, spec.schema))).toBe(required);
    expect(generatedFactory('flow:not-a-key')).toBeUndefined();
  });
});
