import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('Graphviz is loaded only for flowc graph --format svg', () => {
  it('no module imports @hpcc-js/wasm-graphviz or graph/svg statically', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      if (/^import[^;]*from '(?:@hpcc-js\/wasm-graphviz|[./]*(?:graph\/)?svg\.js)'/m.test(text)) offenders.push(relative(SRC, file));
    }
    expect(offenders).toEqual([]);
    expect(readFileSync(join(SRC, 'graph/svg.ts'), 'utf8')).toContain("await import('@hpcc-js/wasm-graphviz')");
    expect(readFileSync(join(SRC, 'cli/commands/graph.ts'), 'utf8')).toContain("await import('../../graph/svg.js')");
  });
});
