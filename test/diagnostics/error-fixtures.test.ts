import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sortDiagnostics } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../../src/diagnostics/print.js';
import { compileToIR } from '../../src/pipeline/compile.js';
import { relativeTo } from '../../src/pipeline/paths.js';
import { errorFixtures, fixtureRequest, FIXTURES } from '../helpers/fixtures.js';
import { expectGolden } from '../helpers/golden.js';

describe('error fixtures: every diagnostic of each phase, at its file:line:col', () => {
  for (const name of errorFixtures()) {
    it(name, () => {
      const dir = join(FIXTURES, 'errors', name);
      const result = compileToIR(fixtureRequest(dir));
      expect(result.ir).toBeUndefined();
      expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      const text = formatDiagnostics(sortDiagnostics(result.diagnostics), { relativize: (p) => relativeTo(dir, p) });
      expectGolden(join(dir, 'expected.diagnostics.txt'), text);
    });
  }
});
