import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { canonicalJson } from '../../../src/source/canonical-json.js';
import type { Json } from '../../../src/source/tree.js';
import { arbIR } from '../../helpers/arbitrary-flow.js';
import { aslErrors, compile, withoutBackslashes } from './helpers.js';
import { FakeS3, type JobRecord, runWithOutputs } from './outputs-harness.js';

const RUN_ID = 'prop-outputs-run';
const envName = (step: string) => `IN_${step.toUpperCase()}`;
const itemText = (v: Json) => (typeof v === 'string' ? v : canonicalJson(v));

/**
 * Every step publishes `v` and reads the `v` of each step it needs through its env, so values
 * must cross every shape the lowering makes: Parallel branches (gathered into `$.outputs`),
 * inline and Distributed Maps (static foreach producers: a list in item order) and plain chains.
 */
function withOutputs(ir: IR): IR {
  const steps = ir.steps.map((s): IRStep => {
    const own = s.env.filter((e) => !e.name.startsWith('IN_'));
    const reads = s.needs.map((n) => ({ name: envName(n), value: [{ kind: 'output' as const, step: n, output: 'v' }] }));
    return { ...s, outputs: [{ name: 'v', type: 'string', origin: s.origin }], env: [...own, ...reads].sort((a, b) => (a.name < b.name ? -1 : 1)) };
  });
  return { ...ir, steps, targets: { stepfunctions: { jobQueue: 'q', jobDefinition: 'jd', datastore: 's3://prop-bucket/p' } } };
}

/** What a consumer must see of `step`'s `v`: its text, or for a foreach step the JSON list of its tasks' texts. */
function expected(step: IRStep): string {
  if (!step.foreach) return `${step.id}:`;
  // aws-local-stepfunctions drops the backslashes of intrinsic results (helpers.ts).
  return withoutBackslashes(JSON.stringify(step.foreach.items.map((i) => `${step.id}:${itemText(i)}`)));
}

const s3s: FakeS3[] = [];
afterAll(() => {
  for (const s of s3s) s.clean();
});

describe('random flows where every step reads what its needs publish', () => {
  it('compile, validate and deliver every value, in item order for foreach producers', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 16 }), async (base) => {
        const ir = withOutputs(base);
        const c = compile(ir);
        expect(c.diagnostics.errors()).toEqual([]);
        const def = c.definition as Record<string, any>;
        expect(aslErrors(def)).toEqual([]);
        const s3 = new FakeS3();
        s3s.push(s3);
        const input = Object.fromEntries(ir.parameters.filter((p) => p.required).map((p) => [p.name, p.type === 'string' ? 's' : p.type === 'boolean' ? true : 1]));
        const simulate = (job: JobRecord) => ({ v: `${job.state}:${job.env.FLOWC_ITEM ?? ''}` });
        const run = await runWithOutputs(def, input, { runId: RUN_ID, s3, simulate, delayMs: (s, n) => (s.length + 2 * n) % 4 });
        expect(run.error).toBeUndefined();
        const steps = new Map(ir.steps.map((s) => [s.id, s]));
        for (const job of run.jobs) {
          const step = steps.get(job.state) as IRStep;
          for (const n of step.needs) expect(job.env[envName(n)], `${step.id} reads ${n}`).toBe(expected(steps.get(n) as IRStep));
        }
        expect(run.jobs.length).toBe(ir.steps.reduce((k, s) => k + (s.foreach ? s.foreach.items.length : 1), 0));
      }),
      { numRuns: 12 },
    );
  });
});
