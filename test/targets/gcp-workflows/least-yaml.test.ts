import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { leastYamlBytes, serializeYaml } from '../../../src/targets/gcp-workflows/serialize.js';

const FIXTURES = resolve(import.meta.dirname, '../../../fixtures');

describe('leastYamlBytes: what index.ts uses to skip writing a full layout that cannot fit', () => {
  // Node 20 has no fs.globSync: every fixture's expected/*.gcp.yaml.
  const goldens = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const dir = join(FIXTURES, d.name, 'expected');
      try {
        return readdirSync(dir).filter((f) => f.endsWith('.gcp.yaml')).map((f) => join(d.name, 'expected', f));
      } catch {
        return [];
      }
    });

  it('is never more than the bytes serializeYaml writes, in either layout, for every golden definition', () => {
    expect(goldens.length).toBeGreaterThan(5);
    for (const g of goldens) {
      const definition = parse(readFileSync(resolve(FIXTURES, g), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
      const least = leastYamlBytes(definition);
      for (const layout of ['full', 'compact'] as const) {
        const written = Buffer.byteLength(serializeYaml(definition, [], layout), 'utf8');
        expect({ g, layout, over: least > written }).toEqual({ g, layout, over: false });
      }
      // Not a trivial bound: most of the text is keys and values.
      expect(least).toBeGreaterThan(Buffer.byteLength(serializeYaml(definition, [], 'full'), 'utf8') / 3);
    }
  });

  it('counts multi-line, quoted and non-ASCII text at no more than it is written', () => {
    const value = { main: { steps: [{ a: { assign: [{ x: 'line1\nline2\n' }, { y: 'yes' }, { z: 'ünïcødé ✓ 🚀' }, { n: 0.5 }, { b: true }, { q: '"quoted" \'single\'' }] } }] } };
    expect(leastYamlBytes(value)).toBeLessThanOrEqual(Buffer.byteLength(serializeYaml(value, [], 'full'), 'utf8'));
  });
});
