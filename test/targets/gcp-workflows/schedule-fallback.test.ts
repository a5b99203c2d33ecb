import { describe, expect, it } from 'vitest';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { checkExecution, compile, execute, makeIR, sampleArgs, step } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';
import { prng } from '../../helpers/prng.js';

/**
 * A worker pool writes about 1 KB per step (its tables and waits), the blocks a few hundred bytes:
 * a wide graph whose pool is over the 128 KB source limit can still run as one workflow of
 * parallel branches. Found by test/fuzz/valid-flows.property.test.ts: such a flow was cut into
 * children (which keep the blocks anyway) that each waited for a whole earlier one.
 */
function wideRandomFlow(n: number): IR {
  const rand = prng(7);
  const steps: IRStep[] = [];
  for (let j = 0; j < n; j++) {
    const needs: string[] = [];
    for (let i = 0; i < j; i++) if (rand() < 1.5 / n) needs.push(`s${i}`);
    steps.push(step(`s${j}`, { needs }));
  }
  return makeIR(steps);
}

describe('a DAG schedule over the source limit falls back to blocks before the flow is cut', () => {
  it('150 steps: one workflow of parallel branches, FLOWC656 saying why, every edge kept by the structure', async () => {
    const ir = wideRandomFlow(150);
    const { artifacts, diagnostics, yaml } = compile(ir);
    expect(artifacts.filter((a) => a.path.endsWith('.gcp.yaml')).map((a) => a.path)).toEqual(['demo.gcp.yaml']);
    const codes = diagnostics.items.map((d) => d.code);
    expect(codes).not.toContain('FLOWC688');
    expect(codes).not.toContain('FLOWC657');
    const why = diagnostics.items.find((d) => d.code === 'FLOWC656')?.message ?? '';
    expect(why).toMatch(/its DAG schedule does not fit one workflow \(the Workflows definition is \d+ bytes, \d+ over the limit of 131072 bytes/);
    expect(Buffer.byteLength(yaml, 'utf8')).toBeLessThanOrEqual(131072);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(ir, yaml)).toEqual([]);
    expect(checkExecution(ir, await execute(yaml, sampleArgs(ir)))).toEqual([]);
  });

  it('a pool that fits is kept (120 steps)', () => {
    const { artifacts, diagnostics } = compile(wideRandomFlow(120));
    expect(artifacts.filter((a) => a.path.endsWith('.gcp.yaml'))).toHaveLength(1);
    expect(diagnostics.items.map((d) => d.code)).toContain('FLOWC657');
  });
});
