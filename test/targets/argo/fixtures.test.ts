import { describe, expect, test } from 'vitest';
import { fixtureIR } from '../../helpers/fixtures.js';
import { compiledFixtures } from '../refused.js';
import { compileArgo, dagGraph, irGraph, validateArgo } from './helpers.js';
import { expectedContainers, sampleParams, sampleSecrets, simulate } from './argo-sim.js';
import { outputVariables, runWithSampleOutputs, SAMPLE_SHARDS } from './outputs-oracle.js';

/**
 * The golden bytes of every fixture are compared once, for every target, in test/targets/golden.test.ts;
 * here each compiled fixture passes the Argo schema, keeps the flow's graph and runs in the simulator.
 * Fixtures Argo refuses are listed in test/targets/refused.ts.
 */
describe('argo target over the fixtures', () => {
  for (const name of compiledFixtures('argo')) {
    test(`${name}: schema-valid, DAG equals the flow graph, text reaches containers`, () => {
      const ir = fixtureIR(name);
      const { text, diagnostics } = compileArgo(ir);
      expect(diagnostics.items).toEqual([]);
      expect(text).not.toBeNull();

      const docs = validateArgo(text as string);
      const wt = docs[0] as Record<string, any>;
      expect(docs.map((d) => d.kind)).toEqual(ir.schedule ? ['WorkflowTemplate', 'CronWorkflow'] : ['WorkflowTemplate']);

      // Same tasks, same edges: fixtures are small, so no nesting and the graph must match exactly.
      const dag = dagGraph(wt);
      const flowGraph = irGraph(ir);
      expect([...dag.leaves].sort()).toEqual([...flowGraph.leaves].sort());
      expect([...dag.edges].sort()).toEqual([...flowGraph.edges].sort());

      if (ir.steps.some((s) => s.outputs.length > 0)) {
        // Step outputs: run it, producers writing sample values, and compare what each consumer got.
        const { run, expectedText } = runWithSampleOutputs(ir, wt);
        expect(run.message).toBe('');
        expect(run.phase).toBe('Succeeded');
        const { got, want } = outputVariables(ir, run, expectedText);
        expect(got.length).toBeGreaterThan(0);
        expect(got).toEqual(want);
        for (const s of ir.steps.filter((x) => x.foreach?.from)) expect(run.containers.get(s.id.replace(/_/g, '-').replace(/-+$/, ''))).toHaveLength(SAMPLE_SHARDS.length);
        return;
      }
      const run = { workflowName: `${wt.metadata.name}-x7k2p`, params: sampleParams(ir), secrets: sampleSecrets(ir) };
      expect(simulate(wt, run)).toEqual(expectedContainers(ir, run));
    });
  }

  test('compiling a fixture twice gives the same bytes', () => {
    for (const name of compiledFixtures('argo')) {
      expect(compileArgo(fixtureIR(name)).text).toBe(compileArgo(fixtureIR(name)).text);
    }
  });
});
