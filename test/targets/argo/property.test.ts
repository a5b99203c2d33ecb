import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbIR } from '../../helpers/arbitrary-flow.js';
import { compileArgo, dagGraph, irGraph, validateArgo } from './helpers.js';
import { expectedContainers, sampleParams, simulate } from './argo-sim.js';

describe('argo target over random valid flows', () => {
  test('every output passes the schema, its DAG equals the graph, and literal text arrives intact', () => {
    fc.assert(
      fc.property(arbIR({ maxSteps: 12 }), (ir) => {
        const first = compileArgo(ir);
        expect(first.diagnostics.items).toEqual([]);
        const text = first.text as string;
        expect(compileArgo(structuredClone(ir)).text).toBe(text);

        const docs = validateArgo(text);
        const wt = docs[0] as Record<string, any>;
        expect(docs).toHaveLength(ir.schedule ? 2 : 1);

        const dag = dagGraph(wt);
        const flowGraph = irGraph(ir);
        expect([...dag.leaves].sort()).toEqual([...flowGraph.leaves].sort());
        expect([...dag.edges].sort()).toEqual([...flowGraph.edges].sort());

        const run = { workflowName: `${wt.metadata.name}-abcde`, params: sampleParams(ir) };
        expect(simulate(wt, run)).toEqual(expectedContainers(ir, run));
      }),
      { numRuns: 150 },
    );
  });
});
