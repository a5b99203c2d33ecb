import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTargetOutputs } from '../../src/check/target-outputs.js';
import { checkTargetSecrets } from '../../src/check/target-secrets.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { IR } from '../../src/ir/types.js';
import { REGISTERED_TARGETS as TARGETS } from '../../src/targets/index.js';
import { fixtureDir, fixtureIR, validFixtures } from '../helpers/fixtures.js';
import { expectGolden } from '../helpers/golden.js';
import { REFUSED } from './refused.js';

/**
 * Every target x every valid fixture, against fixtures/<case>/expected: the artifacts byte for
 * byte, or, for a pair in REFUSED, the target's diagnostics. Validator and execution checks stay
 * in each target's own tests (test/targets/<t>/); this file only compares bytes, once.
 * `UPDATE_GOLDEN=1 npx vitest run test/targets/golden.test.ts` rewrites the files; review the diff.
 */
const irs = new Map<string, IR>();
const irOf = (name: string): IR => {
  let ir = irs.get(name);
  if (!ir) irs.set(name, (ir = fixtureIR(name)));
  return ir;
};

/** The files of `expected/` a target writes: its `files` patterns with the flow's name. */
function expectedFiles(dir: string, patterns: readonly string[], name: string): string[] {
  const wanted = new Set(patterns.map((p) => p.replace('<name>', name)));
  return existsSync(dir) ? readdirSync(dir).filter((f) => wanted.has(f)).sort() : [];
}

function diagnosticsText(bag: DiagnosticBag): string {
  return `${bag.items.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : ''}${d.message}`).join('\n')}\n`;
}

describe('the refusal lists', () => {
  it('name every registered target, and only fixtures that exist', () => {
    expect(Object.keys(REFUSED).sort()).toEqual(TARGETS.map((t) => t.id).sort());
    for (const refused of Object.values(REFUSED)) for (const name of Object.keys(refused)) expect(validFixtures()).toContain(name);
  });
});

for (const target of TARGETS) {
  describe(`${target.id} golden files`, () => {
    for (const name of validFixtures()) {
      const refused = REFUSED[target.id]?.[name];
      if (refused) {
        it(`${name}: refused with ${refused.join(', ')}`, () => {
          const ir = irOf(name);
          const diagnostics = new DiagnosticBag();
          // The checks the pipeline runs before a target compiles (src/pipeline/compile.ts).
          checkTargetSecrets({ ir, target, diagnostics });
          checkTargetOutputs({ ir, target, diagnostics });
          expect(diagnostics.hasErrors() ? [] : target.compile(ir, { diagnostics })).toEqual([]);
          expect(diagnostics.errors().map((d) => d.code)).toEqual(refused);
          expectGolden(join(fixtureDir(name), 'expected', `${ir.flow.name}.${target.id}.diagnostics.txt`), diagnosticsText(diagnostics));
        });
        continue;
      }
      it(`${name}: every artifact equals its golden file, and no golden file is left over`, () => {
        const ir = irOf(name);
        const diagnostics = new DiagnosticBag();
        const artifacts = target.compile(ir, { diagnostics });
        expect(diagnostics.errors()).toEqual([]);
        expect(artifacts.filter((a) => a.primary)).toHaveLength(1);
        const dir = join(fixtureDir(name), 'expected');
        for (const a of artifacts) expectGolden(join(dir, a.path), a.contents);
        if (process.env.UPDATE_GOLDEN !== '1') expect(expectedFiles(dir, target.files, ir.flow.name)).toEqual(artifacts.map((a) => a.path).sort());
        // Deterministic by construction: a second compile gives the same bytes.
        expect(target.compile(ir, { diagnostics: new DiagnosticBag() })).toEqual(artifacts);
      });
    }
  });
}
