import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('examples/deploy-variants.mjs', () => {
  it('compiles and plans every variant by default (dry run), each with its own config hash', () => {
    const out = execFileSync(process.execPath, ['examples/deploy-variants.mjs', '--variants', '6'], { cwd: ROOT, encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines.at(-1)).toBe('planned (dry run) 6 of 6 variants to github-actions');
    const hashes = lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(/\s+/)[2]);
    expect(new Set(hashes).size).toBe(6);
  });
});
