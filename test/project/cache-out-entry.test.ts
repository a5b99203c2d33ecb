import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OutEntry, outEntryProblem, sealOutEntry, unsealOutEntry } from '../../src/project/cache-entry.js';

/** An entry text with its hash line recomputed, so only the structural checks can refuse it. */
function resealed(rest: string): Buffer {
  return Buffer.from(`flowc-out 3 ${createHash('sha256').update(rest).digest('hex')}\n${rest}`);
}

const entry = (contents: string[]): OutEntry => ({
  configHash: 'sha256:abc',
  diagnostics: [{ code: 'FLOWC628', severity: 'warning', message: 'w', notes: ['n'], span: { file: '/p/flow.yaml', line: 1, col: 1 } }],
  files: contents.map((c, i) => ({ path: `u.${i}.yaml`, contents: c })),
});

// Output entries hold their files unescaped after a JSON header (cache-entry.ts, format 3): the
// warm build's reader slices them out by length instead of JSON.parse.
describe('cache output entries', () => {
  it('give back exactly the files, config hash and diagnostics stored, whatever the text (UTF-8 of any width, newlines, NUL, JSON look-alikes)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (contents) => {
        const e = entry(contents);
        const text = sealOutEntry(e) as string;
        const back = unsealOutEntry(Buffer.from(text));
        expect(back).toEqual({ body: e });
        expect(outEntryProblem((back as { body: unknown }).body)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(unsealOutEntry(Buffer.from(sealOutEntry(entry(['a\nb', '', '{"x":1}\n', 'é😀\u0000'])) as string))).toEqual({ body: entry(['a\nb', '', '{"x":1}\n', 'é😀\u0000']) });
  });

  it('is not stored when a file holds a lone surrogate, which UTF-8 cannot carry', () => {
    expect(sealOutEntry(entry(['ok', 'bad \ud800 end']))).toBeUndefined();
  });

  it('refuses an edit (hash), and a re-sealed entry whose lengths do not add up or whose header is not one', () => {
    const text = sealOutEntry(entry(['one', 'two'])) as string;
    expect(unsealOutEntry(Buffer.from(text.replace('two', 'twO')))).toEqual({ problem: 'its content hash does not match (edited or corrupted)' });
    expect(unsealOutEntry(Buffer.from(`{"sha256":"${'0'.repeat(64)}","body":{}}`))).toEqual({ problem: 'it is not a flowc output entry' });
    const rest = text.slice(text.indexOf('\n') + 1);
    expect(unsealOutEntry(resealed(`${rest}extra`))).toEqual({ problem: 'it holds more than its files' });
    expect(unsealOutEntry(resealed(rest.slice(0, -1)))).toEqual({ problem: 'its files are longer than the entry' });
    expect(unsealOutEntry(resealed(rest.replace('"length":3', '"length":-3')))).toEqual({ problem: 'a file has no length' });
    expect(unsealOutEntry(resealed('not json\nonetwo'))).toEqual({ problem: 'its header is not an object with a list of files' });
    expect(unsealOutEntry(resealed('no header at all'))).toEqual({ problem: 'its header is not an object with a list of files' });
    // Well-formed layout, hostile path: the shape check (outEntryProblem) refuses it as before.
    const hostile = unsealOutEntry(resealed(rest.replace('"u.0.yaml"', '"../../x"'))) as { body: unknown };
    expect(outEntryProblem(hostile.body)).toMatch(/climbs out of the output folder/);
  });
});
