import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Manifest, type ManifestUnit, readManifest, serializeManifest } from '../../src/project/manifest.js';
import { FLOWC_VERSION } from '../../src/version.js';
import { jsonWithVisibleText } from '../../src/source/visible-text.js';
import type { Json } from '../../src/source/tree.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** serializeManifest as it was written first: every file map copied into a fresh object in sorted key order. */
function reference(m: Manifest): string {
  const sorted = (r: Record<string, string>) => {
    const out: Record<string, string> = {};
    for (const k of Object.keys(r).sort()) out[k] = r[k] as string;
    return out;
  };
  const units: Record<string, Json> = {};
  for (const [name, u] of m.units) units[name] = { ...u, files: sorted(u.files) };
  const key = { build: 'bindings', sweep: 'variants', compile: 'outputs' }[m.kind];
  const out: Record<string, Json> = { manifestVersion: 1, flowcVersion: FLOWC_VERSION, kind: m.kind, ...m.header, [key]: units };
  if (Object.keys(m.stale).length > 0) out.stale = sorted(m.stale);
  return `${jsonWithVisibleText(JSON.stringify(out, null, 2))}\n`;
}

const path = fc.stringMatching(/^[a-z0-9\u00e9\u2028\u202e._-]{1,8}\/[a-zA-Z0-9._\u0085-]{1,10}$/);
const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
/** A file map in any insertion order, as a plain object or one without a prototype (as readManifest makes them). */
const files = fc.tuple(fc.dictionary(path, hash, { maxKeys: 12 }), fc.constantFrom('plain', 'null', 'sorted')).map(([d, how]) => {
  const keys = how === 'sorted' ? Object.keys(d).sort() : Object.keys(d);
  const out: Record<string, string> = how === 'null' ? Object.create(null) : {};
  for (const k of keys) out[k] = d[k] as string;
  return out;
});

describe('serializeManifest', () => {
  it('writes exactly what the first version wrote, for file maps in any order and of any kind', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Manifest['kind']>('build', 'sweep', 'compile'),
        fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.jsonValue({ maxDepth: 2 }), files), { maxLength: 6 }),
        files,
        (kind, rows, stale) => {
          const units = new Map(rows.map(([name, meta, f]) => [name, { meta: meta as Json, configHash: 'c', files: f } as ManifestUnit]));
          const m: Manifest = { kind, header: { flow: 'f.yaml' }, units, stale };
          expect(serializeManifest(m)).toBe(reference(m));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes a manifest read back the same, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-manifest-'));
    try {
      const m: Manifest = {
        kind: 'build',
        header: {},
        units: new Map<string, ManifestUnit>([
          ['b', { flow: 'f', files: { 'b/z.yaml': 'a'.repeat(64), 'b/a.json': 'b'.repeat(64) } }],
          ['a', { flow: 'f', files: { 'a/x.json': 'c'.repeat(64) } }],
        ]),
        stale: { 'old/y.json': 'd'.repeat(64), 'old/b.json': 'e'.repeat(64) },
      };
      const text = serializeManifest(m);
      writeFileSync(join(dir, 'm.json'), text);
      const back = readManifest(join(dir, 'm.json'), 'build');
      if (typeof back === 'string') throw new Error(back);
      expect(serializeManifest({ kind: 'build', header: {}, units: back.units, stale: back.stale })).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
