import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { BUNDLED_AJV_IDS, BUNDLED_AJV_URL, loadAjvModule } from '../../src/validators/ajv-modules.js';

const bundleFile = fileURLToPath(BUNDLED_AJV_URL);

describe('ajv for user config schemas (src/validators/ajv-modules.ts)', () => {
  // `npm test` bundles before vitest runs, as it generates the validators.
  it('comes from the one-file bundle the build writes, every id from the same file', () => {
    expect(existsSync(bundleFile), `${bundleFile} is missing: run npm run build`).toBe(true);
    const bundle = createRequire(import.meta.url)(bundleFile) as Record<string, unknown>;
    for (const id of BUNDLED_AJV_IDS) expect(loadAjvModule(id), id).toBe(bundle[id]);
  });

  it('gives every dialect formats built with its own codegen', () => {
    const addFormats = (loadAjvModule('ajv-formats') as { default: (a: Ajv) => void }).default;
    for (const id of ['ajv', 'ajv/dist/2019.js', 'ajv/dist/2020.js'] as const) {
      const AjvClass = (loadAjvModule(id) as { default: new (o: object) => Ajv }).default;
      const ajv = new AjvClass({ allErrors: true, strict: false });
      addFormats(ajv);
      const validate = ajv.compile({ type: 'object', properties: { url: { type: 'string', format: 'uri' }, at: { type: 'string', format: 'date-time' } } });
      expect(validate({ url: 'https://example.com/x', at: '2026-01-02T03:04:05Z' }), id).toBe(true);
      expect(validate({ url: 'not a uri', at: 'yesterday' }), id).toBe(false);
      expect(validate.errors?.map((e) => e.instancePath).sort(), id).toEqual(['/at', '/url']);
    }
  });
});
