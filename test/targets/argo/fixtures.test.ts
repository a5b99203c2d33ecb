import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { fixtureDir, fixtureIR, validFixtures } from '../../helpers/fixtures.js';
import { compileArgo, dagGraph, irGraph, validateArgo } from './helpers.js';
import { expectedContainers, sampleParams, simulate } from './argo-sim.js';

/**
 * Valid fixtures that the Argo target refuses on purpose, with the codes it must report. Every other
 * valid fixture has a golden `expected/<name>.argo.yaml`.
 */
const REFUSED: Record<string, string[]> = {};

describe('argo target over the fixtures', () => {
  for (const name of validFixtures()) {
    const refused = REFUSED[name];
    if (refused) {
      test(`${name}: refused with ${refused.join(', ')}`, () => {
        const ir = fixtureIR(name);
        const { text, diagnostics } = compileArgo(ir);
        expect(text).toBeNull();
        expect(diagnostics.errors().map((d) => d.code)).toEqual(refused);
        // The diagnostics are the golden of a refused fixture, so a change in wording shows up.
        const lines = diagnostics.items.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : ''}${d.message}`);
        expectGolden(join(fixtureDir(name), 'expected', `${ir.flow.name}.argo.diagnostics.txt`), `${lines.join('\n')}\n`);
      });
      continue;
    }
    test(`${name}: golden, schema-valid, DAG equals the flow graph, text reaches containers`, () => {
      const ir = fixtureIR(name);
      const { text, diagnostics } = compileArgo(ir);
      expect(diagnostics.items).toEqual([]);
      expect(text).not.toBeNull();
      expectGolden(join(fixtureDir(name), 'expected', `${ir.flow.name}.argo.yaml`), text as string);

      const docs = validateArgo(text as string);
      const wt = docs[0] as Record<string, any>;
      expect(docs.map((d) => d.kind)).toEqual(ir.schedule ? ['WorkflowTemplate', 'CronWorkflow'] : ['WorkflowTemplate']);

      // Same tasks, same edges: fixtures are small, so no nesting and the graph must match exactly.
      const dag = dagGraph(wt);
      const flowGraph = irGraph(ir);
      expect([...dag.leaves].sort()).toEqual([...flowGraph.leaves].sort());
      expect([...dag.edges].sort()).toEqual([...flowGraph.edges].sort());

      const run = { workflowName: `${wt.metadata.name}-x7k2p`, params: sampleParams(ir) };
      expect(simulate(wt, run)).toEqual(expectedContainers(ir, run));
    });
  }

  test('compiling a fixture twice gives the same bytes', () => {
    for (const name of validFixtures().filter((n) => !REFUSED[n])) {
      expect(compileArgo(fixtureIR(name)).text).toBe(compileArgo(fixtureIR(name)).text);
    }
  });
});
