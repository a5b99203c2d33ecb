import { describe, expect, it } from 'vitest';
import { explain } from '../../src/explain/index.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { TARGETS } from '../../src/targets/index.js';
import { fixtureDir, fixtureRequest, validFixtures } from '../helpers/fixtures.js';

describe('flowc explain finds every step of every valid fixture in every target that compiles it', () => {
  it.each(validFixtures())('%s', (name) => {
    const req = fixtureRequest(fixtureDir(name));
    let explained = 0;
    for (const target of TARGETS) {
      const result = compileTargets({ ...req, targets: [target.id] });
      if (!result.ir || result.diagnostics.some((d) => d.severity === 'error')) continue;
      const e = explain({ ir: result.ir, target, artifacts: result.artifacts, warnings: [], relativize: (p) => p });
      expect(e.steps.map((s) => s.step)).toEqual(result.ir.steps.map((s) => s.id));
      expect(e.foreach.map((f) => f.subject)).toEqual(result.ir.steps.filter((s) => s.foreach).map((s) => s.id));
      // sfn and gcp-workflows write the schedule to a file of its own, and skip it (with a warning)
      // when an option it needs is missing; the others carry it in their one file.
      const writesSchedule = ['ir', 'argo', 'github-actions'].includes(target.id) || result.artifacts.some((a) => /\.(schedule|scheduler)\.json$/.test(a.path));
      expect(e.schedule !== null).toBe(result.ir.schedule !== null && writesSchedule);
      expect(e.secrets.length).toBe(result.ir.steps.reduce((n, s) => n + s.secretEnv.length, 0));
      explained++;
    }
    expect(explained).toBeGreaterThan(0);
  });
});
