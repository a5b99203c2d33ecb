import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/project/cache.js';
import { sealEntry, unsealEntry } from '../../src/project/cache-entry.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { canonicalJson, sha256Hex } from '../../src/source/canonical-json.js';
import type { Json } from '../../src/source/tree.js';

// What a warm `flowc build` does per unit (issue 19: a build whose outputs are all cached should
// cost little more than hashing its inputs).
describe('warm build cache', () => {
  it('seals an entry over the text it writes, so verifying it hashes bytes instead of re-serializing the body', () => {
    const body = { z: 1, a: { y: 'text', b: [2, 1] } } as Json;
    const text = sealEntry(body);
    expect(text).toBe(JSON.stringify({ sha256: sha256Hex(JSON.stringify(body)), body }));
    expect(unsealEntry(text)).toEqual({ body });
    // The same body in another key order is the same entry only through the canonical check below.
    expect(JSON.stringify(body)).not.toBe(canonicalJson(body));
  });

  it('still accepts entries sealed over the canonical JSON of their body, and refuses edited ones', () => {
    const body = { z: 1, a: 'x' } as Json;
    const canonical = JSON.stringify({ sha256: sha256Hex(canonicalJson(body)), body });
    expect(unsealEntry(canonical)).toEqual({ body });
    const edited = sealEntry(body).replace('"x"', '"y"');
    expect(unsealEntry(edited)).toEqual({ problem: 'its content hash does not match (edited or corrupted)' });
    expect(unsealEntry(`${sealEntry(body).slice(0, -1)} }`)).toEqual({ body });
  });

  it('hashes each dependency file once per build: one build is one snapshot of its inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cache-warm-'));
    const dep = join(dir, 'app.toml');
    writeFileSync(dep, 'a = 1\n');
    const unit = (name: string): CompileUnit => ({ name, flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir });
    const output = (name: string): UnitOutput => ({
      name,
      ok: true,
      diagnostics: [],
      files: [{ path: `${name}.ir.json`, contents: '{}\n' }],
      configHash: 'h',
      deps: { files: [{ path: dep, sha256: sha256Hex('a = 1\n') }], env: [] },
    });
    const cacheDir = join(dir, 'cache');
    const first = new BuildCache(cacheDir, 'test');
    for (const n of ['one', 'two']) first.store(unit(n), output(n));

    const build = new BuildCache(cacheDir, 'test');
    expect(build.lookup(unit('one'), {})?.fromCache).toBe(true);
    // Edited while this build runs: its other units still see the inputs it started from ...
    writeFileSync(dep, 'a = 2\n');
    expect(build.lookup(unit('two'), {})?.fromCache).toBe(true);
    // ... and the next build sees the edit.
    expect(new BuildCache(cacheDir, 'test').lookup(unit('two'), {})).toBeUndefined();
    expect(build.problems).toEqual([]);
    expect(readdirSync(join(cacheDir, 'deps'))).toHaveLength(2);
    expect(readFileSync(dep, 'utf8')).toBe('a = 2\n');
  });
});
