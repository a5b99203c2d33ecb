import type { WrittenStep } from '../flow/ast.js';
import type { LNode } from '../source/tree.js';
import type { RuleContext } from './rule.js';
import { needsOf } from './needs-of.js';

/**
 * The step graph is acyclic (FLOWC302). Each cycle is reported once, at the `needs` entry that
 * closes it, with the whole path (`a -> b -> c -> a`) so the user sees which edge to cut.
 */
export function noCycles({ flow, diagnostics }: RuleContext): void {
  // Most flows have no cycle: proving that takes one pass over flat arrays; the search below,
  // which finds and words each cycle, runs only when there is one.
  if (isAcyclic(flow.steps)) return;
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();

  const visit = (id: string): void => {
    state.set(id, 'active');
    stack.push(id);
    const step = byId.get(id);
    for (const need of step ? needsOf(step) : []) {
      if (!byId.has(need.id) || need.id === id) continue;
      const s = state.get(need.id);
      if (s === 'active') {
        const cycle = stack.slice(stack.indexOf(need.id));
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          // Edges run from a need to its dependant, so print the cycle in execution order.
          const path = [...cycle].reverse();
          diagnostics.report('FLOWC302', `dependency cycle: ${[...path, path[0]].join(' -> ')}`, need.span, [
            `'${id}' needs '${need.id}', which (through needs) already waits for '${id}'`,
          ]);
        }
      } else if (s === undefined) {
        visit(need.id);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };

  for (const step of flow.steps) if (!state.has(step.id)) visit(step.id);
}

/**
 * True when the `needs` graph has no cycle, self-needs and unknown ids aside (the search above
 * skips those too; other rules report them): Kahn's algorithm places every step exactly when the
 * graph is acyclic.
 */
export function isAcyclic(steps: readonly WrittenStep[]): boolean {
  const n = steps.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set((steps[i] as WrittenStep).id, i);
  // The edges are read twice (counted, then placed) into flat rows: no array per step or per edge.
  const indegree = new Int32Array(n);
  const start = new Int32Array(n + 1);
  for (let pass = 0; pass < 2; pass++) {
    const fill = pass === 0 ? start : start.slice(0, n);
    const succ = pass === 0 ? undefined : new Int32Array(start[n] as number);
    for (let i = 0; i < n; i++) {
      const needs = (steps[i] as WrittenStep).needs;
      if (needs?.kind !== 'seq') continue;
      const items = needs.items;
      for (let k = 0; k < items.length; k++) {
        const item = items[k] as LNode;
        if (item.kind !== 'scalar' || typeof item.value !== 'string') continue;
        const j = index.get(item.value);
        if (j === undefined || j === i) continue;
        if (succ === undefined) {
          (fill[j + 1] as number)++;
          (indegree[i] as number)++;
        } else succ[(fill[j] as number)++] = i;
      }
    }
    if (succ === undefined) {
      for (let i = 0; i < n; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
      continue;
    }
    const ready: number[] = [];
    for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
    let placed = 0;
    for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
      placed++;
      const end = start[i + 1] as number;
      for (let e = start[i] as number; e < end; e++) {
        const j = succ[e] as number;
        if (--(indegree[j] as number) === 0) ready.push(j);
      }
    }
    return placed === n;
  }
  return true;
}
