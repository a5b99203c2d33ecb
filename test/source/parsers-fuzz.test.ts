import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { checkTree } from '../../src/source/check-tree.js';
import { SourceText } from '../../src/source/files.js';
import { parseJsonTree } from '../../src/source/json.js';
import { decodeUtf8 } from '../../src/source/read-input.js';
import { parseTomlTree } from '../../src/source/toml.js';
import type { LNode } from '../../src/source/tree.js';
import { parseYamlTree } from '../../src/source/yaml.js';

/** Bounded in `npm test`; FUZZ_RUNS=... runs longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const PARSERS = [
  ['yaml', parseYamlTree],
  ['json', parseJsonTree],
  ['toml', parseTomlTree],
] as const;

/** Pieces of each syntax, so random text reaches deep into the parsers, not just their first error. */
const pieces = fc.constantFrom(
  '{', '}', '[', ']', ',', ':', ': ', '=', ' = ', '\n', '\n  ', '- ', '"', "'", '"""', '#', '&a ', '*a', '!!str ', '!!binary ', '!foo ',
  '? ', '---\n', 'a', 'b.c', '[t]\n', '[[t]]\n', '1', '9007199254740993', '1e400', '.inf', 'nan', '\\u0000', '\\0', '\\ud800', '\u0000', 'true', 'null', '~',
);
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.array(pieces, { maxLength: 40 }).map((p) => p.join('')));

describe('the parsers on arbitrary text', () => {
  for (const [name, parse] of PARSERS) {
    it(`${name}: never throws; a refused document always says where; an accepted one passes the tree checks`, () => {
      fc.assert(
        fc.property(text, (t) => {
          const bag = new DiagnosticBag();
          const tree = parse(new SourceText(`/in/f.${name}`, t), bag);
          if (tree === undefined) {
            expect(bag.items.length).toBeGreaterThan(0);
            for (const d of bag.items) {
              expect(d.span?.file).toBe(`/in/f.${name}`);
              expect(d.message).not.toMatch(/call stack/i);
            }
          } else {
            expect(bag.items).toEqual([]);
            expect(checkTree(tree as LNode, new DiagnosticBag())).toBe(true);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('strict UTF-8 decoding of arbitrary bytes either gives text or a place inside the text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = decodeUtf8(b);
        if ('text' in r) {
          // U+FFFD appears only where the file itself holds one (EF BF BD), never as a replacement.
          expect(r.text.includes('\ufffd')).toBe(Buffer.from(b).includes(Buffer.from([0xef, 0xbf, 0xbd])));
        } else {
          expect(r.code).toBe('FLOWC008');
          expect(r.at?.line).toBeGreaterThanOrEqual(1);
          expect(r.at?.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
