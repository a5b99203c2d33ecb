import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { fixtureIR } from '../../helpers/fixtures.js';
import { compiledFixtures } from '../refused.js';
import { aslErrors, aslOrder, checkExecution, closure, compile, fullInput, runMachine, sampleInput, taskStates } from './helpers.js';
import { isBatchDag, runBatchDag } from './batch-sim.js';
import { batchFileProblems } from './register-job-definition.js';
import { usesOutputs } from '../../../src/targets/stepfunctions/datastore.js';

const RUN_ID = 'flowc-test-run-0001';
/** Uneven handler delays, so branches really interleave; deterministic per state and call. */
const delayMs = (state: string, n: number) => (state.length * 7 + n * 3) % 5;

/**
 * Golden bytes are compared once for every target in test/targets/golden.test.ts; here each
 * fixture this target compiles (all but those in test/targets/refused.ts) is validated and run.
 */
describe.each(compiledFixtures('stepfunctions'))('fixture %s', (name) => {
  const ir = fixtureIR(name);
  const compiled = compile(ir);
  const includeConfig = !compiled.diagnostics.items.some((d) => d.code === 'FLOWC606');

  it('compiles without errors to the state machine, the schedule when it can be built, and the job definitions', () => {
    expect(compiled.diagnostics.errors()).toEqual([]);
    // Batch compute (every fixture) always gets its job definitions; a schedule its schedule file.
    const names = [`${ir.flow.name}.asl.json`];
    if (ir.schedule && compiled.artifacts.length === 3) names.push(`${ir.flow.name}.schedule.json`);
    names.push(`${ir.flow.name}.batch.json`);
    expect(compiled.artifacts.map((a) => a.path)).toEqual(names);
  });

  it('passes asl-validator', () => {
    expect(aslErrors(compiled.definition as object)).toEqual([]);
  });

  it('writes valid job definitions, and every step submits to one that holds its image', () => {
    const file = compiled.artifacts.find((a) => a.path === `${ir.flow.name}.batch.json`);
    expect(file).toBeDefined();
    expect(batchFileProblems(file?.contents ?? '')).toEqual([]);
    const images = new Map<string, string>(JSON.parse(file?.contents ?? '').jobDefinitions.map((d: any) => [d.jobDefinitionName, d.containerProperties.image]));
    const tasks = taskStates(compiled.definition as Record<string, any>);
    for (const s of ir.steps) expect(images.get(tasks.get(s.id)?.Parameters.JobDefinition), s.id).toBe(s.image);
  });

  // A flow that is not series-parallel runs as Batch job dependencies (batch-dag.ts): the queue,
  // not the machine, orders the steps, and the run below checks every edge in time.
  const batchDag = isBatchDag(compiled.definition as Record<string, any>);
  if (batchDag) it('runs as Batch job dependencies only when nested blocks would add orderings, and says nothing of added ones', () => {
    expect(lowerGraph(ir).exact).toBe(false);
    expect(compiled.diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(false);
  });
  else it('orders steps as the flow does (exactly, unless FLOWC605 names what was added)', () => {
    const order = aslOrder(compiled.definition as Record<string, any>);
    const required = closure(ir);
    for (const [a, b] of ir.edges) expect(order.has(`${a}>${b}`), `${a} -> ${b}`).toBe(true);
    const extra = [...order].filter((p) => !required.has(p)).sort();
    expect(extra).toEqual(lowerGraph(ir).addedOrderings.map(([a, b]) => `${a}>${b}`).sort());
    expect(compiled.diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(extra.length > 0);
  });

  // A flow with step outputs needs S3 to run: dynamic-shards.test.ts runs it with a stand-in, so
  // this generic run is not defined for it (decided when the tests are collected, never skipped).
  if (!usesOutputs(ir)) it('runs in aws-local-stepfunctions: every step (item) once, every edge in time, parameters and defaults in every step', async () => {
    const def = compiled.definition as Record<string, any>;
    const inputs = ir.parameters.length > 0 ? [sampleInput(ir), fullInput(ir)] : [{}];
    for (const input of inputs) {
      const run = batchDag ? await runBatchDag(def, input, { runId: RUN_ID }) : await runMachine(def, input, { runId: RUN_ID, delayMs });
      if ('refused' in run) expect(run.refused).toEqual([]);
      expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig })).toEqual([]);
      // Task results never replace the state: the run ends with the parameters it started with.
      if (ir.parameters.length > 0) expect((run.output as { params: unknown }).params).toEqual({ ...Object.fromEntries(ir.parameters.filter((p) => p.default !== undefined).map((p) => [p.name, p.default])), ...input });
    }
  });

  it('compiles to the same bytes twice', () => {
    expect(compile(ir).artifacts).toEqual(compiled.artifacts);
  });
});
