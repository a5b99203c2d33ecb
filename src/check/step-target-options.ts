import { DiagnosticBag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { WrittenFlow } from '../flow/ast.js';
import type { LMapEntry, LNode } from '../source/tree.js';
import { findTarget } from '../targets/index.js';
import type { Target } from '../targets/target.js';
import { checkOptionsNode } from './target-options.js';

export interface StepTargetOptionsRequest {
  flow: WrittenFlow;
  diagnostics: DiagnosticBag;
  /** The target registry's lookup; tests pass targets of their own. */
  find?: (id: string) => Target | undefined;
}

/**
 * A step's own `targets.<id>` (SPEC section 8) may set only the options that target allows per
 * step (`Target.perStepOptions`, FLOWC609, at the key); the step's options merged over the flow's
 * must then still match the target's options schema (FLOWC601, where each value was written).
 */
export function checkStepTargetOptions({ flow, diagnostics, find = findTarget }: StepTargetOptionsRequest): void {
  for (const step of flow.steps) {
    for (const own of step.targets) {
      const target = find(own.id);
      if (!target || own.node.kind !== 'map') continue;
      const allowed = target.perStepOptions ?? [];
      let ok = true;
      for (const e of own.node.entries) {
        if (allowed.includes(e.key)) continue;
        ok = false;
        diagnostics.report(
          'FLOWC609',
          `steps.${step.id}.targets.${own.id}.${e.key}: ${target.engine} does not allow '${e.key}' per step`,
          e.keySpan,
          [allowed.length > 0 ? `options allowed per step for ${own.id}: ${allowed.join(', ')}` : `no option of ${own.id} can be set per step yet; set it in the flow's targets.${own.id}`],
        );
      }
      if (!ok) continue;
      const flowLevel = flow.targets.find((t) => t.id === own.id)?.node;
      const path = `steps.${step.id}.targets.${own.id}`;
      const effective = mergeNodes(flowLevel, own.node);
      const merged = new DiagnosticBag();
      const valid = checkOptionsNode({ target, node: effective, path, diagnostics: merged });
      // A problem in the flow's own options is reported once, by the flow-level check, not again
      // for every step that overrides something else of the same target.
      const atFlowLevel = new Set(flowLevel ? flowLevelProblems(target, flowLevel, own.id) : []);
      diagnostics.addAll(merged.items.filter((d) => !atFlowLevel.has(problemKey(d))));
      if (valid) {
        target.checkWrittenOptions?.({ node: own.node, effective, path, secretNames: flow.secrets.map((s) => s.name), diagnostics });
      }
    }
  }
}

/** `over` laid on `base` as located nodes: maps merge key by key, anything else replaces. */
function mergeNodes(base: LNode | undefined, over: LNode): LNode {
  if (base?.kind !== 'map' || over.kind !== 'map') return over;
  const entries: LMapEntry[] = base.entries.map((e) => ({ ...e }));
  for (const e of over.entries) {
    const i = entries.findIndex((x) => x.key === e.key);
    if (i < 0) entries.push(e);
    else entries[i] = { ...e, value: mergeNodes((entries[i] as LMapEntry).value, e.value) };
  }
  return { ...over, entries };
}

function flowLevelProblems(target: Target, node: LNode, id: string): string[] {
  const bag = new DiagnosticBag();
  checkOptionsNode({ target, node, path: `targets.${id}`, diagnostics: bag });
  return bag.items.map(problemKey);
}

function problemKey(d: Diagnostic): string {
  return `${d.code}|${d.span?.file}:${d.span?.line}:${d.span?.col}`;
}
