import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTargets } from '../../src/pipeline/compile.js';
import { TARGETS } from '../../src/targets/index.js';
import { FIXTURES, fixtureArgs } from '../helpers/fixtures.js';

/**
 * The hostile config corpus (fixtures/hostile/config/<case>/): each case is a flow with its config
 * files, optional `args.json` (--config, --set, env as in fixtures/) and `expected.json`, the
 * diagnostics it must give — code, and file:line:col relative to the case when the problem has a
 * place — compiled for every target at once. Nothing may be written, thrown or left unbounded.
 */
const CORPUS = join(FIXTURES, 'hostile', 'config');

interface Expected {
  /** `message`: a fragment the message or its notes must hold. */
  diagnostics: { code: string; file?: string; line?: number; col?: number; message?: string }[];
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('hostile config corpus, every target', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(5));

  for (const name of cases) {
    it(name, () => {
      const dir = join(CORPUS, name);
      const args = fixtureArgs(dir);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
      const result = compileTargets({
        flowPath: join(dir, 'flow.yaml'),
        targets: TARGETS.map((t) => t.id),
        cwd: dir,
        ...(args.configs ? { configs: args.configs } : {}),
        ...(args.sets ? { sets: args.sets } : {}),
        ...(args.env ? { env: args.env } : {}),
      });
      expect(result.artifacts).toEqual([]);
      const got = result.diagnostics.map((d, i) => {
        const want = expected.diagnostics[i];
        const out: Expected['diagnostics'][number] = { code: d.code };
        if (d.span) Object.assign(out, { file: relative(dir, d.span.file), line: d.span.line, col: d.span.col });
        // A message fragment is asserted only where the case names one (the wording it must carry).
        const text = [d.message, ...(d.notes ?? [])].join('\n');
        if (want?.message !== undefined) out.message = text.includes(want.message) ? want.message : text;
        return out;
      });
      expect(got).toEqual(expected.diagnostics);
    });
  }
});
