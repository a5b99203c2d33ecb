import { describe, expect, it } from 'vitest';
import { isCode } from '../../src/project/fingerprint.js';

// The build cache is keyed by the compiler's fingerprint: a file that runs but is left out of it
// lets an upgraded compiler serve entries made by the old one.
describe('compiler fingerprint', () => {
  it('covers every file that runs, including the CommonJS ajv bundle and generated validators', () => {
    for (const p of ['dist/cli/main.js', 'dist/bundle/ajv.cjs', 'dist/validators/generated/flow_7f52.cjs', 'dist/x.mjs', 'src/ir/lower.ts']) expect(isCode(p), p).toBe(true);
  });
  it('leaves out type declarations, maps and caches, which change nothing that runs', () => {
    for (const p of ['dist/ir/lower.d.ts', 'dist/ir/lower.js.map', 'dist/bundle/flowc.code-cache', 'dist/x.json']) expect(isCode(p), p).toBe(false);
  });
});
