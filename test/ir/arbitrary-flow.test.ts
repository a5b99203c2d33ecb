import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIR } from '../helpers/arbitrary-flow.js';

describe('arbIR (the random-flow generator the target property tests rely on)', () => {
  it('produces acyclic graphs whose edges match needs and point backwards in step order', () => {
    fc.assert(
      fc.property(arbIR({ maxSteps: 15 }), (ir) => {
        const index = new Map(ir.steps.map((s, i) => [s.id, i]));
        const fromNeeds = ir.steps.flatMap((s) => s.needs.map((n) => `${n}>${s.id}`)).sort();
        expect(ir.edges.map(([a, b]) => `${a}>${b}`).sort()).toEqual(fromNeeds);
        for (const [a, b] of ir.edges) expect(index.get(a)!).toBeLessThan(index.get(b)!);
        for (const s of ir.steps) {
          const parts = s.exec.kind === 'run' ? s.exec.script : s.exec.argv.flat();
          for (const p of parts) {
            if (p.kind === 'item') expect(s.foreach).not.toBeNull();
            if (p.kind === 'param') expect(ir.parameters.map((q) => q.name)).toContain(p.name);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with seriesParallelOnly never produces the N-shaped forbidden subgraph on 4 nodes', () => {
    // A graph is series-parallel (in the two-terminal sense used for lowering) iff its transitive
    // reduction has no induced "N" (a->c, b->c, b->d, without a->d).
    fc.assert(
      fc.property(arbIR({ maxSteps: 9, seriesParallelOnly: true }), (ir) => {
        const reach = new Map<string, Set<string>>();
        for (const s of ir.steps) {
          const r = new Set<string>();
          for (const n of s.needs) {
            r.add(n);
            for (const x of reach.get(n) ?? []) r.add(x);
          }
          reach.set(s.id, r);
        }
        const before = (x: string, y: string) => reach.get(y)!.has(x);
        const ids = ir.steps.map((s) => s.id);
        for (const a of ids) for (const b of ids) for (const c of ids) for (const d of ids) {
          if (new Set([a, b, c, d]).size < 4) continue;
          const n = before(a, c) && before(b, c) && before(b, d) && !before(a, d) && !before(a, b) && !before(b, a) && !before(c, d) && !before(d, c);
          expect(n).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
