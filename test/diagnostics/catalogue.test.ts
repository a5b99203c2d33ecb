import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';

const root = resolve(import.meta.dirname, '../..');

function filesUnder(dir: string, keep: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

describe('the diagnostic catalogue', () => {
  const docs = readFileSync(join(root, 'docs/diagnostics.md'), 'utf8');

  it('lists every code in docs/diagnostics.md with its title', () => {
    for (const [code, info] of Object.entries(CODES)) {
      expect(docs, `${code} missing from docs/diagnostics.md`).toMatch(new RegExp(`\\|\\s*${code}\\s*\\|\\s*${info.severity}\\s*\\|\\s*${info.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\|`));
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...docs.matchAll(/\|\s*(FLOWC\d{3})\s*\|/g)].map((m) => m[1]);
    for (const code of documented) expect(Object.keys(CODES)).toContain(code);
  });

  it('has a test or golden diagnostics file for every code', () => {
    const texts = [
      ...filesUnder(join(root, 'test'), (p) => p.endsWith('.ts') && !p.endsWith('catalogue.test.ts')),
      ...filesUnder(join(root, 'fixtures'), (p) => p.endsWith('.diagnostics.txt')),
    ].map((p) => readFileSync(p, 'utf8'));
    const all = texts.join('\n');
    const untested = Object.keys(CODES).filter((code) => !all.includes(code));
    expect(untested).toEqual([]);
  });
});
