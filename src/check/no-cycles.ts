import type { RuleContext } from './rule.js';
import { needsOf } from './needs-of.js';

/**
 * The step graph is acyclic (FLOWC302). Each cycle is reported once, at the `needs` entry that
 * closes it, with the whole path (`a -> b -> c -> a`) so the user sees which edge to cut.
 */
export function noCycles({ flow, diagnostics }: RuleContext): void {
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
