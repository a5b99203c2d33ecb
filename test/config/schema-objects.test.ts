import { describe, expect, it } from 'vitest';
import { runApp, where } from './helpers.js';

/**
 * The config reaches ajv as objects without a prototype (so `constructor` and `__proto__` are
 * only ever the config's own keys); comparisons of objects must still work as before.
 */
const SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    l: { type: 'array', uniqueItems: true },
    c: { const: { a: 1, n: { b: [1, { c: 2 }] } } },
    e: { enum: [{ a: 1 }, 2] },
  },
});

function check(values: string) {
  return runApp({ 's.json': SCHEMA, 'c.yaml': values }, { files: ['c.yaml'], schema: 's.json' });
}

describe('schema comparisons of maps', () => {
  it('accepts equal maps for const and enum, distinct maps for uniqueItems', () => {
    const r = check('l: [{a: 1}, {a: 2}]\nc: {a: 1, n: {b: [1, {c: 2}]}}\ne: {a: 1}\n');
    expect(r.diagnostics).toEqual([]);
  });

  it('refuses different maps and duplicate items, each at its place', () => {
    const r = check('l: [{a: 1}, {a: 1}]\nc: {a: 2}\ne: {a: 3}\n');
    expect(where(r)).toEqual(['FLOWC412 c.yaml:1:4', 'FLOWC412 c.yaml:2:4', 'FLOWC412 c.yaml:3:4']);
  });

  it('reports, never crashes, when a map key named valueOf defeats the comparison', () => {
    const r = check('l: [{valueOf: 1}, {valueOf: 1}]\n');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC412']);
    expect(r.diagnostics[0]?.message).toContain('could not be checked against its schema');
  });
});
