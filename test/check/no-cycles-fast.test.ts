import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAcyclic, noCycles } from '../../src/check/no-cycles.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { WrittenStep } from '../../src/flow/ast.js';
import type { ResolvedFlow } from '../../src/flow/resolved.js';
import type { LNode } from '../../src/source/tree.js';

const span = { file: '/f.yaml', line: 1, col: 1 };
const scalar = (value: string | number): LNode => ({ kind: 'scalar', value, span });

/** Steps s0..s(n-1); needs may name unknown ids, the step itself, or repeat an id. */
function steps(needs: (number | string)[][]): WrittenStep[] {
  return needs.map((ns, i) => {
    const step = { id: `s${i}`, idSpan: span, node: { kind: 'map', span, entries: [] }, targets: [] } as unknown as WrittenStep;
    step.needs = { kind: 'seq', span, items: ns.map((x) => (typeof x === 'number' ? scalar(`s${x}`) : scalar(x))) };
    return step;
  });
}

/** The oracle: a graph has a cycle iff a depth-first search finds an edge back into its stack. */
function hasCycleByDfs(needs: (number | string)[][]): boolean {
  const state = new Map<number, 'active' | 'done'>();
  const visit = (i: number): boolean => {
    state.set(i, 'active');
    for (const x of needs[i] ?? []) {
      if (typeof x !== 'number' || x === i || x >= needs.length) continue;
      if (state.get(x) === 'active') return true;
      if (state.get(x) === undefined && visit(x)) return true;
    }
    state.set(i, 'done');
    return false;
  };
  for (let i = 0; i < needs.length; i++) if (!state.has(i) && visit(i)) return true;
  return false;
}

const needLists = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom('nope', 7)), { maxLength: 4 }), { minLength: n, maxLength: n }),
);

describe('no-cycles fast path (isAcyclic, Kahn) against a depth-first search', () => {
  it('says acyclic exactly when the search finds no cycle', () => {
    fc.assert(
      fc.property(needLists, (needs) => {
        expect(isAcyclic(steps(needs))).toBe(!hasCycleByDfs(needs));
      }),
      { numRuns: 1000 },
    );
  });

  it('reports FLOWC302 exactly when there is a cycle, self-needs and unknown ids aside', () => {
    fc.assert(
      fc.property(needLists, (needs) => {
        const diagnostics = new DiagnosticBag();
        noCycles({ flow: { steps: steps(needs) } as unknown as ResolvedFlow, diagnostics });
        expect(diagnostics.items.some((d) => d.code === 'FLOWC302')).toBe(hasCycleByDfs(needs));
      }),
      { numRuns: 500 },
    );
  });

  it('sees a cycle through a repeated need', () => {
    expect(isAcyclic(steps([[1, 1], [0]]))).toBe(false);
    expect(isAcyclic(steps([[], [0, 0], [1, 'x', 2]]))).toBe(true);
  });
});
