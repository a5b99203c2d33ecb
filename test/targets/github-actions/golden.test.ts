import { describe, expect, test } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { ownRunsOn, readOptions } from '../../../src/targets/github-actions/options.js';
import { fixtureIR } from '../../helpers/fixtures.js';
import { compiledFixtures } from '../refused.js';
import { compileGha, lintFindings, parseWorkflow } from './helpers.js';

/** Runner labels a flow configured for this target, which actionlint cannot know without a config file. */
export function configuredLabels(ir: IR): string[] {
  const o = readOptions(ir);
  return [o.runsOn, o.gpuRunsOn ?? [], ...ir.steps.map((s) => ownRunsOn(s) ?? [])].flat();
}

/**
 * Golden bytes are compared once for every target in test/targets/golden.test.ts; here each
 * fixture this target compiles (all but those in test/targets/refused.ts) is linted and checked.
 */
describe('github-actions over the fixtures', () => {
  for (const name of compiledFixtures('github-actions')) {
    test(name, async () => {
      const ir = fixtureIR(name);
      const first = compileGha(ir);
      const second = compileGha(ir);
      expect(first.diagnostics.errors()).toEqual([]);
      const text = first.text as string;
      expect(second.text, 'deterministic output').toBe(text);
      expect(await lintFindings(text, { customLabels: configuredLabels(ir) })).toEqual([]);

      // Structure GitHub relies on: one job per step, needs preserved, FLOWC_STEP as written. Step
      // outputs add the helper jobs (docs/targets/github-actions.md, "Step outputs"), and a job
      // also needs the job holding each output it reads and its own `-items` helper.
      const wf = parseWorkflow(text);
      const helpers = ir.steps.flatMap((s) => [...(s.foreach?.from ? [`${s.id}-items`] : []), ...(s.foreach && s.outputs.length > 0 ? [`${s.id}-outputs`] : [])]);
      expect(Object.keys(wf.jobs).sort()).toEqual([...ir.steps.map((s) => s.id), ...helpers].sort());
      const holder = (id: string) => (ir.steps.find((x) => x.id === id)?.foreach ? `${id}-outputs` : id);
      for (const s of ir.steps) {
        const job = wf.jobs[s.id];
        expect(job.env.FLOWC_STEP).toBe(s.id);
        const strings = [...(s.exec.kind === 'run' ? [s.exec.script] : s.exec.argv), ...s.env.map((e) => e.value)];
        const read = strings.flat().flatMap((p) => (p.kind === 'output' ? [holder(p.step)] : []));
        expect(job.needs ?? []).toEqual([...new Set([...s.needs, ...read, ...(s.foreach?.from ? [`${s.id}-items`] : [])])]);
      }
    });
  }
});
