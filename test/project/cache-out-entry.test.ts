import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealUnitEntry, StoredFile, type UnitEntry, unitEntryProblem, unsealUnitEntry } from '../../src/project/cache-entry.js';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** An entry with its header line's hash recomputed, so only the structural checks can refuse it. */
function resealed(header: string, files: string): Buffer {
  return Buffer.from(`flowc-unit 4 ${sha(header)}\n${header}\n${files}`);
}

const entry = (contents: string[]): UnitEntry => ({
  deps: { files: [{ path: '/p/app.toml', sha256: sha('a = 1\n') }], env: [{ name: 'HOME', value: null }] },
  configHash: 'sha256:abc',
  diagnostics: [{ code: 'FLOWC628', severity: 'warning', message: 'w', notes: ['n'], span: { file: '/p/flow.yaml', line: 1, col: 1 } }],
  files: contents.map((c, i) => ({ path: `u.${i}.yaml`, contents: c })),
});

/** What unsealUnitEntry gives back, as plain data: files as path, text and hash. */
function plain(body: unknown) {
  const b = body as UnitEntry;
  return { ...b, files: (b.files as StoredFile[]).map((f) => ({ path: f.path, contents: f.contents, sha256: f.sha256, bytes: f.size })) };
}

// Cache entries (cache-entry.ts, format 4): one per unit, its files as they are after a JSON header
// that gives each file's byte length and SHA-256.
describe('cache entries', () => {
  it('give back exactly the dependencies, files, config hash and diagnostics stored, whatever the text (UTF-8 of any width, newlines, NUL, JSON look-alikes), each file with the SHA-256 of its bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (contents) => {
        const e = entry(contents);
        const stored: StoredFile[] = [];
        const back = unsealUnitEntry(sealUnitEntry(e, stored) as Buffer) as { body: unknown };
        expect(plain(back.body)).toEqual({ ...e, files: e.files.map((f) => ({ ...f, sha256: sha(Buffer.from(f.contents)), bytes: Buffer.byteLength(f.contents) })) });
        // The caller gets each file as stored: its hash (the manifest's) and its bytes.
        expect(stored.map((f) => f.sha256)).toEqual(e.files.map((f) => sha(Buffer.from(f.contents))));
        expect(stored.map((f) => [f.path, f.contents])).toEqual(e.files.map((f) => [f.path, f.contents]));
        expect(unitEntryProblem(back.body)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('is not stored when a file holds a lone surrogate, which UTF-8 cannot carry', () => {
    expect(sealUnitEntry(entry(['ok', 'bad \ud800 end']))).toBeUndefined();
  });

  it('decodes a file to text only when asked', () => {
    const back = unsealUnitEntry(sealUnitEntry(entry(['é😀'])) as Buffer) as { body: UnitEntry };
    const file = back.body.files[0] as StoredFile;
    expect(file).toBeInstanceOf(StoredFile);
    expect(Object.keys(file)).not.toContain('contents');
    expect(file.contents).toBe('é😀');
    expect(file.contents).toBe(file.contents);
  });

  it('refuses an edit of the header or of a file (hashes), bytes that are not UTF-8, and a re-sealed entry whose lengths do not add up or whose header is not one', () => {
    const sealed = sealUnitEntry(entry(['one', 'two'])) as Buffer;
    const text = sealed.toString('utf8');
    expect(unsealUnitEntry(Buffer.from(text.replace(/two$/, 'twO')))).toEqual({ problem: 'its content hash does not match (edited or corrupted)' });
    expect(unsealUnitEntry(Buffer.from(text.replace('sha256:abc', 'sha256:abd')))).toEqual({ problem: 'its content hash does not match (edited or corrupted)' });
    expect(unsealUnitEntry(Buffer.from(`{"sha256":"${'0'.repeat(64)}","body":{}}`))).toEqual({ problem: 'it is not a flowc cache entry' });
    expect(unsealUnitEntry(Buffer.from(`flowc-out 3 ${'0'.repeat(64)}\n{}\n`))).toEqual({ problem: 'it is not a flowc cache entry' });
    const lines = text.split('\n');
    const header = lines[1] as string;
    expect(unsealUnitEntry(resealed(header, 'onetwoextra'))).toEqual({ problem: 'it holds more than its files' });
    expect(unsealUnitEntry(resealed(header, 'onetw'))).toEqual({ problem: 'its files are longer than the entry' });
    expect(unsealUnitEntry(resealed(header.replace('"bytes":3', '"bytes":-3'), 'onetwo'))).toEqual({ problem: 'a file has no length' });
    expect(unsealUnitEntry(resealed(header.replace(`"sha256":"${sha('one')}"`, '"sha256":"x"'), 'onetwo'))).toEqual({ problem: 'a file has no SHA-256' });
    expect(unsealUnitEntry(resealed('not json', 'onetwo'))).toEqual({ problem: 'its header is not an object with a list of files' });
    expect(unsealUnitEntry(Buffer.from(`flowc-unit 4 ${sha('x')}\nno newline after the header`))).toEqual({ problem: 'its header is not an object with a list of files' });
    // Bytes that would only decode to text (a truncated 4-byte sequence), with a matching hash.
    const bad = Buffer.from([0x61, 0xf0, 0x9f, 0x98]);
    const badHeader = header.replace('"bytes":3', '"bytes":4').replace(`"sha256":"${sha('one')}"`, `"sha256":"${sha(bad)}"`);
    expect(unsealUnitEntry(Buffer.concat([Buffer.from(`flowc-unit 4 ${sha(badHeader)}\n${badHeader}\n`), bad, Buffer.from('two')]))).toEqual({ problem: 'a file is not UTF-8 text' });
    // Well-formed layout, hostile fields: the shape check (unitEntryProblem) refuses them as before.
    const hostile = unsealUnitEntry(resealed(header.replace('"u.0.yaml"', '"../../x"'), 'onetwo')) as { body: unknown };
    expect(unitEntryProblem(hostile.body)).toMatch(/climbs out of the output folder/);
    const relative = unsealUnitEntry(resealed(header.replace('"/p/app.toml"', '"app.toml"'), 'onetwo')) as { body: unknown };
    expect(unitEntryProblem(relative.body)).toBe('a dependency path is not an absolute path');
    const twice = unsealUnitEntry(resealed(header.replace('"u.1.yaml"', '"u.0.yaml"'), 'onetwo')) as { body: unknown };
    expect(unitEntryProblem(twice.body)).toBe('file path "u.0.yaml" is listed twice');
  });
});
