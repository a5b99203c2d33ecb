import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { expectGolden } from '../../helpers/golden.js';
import { fixtureDir, fixtureIR, validFixtures } from '../../helpers/fixtures.js';
import { aslErrors, aslOrder, checkExecution, closure, compile, diagnosticsText, fullInput, runMachine, sampleInput, taskStates } from './helpers.js';
import { batchFileProblems } from './register-job-definition.js';

const RUN_ID = 'flowc-test-run-0001';
/** Uneven handler delays, so branches really interleave; deterministic per state and call. */
const delayMs = (state: string, n: number) => (state.length * 7 + n * 3) % 5;

describe.each(validFixtures())('fixture %s', (name) => {
  const ir = fixtureIR(name);
  const compiled = compile(ir);
  const expected = join(fixtureDir(name), 'expected');
  const rejected = compiled.diagnostics.hasErrors();
  const includeConfig = !compiled.diagnostics.items.some((d) => d.code === 'FLOWC621');

  it('matches its golden files', () => {
    if (rejected) {
      // A fixture this target refuses keeps its diagnostics as the golden, so a change shows up.
      expectGolden(join(expected, `${ir.flow.name}.sfn.diagnostics.txt`), diagnosticsText(compiled.diagnostics));
      expect(compiled.artifacts).toEqual([]);
      return;
    }
    for (const a of compiled.artifacts) expectGolden(join(expected, a.path), a.contents);
    // Batch compute (every fixture) always gets its job definitions; a schedule its schedule file.
    const names = [`${ir.flow.name}.asl.json`];
    if (ir.schedule && compiled.artifacts.length === 3) names.push(`${ir.flow.name}.schedule.json`);
    names.push(`${ir.flow.name}.batch.json`);
    expect(compiled.artifacts.map((a) => a.path)).toEqual(names);
  });

  it('passes asl-validator', () => {
    if (rejected) return;
    expect(aslErrors(compiled.definition as object)).toEqual([]);
  });

  it('writes valid job definitions, and every step submits to one that holds its image', () => {
    if (rejected) return;
    const file = compiled.artifacts.find((a) => a.path === `${ir.flow.name}.batch.json`);
    expect(file).toBeDefined();
    expect(batchFileProblems(file?.contents ?? '')).toEqual([]);
    const images = new Map<string, string>(JSON.parse(file?.contents ?? '').jobDefinitions.map((d: any) => [d.jobDefinitionName, d.containerProperties.image]));
    const tasks = taskStates(compiled.definition as Record<string, any>);
    for (const s of ir.steps) expect(images.get(tasks.get(s.id)?.Parameters.JobDefinition), s.id).toBe(s.image);
  });

  it('orders steps as the flow does (exactly, unless FLOWC605 names what was added)', () => {
    if (rejected) return;
    const order = aslOrder(compiled.definition as Record<string, any>);
    const required = closure(ir);
    for (const [a, b] of ir.edges) expect(order.has(`${a}>${b}`), `${a} -> ${b}`).toBe(true);
    const extra = [...order].filter((p) => !required.has(p)).sort();
    expect(extra).toEqual(lowerGraph(ir).addedOrderings.map(([a, b]) => `${a}>${b}`).sort());
    expect(compiled.diagnostics.items.some((d) => d.code === 'FLOWC605')).toBe(extra.length > 0);
  });

  it('runs in aws-local-stepfunctions: every step (item) once, every edge in time, parameters and defaults in every step', async () => {
    if (rejected) return;
    const def = compiled.definition as Record<string, any>;
    const inputs = ir.parameters.length > 0 ? [sampleInput(ir), fullInput(ir)] : [{}];
    for (const input of inputs) {
      const run = await runMachine(def, input, { runId: RUN_ID, delayMs });
      expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig })).toEqual([]);
      // Task results never replace the state: the run ends with the parameters it started with.
      if (ir.parameters.length > 0) expect((run.output as { params: unknown }).params).toEqual({ ...Object.fromEntries(ir.parameters.filter((p) => p.default !== undefined).map((p) => [p.name, p.default])), ...input });
    }
  });

  it('compiles to the same bytes twice', () => {
    expect(compile(ir).artifacts).toEqual(compiled.artifacts);
  });
});
