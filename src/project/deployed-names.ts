import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';
import { findTarget } from '../targets/index.js';

/** A binding or sweep variant as far as deploying goes: its name and the targets it builds for. */
export interface DeployedUnit {
  name: string;
  targets: string[];
  /** Where the name is written (a binding's `name:` in flowc.yaml); none for sweep variants. */
  span?: Span;
}

/**
 * Two bindings (or sweep variants) whose names differ only by what a target's sanitizing removes
 * (`model` and `model-` are both the Argo WorkflowTemplate `model`) would deploy as one object, the
 * last one applied silently replacing the other. Reports each such pair per target as FLOWC602
 * (SPEC section 2), at the later unit, before anything is compiled or written.
 */
export function checkDeployedNames(o: { units: readonly DeployedUnit[]; noun: 'binding' | 'variant'; diagnostics: DiagnosticBag }): void {
  const seen = new Map<string, DeployedUnit>();
  for (const unit of o.units) {
    for (const id of unit.targets) {
      const target = findTarget(id);
      if (!target?.deployment) continue;
      const deployed = target.deployment.name(unit.name);
      const key = `${target.id}\u0000${deployed}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, unit);
        continue;
      }
      o.diagnostics.report(
        'FLOWC602',
        `${o.noun}s '${first.name}' and '${unit.name}' both deploy as '${deployed}' on ${target.id} (${target.deployment.what}); the one deployed last would replace the other`,
        unit.span ?? first.span,
        [`rename one of them so the names differ after ${target.id}'s sanitizing`],
      );
    }
  }
}
