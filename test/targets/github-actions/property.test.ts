import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { arbIR } from '../../helpers/arbitrary-flow.js';
import { compileGha, lintFindings, parseWorkflow } from './helpers.js';

describe('github-actions on random valid flows', () => {
  test('every workflow is clean under actionlint, including its script-injection checks', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 8 }), async (random) => {
        // A GPU step needs its own runner (FLOWC631, tested below and in workflow.test.ts).
        const ir = withGpuRunner(random);
        const { text, diagnostics } = compileGha(ir);
        expect(diagnostics.errors()).toEqual([]);
        expect(text).not.toBeNull();
        expect(await lintFindings(text as string, { customLabels: ['gpu-runner'] })).toEqual([]);
        const wf = parseWorkflow(text as string);
        // One job per step with the same needs; no expression text in any script.
        expect(Object.keys(wf.jobs).sort()).toEqual(ir.steps.map((s) => s.id).sort());
        for (const s of ir.steps) {
          const job = wf.jobs[s.id];
          expect(job.needs ?? []).toEqual(s.needs);
          const run: string = job.steps[0].run;
          expect(run.replaceAll("${{ '${{' }}", '')).not.toContain('${{');
          if (s.foreach) expect(job.strategy.matrix.include).toHaveLength(s.foreach.items.length);
        }
        // Deterministic byte for byte.
        expect(compileGha(ir).text).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  test('target options, timezones and foreach item paths keep workflows clean', async () => {
    const variant = fc.record({
      container: fc.boolean(),
      runsOn: fc.constantFrom<string | string[]>('ubuntu-latest', ['self-hosted', 'linux'], 'ubuntu-22.04'),
      gpuRunsOn: fc.option(fc.constantFrom<string | string[]>(['self-hosted', 'gpu'], 'gpu-runner'), { nil: undefined }),
      timezone: fc.constantFrom(null, 'Europe/Amsterdam', 'America/New_York', 'UTC'),
      mapItems: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 6 }), variant, async (base, v) => {
        const ir: IR = {
          ...base,
          schedule: base.schedule ? { ...base.schedule, timezone: v.timezone } : null,
          targets: { 'github-actions': { container: v.container, runsOn: v.runsOn, ...(v.gpuRunsOn ? { gpuRunsOn: v.gpuRunsOn } : {}) } },
          steps: base.steps.map((s) =>
            v.mapItems && s.foreach
              ? {
                  ...s,
                  foreach: { ...s.foreach, items: s.foreach.items.map((it, i) => ({ name: it, n: i, tags: ['a', "b'}}"] })) },
                  env: [...s.env, { name: 'ITEM_NAME', value: [{ kind: 'item', path: ['name'] }] }],
                  exec: s.exec.kind === 'run' ? { kind: 'run', script: [...s.exec.script, { kind: 'lit', value: ' ' }, { kind: 'item', path: ['tags', 1] }] } : s.exec,
                }
              : s,
          ),
        };
        const { text, diagnostics } = compileGha(ir);
        if (v.gpuRunsOn === undefined && ir.steps.some((s) => s.resources.gpu > 0)) {
          expect(diagnostics.errors().map((d) => d.code)).toEqual(ir.steps.filter((s) => s.resources.gpu > 0).map(() => 'FLOWC631'));
          expect(text).toBeNull();
          return;
        }
        expect(diagnostics.errors()).toEqual([]);
        const labels = ['linux', 'gpu', 'gpu-runner'];
        expect(await lintFindings(text as string, { customLabels: labels })).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

function withGpuRunner(ir: IR): IR {
  if (!ir.steps.some((s) => s.resources.gpu > 0)) return ir;
  const gha = (ir.targets['github-actions'] ?? {}) as Record<string, unknown>;
  return { ...ir, targets: { ...ir.targets, 'github-actions': { ...gha, gpuRunsOn: 'gpu-runner' } } };
}
