import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { irTarget } from '../../src/targets/ir/index.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { fixtureIR, validFixtures } from '../helpers/fixtures.js';

const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../schemas/ir.schema.json'), 'utf8'));
const validateIR = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

describe('IR of every valid fixture', () => {
  for (const name of validFixtures()) {
    // Its golden bytes are compared in test/targets/golden.test.ts, with every target's.
    it(`${name}: matches the IR schema`, () => {
      const ir = fixtureIR(name);
      const [artifact] = irTarget.compile(ir, { diagnostics: new DiagnosticBag() });
      expect(artifact?.path).toBe(`${ir.flow.name}.ir.json`);
      const ok = validateIR(JSON.parse(artifact!.contents));
      expect(validateIR.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('compiling twice gives byte-identical IR', () => {
    for (const name of validFixtures()) {
      const a = JSON.stringify(fixtureIR(name));
      const b = JSON.stringify(fixtureIR(name));
      expect(a).toBe(b);
    }
  });

  it('no IR holds an absolute path', () => {
    for (const name of validFixtures()) {
      const text = JSON.stringify(fixtureIR(name));
      expect(text).not.toContain(resolve(import.meta.dirname, '../..'));
    }
  });
});
