import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { depthFirstOrder, exceedsPartLimits, partitionFlow } from '../../src/ir/partition.js';
import type { IR } from '../../src/ir/types.js';
import { makeIR, param, step } from '../helpers/ir-builders.js';
import { expectPartsCoverFlow } from '../helpers/partition-cover.js';
import { prng } from '../helpers/prng.js';

/** A random DAG flow: step i needs each earlier step with probability p. */
const arbFlow = fc
  .record({ n: fc.integer({ min: 1, max: 60 }), p: fc.double({ min: 0, max: 0.3, noNaN: true }), seed: fc.integer() })
  .map(({ n, p, seed }) => {
    const rand = prng(seed);
    const steps = Array.from({ length: n }, (_, i) => step(`s${i}`, { needs: Array.from({ length: i }, (_, j) => `s${j}`).filter(() => rand() < p) }));
    return makeIR(steps, { parameters: [param({ name: 'date' })] });
  });

/** What the partition says, in the shape a target's test reads back from its files. */
function recovered(ir: IR, maxSteps: number) {
  const partition = partitionFlow(ir, { maxSteps, name: (k) => `demo-p${k}` });
  const parts = partition.parts.map((p) => ({
    name: p.ir.flow.name,
    steps: p.ir.steps.map((s) => s.id),
    edges: p.ir.edges,
    parameters: p.ir.parameters.map((x) => x.name),
    passed: ir.parameters.map((x) => x.name),
  }));
  const partEdges = partition.parts.flatMap((p) => p.needs.map((n) => [`demo-p${n}`, p.ir.flow.name] as [string, string]));
  return { partition, got: { parts, partEdges, parentParameters: ir.parameters.map((x) => x.name) } };
}

describe('partitionFlow', () => {
  it('keeps every step once, every edge inside a part or between ordered parts, and never more than maxSteps per part', () => {
    fc.assert(
      fc.property(arbFlow, fc.integer({ min: 1, max: 20 }), (ir, maxSteps) => {
        const { partition, got } = recovered(ir, maxSteps);
        for (const part of partition.parts) {
          expect(part.ir.steps.length).toBeLessThanOrEqual(maxSteps);
          expect(part.needs.every((n) => n < part.index)).toBe(true);
          for (const s of part.ir.steps) expect(s.needs.every((n) => partition.partOf.get(n) === part.index)).toBe(true);
        }
        expect(partition.parts.length).toBe(Math.max(1, Math.ceil(ir.steps.length / maxSteps)));
        if (partition.parts.length > 1) expectPartsCoverFlow(ir, got, { exactInside: true });
        expect(partition.crossEdges.length + partition.parts.reduce((k, p) => k + p.ir.edges.length, 0)).toBe(ir.edges.length);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same depth-first order whatever the order of ir.edges (successors are sorted, by the small-list sort too)', () => {
    fc.assert(
      fc.property(arbFlow, fc.integer(), (ir, seed) => {
        const rand = prng(seed);
        const shuffled = ir.edges.map((e) => [rand(), e] as const).sort((x, y) => x[0] - y[0]).map(([, e]) => e);
        expect(depthFirstOrder({ ...ir, edges: shuffled })).toEqual(depthFirstOrder(ir));
      }),
      { numRuns: 200 },
    );
  });

  it('respects a weight limit and refuses a step heavier than a whole part', () => {
    const ir = makeIR(Array.from({ length: 10 }, (_, i) => step(`s${i}`, { needs: i > 0 ? [`s${i - 1}`] : [] })));
    const weight = (s: { id: string }): number => (s.id === 's3' ? 5 : 1);
    const partition = partitionFlow(ir, { maxSteps: 100, weight, maxWeight: 6, name: (k) => `p${k}` });
    for (const p of partition.parts) expect(p.ir.steps.reduce((w, s) => w + weight(s), 0)).toBeLessThanOrEqual(6);
    expect(exceedsPartLimits(ir, { maxSteps: 100, weight, maxWeight: 14 })).toBe(false);
    expect(exceedsPartLimits(ir, { maxSteps: 100, weight, maxWeight: 13 })).toBe(true);
    expect(() => partitionFlow(ir, { maxSteps: 100, weight, maxWeight: 4, name: (k) => `p${k}` })).toThrow(/s3.*weighs 5/);
  });

  it('keeps independent chains in parts that do not wait for each other', () => {
    const chain = (c: string) => Array.from({ length: 5 }, (_, i) => step(`${c}${i}`, { needs: i > 0 ? [`${c}${i - 1}`] : [] }));
    const ir = makeIR([...chain('a'), ...chain('b'), ...chain('c')]);
    const partition = partitionFlow(ir, { maxSteps: 5, name: (k) => `p${k}` });
    expect(partition.parts.map((p) => p.ir.steps.map((s) => s.id).join(','))).toEqual(['a0,a1,a2,a3,a4', 'b0,b1,b2,b3,b4', 'c0,c1,c2,c3,c4']);
    expect(partition.parts.map((p) => p.needs)).toEqual([[], [], []]);
    expect(depthFirstOrder(ir)).toHaveLength(15);
  });

  it('gives each part the flow\'s parameters and config, only the secrets it uses and no schedule', () => {
    const ir = makeIR(
      [step('a', { secretEnv: [{ name: 'TOKEN', secret: 'tok', origin: { file: 'f', line: 1, col: 1 } }] }), step('b', { needs: ['a'] })],
      {
        parameters: [param({ name: 'date' }), param({ name: 'n', type: 'integer' })],
        secrets: [
          { name: 'tok', locators: {}, origin: { file: 'f', line: 1, col: 1 } },
          { name: 'other', locators: {}, origin: { file: 'f', line: 1, col: 1 } },
        ],
        schedule: { cron: '0 * * * *', timezone: null, origin: { file: 'f', line: 1, col: 1 } },
      },
    );
    const [p0, p1] = partitionFlow(ir, { maxSteps: 1, name: (k) => `demo-p${k}` }).parts;
    expect(p0?.ir.secrets.map((s) => s.name)).toEqual(['tok']);
    expect(p1?.ir.secrets).toEqual([]);
    expect(p1?.ir.steps[0]?.needs).toEqual([]);
    expect(p1?.needs).toEqual([0]);
    for (const p of [p0, p1]) {
      expect(p?.ir.schedule).toBeNull();
      expect(p?.ir.parameters.map((x) => x.name)).toEqual(['date', 'n']);
      expect(p?.ir.config).toBe(ir.config);
    }
  });

  it('lists step outputs read across parts', () => {
    const ir = makeIR([
      step('a', { outputs: [{ name: 'files', type: 'json', origin: { file: 'f', line: 1, col: 1 } }] }),
      step('b', { needs: ['a'], foreach: { items: [], from: { step: 'a', output: 'files' }, parallelism: null } as never }),
    ]);
    expect(partitionFlow(ir, { maxSteps: 1, name: (k) => `p${k}` }).crossOutputReads).toEqual([{ reader: 'b', producer: 'a', output: 'files' }]);
    expect(partitionFlow(ir, { maxSteps: 2, name: (k) => `p${k}` }).crossOutputReads).toEqual([]);
    // A step that reads the same output twice (its env and its foreach) is listed once.
    const twice = makeIR([
      step('a', { outputs: [{ name: 'files', type: 'json', origin: { file: 'f', line: 1, col: 1 } }] }),
      step('b', {
        needs: ['a'],
        env: [{ name: 'X', value: [{ kind: 'output', step: 'a', output: 'files' }] }],
        foreach: { items: [], from: { step: 'a', output: 'files' }, parallelism: null } as never,
      }),
    ]);
    expect(partitionFlow(twice, { maxSteps: 1, name: (k) => `p${k}` }).crossOutputReads).toEqual([{ reader: 'b', producer: 'a', output: 'files' }]);
  });
});

describe('partIR', () => {
  it('gives the same part as partitionFlow builds from its buckets', async () => {
    const { partIR } = await import('../../src/ir/partition.js');
    fc.assert(
      fc.property(arbFlow, fc.integer({ min: 1, max: 20 }), (ir, maxSteps) => {
        const partition = partitionFlow(ir, { maxSteps, name: (k) => `p${k}` });
        for (const part of partition.parts) {
          expect(partIR(ir, new Set(part.ir.steps.map((s) => s.id)), `p${part.index}`)).toEqual(part.ir);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('partitionFlow balance', () => {
  it('leaves no stub part when steps grow heavier along the order', () => {
    const ir = makeIR(Array.from({ length: 1000 }, (_, i) => step(`s${i}`, { needs: i > 0 ? [`s${i - 1}`] : [] })));
    const weight = (s: { id: string }): number => 100 + Number(s.id.slice(1)) / 10;
    const total = ir.steps.reduce((w, s) => w + weight(s), 0);
    const maxWeight = total / 6.5;
    const parts = partitionFlow(ir, { maxSteps: 10_000, weight, maxWeight, name: (k) => `p${k}` }).parts;
    expect(parts).toHaveLength(7);
    const sizes = parts.map((p) => p.ir.steps.reduce((w, s) => w + weight(s), 0));
    for (const size of sizes) {
      expect(size).toBeLessThanOrEqual(maxWeight);
      expect(size).toBeGreaterThan(total / 7 - 200);
    }
  });
});
