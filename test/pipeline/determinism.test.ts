import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTargets } from '../../src/pipeline/compile.js';
import { buildLockfile } from '../../src/pipeline/lockfile.js';
import { TARGETS } from '../../src/targets/index.js';
import { fixtureDir, fixtureRequest, validFixtures } from '../helpers/fixtures.js';

const repo = resolve(import.meta.dirname, '../..');

describe('artifacts carry nothing of the machine that compiled them', () => {
  it('no absolute path or host name in any artifact or lockfile of any fixture, and the same bytes twice', () => {
    const host = hostname();
    for (const name of validFixtures()) {
      const compile = () => {
        const r = compileTargets({ ...fixtureRequest(fixtureDir(name)), targets: TARGETS.map((t) => t.id) });
        expect(r.ir, name).toBeDefined();
        return [...r.artifacts, buildLockfile({ ir: r.ir!, resolved: r.resolved!, flowFile: r.flowFile })];
      };
      const first = compile();
      for (const a of first) {
        expect(a.contents, `${name}/${a.path}`).not.toContain(repo);
        if (host.length >= 6) expect(a.contents, `${name}/${a.path}`).not.toContain(host);
      }
      expect(compile()).toEqual(first);
    }
  });
});
