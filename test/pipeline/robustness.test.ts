import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { TARGETS } from '../../src/targets/index.js';
import { FIXTURES, validFixtures } from '../helpers/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'flowc-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TOKENS = ['${', '}', '${app.', '${params.', '${item}', '$${', ':', '- ', '[', ']', '{', '}', '"', "'", '\n', '  ', '\t', '#', '&a', '*a', '!tag', '~', 'null', '-1', '1e400', '0x1F', '\u0000', '✓'];

/** A fixture's flow with a few random edits: lines dropped or repeated, tokens spliced in. */
const mutated = fc
  .record({
    fixture: fc.constantFrom(...validFixtures()),
    edits: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ fixture, edits }) => {
    let text = readFileSync(join(FIXTURES, fixture, 'flow.yaml'), 'utf8');
    for (const e of edits) {
      const lines = text.split('\n');
      const i = e.at % lines.length;
      if (e.kind === 'drop') lines.splice(i, 1);
      else if (e.kind === 'repeat') lines.splice(i, 0, lines[i] as string);
      else {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.token + text.slice(at);
        continue;
      }
      text = lines.join('\n');
    }
    return { fixture, text };
  });

describe('the whole pipeline on damaged input', () => {
  it('never throws: it compiles to every target, or reports coded diagnostics and writes nothing', () => {
    let n = 0;
    let compiled = 0;
    fc.assert(
      fc.property(mutated, ({ fixture, text }) => {
        const dir = join(work, String(n++));
        cpSync(join(FIXTURES, fixture), dir, { recursive: true });
        writeFileSync(join(dir, 'flow.yaml'), text);
        const result = compileTargets({ flowPath: 'flow.yaml', cwd: dir, targets: TARGETS.map((t) => t.id) });
        for (const d of result.diagnostics) {
          expect(Object.keys(CODES)).toContain(d.code);
          expect(d.code).not.toBe('FLOWC900');
        }
        if (result.diagnostics.some((d) => d.severity === 'error')) expect(result.artifacts).toEqual([]);
        else {
          compiled++;
          expect(result.artifacts.length).toBeGreaterThanOrEqual(TARGETS.length);
        }
      }),
      { numRuns: 150 },
    );
    // Some edits are harmless (a repeated comment, a dropped blank line): those must still compile.
    expect(compiled).toBeGreaterThan(0);
    expect(compiled).toBeLessThan(n);
  });
});
