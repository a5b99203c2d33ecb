import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableTopologicalOrder, stableTopologicalOrderOfIndices } from '../../src/ir/toposort.js';

/** Random graphs on n nodes as predecessor lists, cycles and repeated edges included. */
const graphs = fc.integer({ min: 0, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    preds: fc.array(fc.array(fc.integer({ min: 0, max: Math.max(0, n - 1) }), { maxLength: 4 }), { minLength: n, maxLength: n }),
    acyclic: fc.boolean(),
  }),
);

describe('stableTopologicalOrderOfIndices (lowering sorts steps by index)', () => {
  it('gives the order of stableTopologicalOrder on the same graph, cyclic or not', () => {
    fc.assert(
      fc.property(graphs, ({ n, preds: raw, acyclic }) => {
        // Half the cases keep only backward edges (acyclic), so both branches of the sort are hit.
        const preds = raw.map((ps, i) => (acyclic ? ps.filter((j) => j < i) : ps));
        const ids = Array.from({ length: n }, (_, i) => `s${i}`);
        const edges = preds.flatMap((ps, i) => ps.map((j): [string, string] => [`s${j}`, `s${i}`]));
        const expected = stableTopologicalOrder(ids, edges).map((id) => Number(id.slice(1)));
        expect(stableTopologicalOrderOfIndices(n, preds)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('breaks ties by index, not by edge order', () => {
    // 2 and 1 both wait for 0; 1 comes first because it is listed first.
    expect(stableTopologicalOrderOfIndices(3, [[], [0], [0]])).toEqual([0, 1, 2]);
    expect(stableTopologicalOrderOfIndices(3, [[2], [], []])).toEqual([1, 2, 0]);
    // A cycle (0 <-> 1) is appended in index order after the rest.
    expect(stableTopologicalOrderOfIndices(3, [[1], [0], []])).toEqual([2, 0, 1]);
  });
});
