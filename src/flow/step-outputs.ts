import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { Span } from '../source/span.js';
import { type LMap, type LNode, mapGet } from '../source/tree.js';
import type { TemplatePart } from './template.js';

/**
 * `${steps.<step>.outputs.<name>}` (docs/outputs.md): a value known only when that step
 * completes. This module knows what the flow declares (each step's outputs, its needs, whether it
 * is a foreach step) and judges one reference against it; the resolver (resolve.ts) decides in
 * which fields a reference may stand at all (the timing rule).
 */
export interface StepFacts {
  /** Declared outputs, name to type (`json` or `string`), in the order written. */
  outputs: ReadonlyMap<string, string>;
  /** Direct needs after `${...}` resolution; ids that name no step are left to FLOWC301. */
  needs: string[];
  foreach: boolean;
}

const NO_OUTPUTS: ReadonlyMap<string, string> = new Map();

export class StepOutputTable {
  private readonly ancestorCache = new Map<string, Set<string>>();

  constructor(private readonly steps: ReadonlyMap<string, StepFacts>) {}

  /**
   * Facts of every step of a flow tree. `needsOf` gives a step's resolved `needs` node (it may
   * have been a `${...}` reference); outputs are never interpolated, so they are read as written.
   */
  static fromSteps(stepsNode: LNode | undefined, needsOf: (id: string) => LNode | undefined): StepOutputTable {
    const steps = new Map<string, StepFacts>();
    if (stepsNode?.kind !== 'map') return new StepOutputTable(steps);
    for (const e of stepsNode.entries) {
      if (e.value.kind !== 'map') continue;
      const body: LMap = e.value;
      const declared = mapGet(body, 'outputs')?.value;
      // Most steps declare no outputs: they share one empty map (the table never changes one).
      let outputs = NO_OUTPUTS;
      if (declared?.kind === 'map') {
        const own = new Map<string, string>();
        for (const o of declared.entries) {
          const type = o.value.kind === 'map' ? mapGet(o.value, 'type')?.value : undefined;
          own.set(o.key, type?.kind === 'scalar' ? String(type.value) : '');
        }
        outputs = own;
      }
      const needs = needsOf(e.key);
      steps.set(e.key, {
        outputs,
        needs: needs?.kind === 'seq' ? needs.items.flatMap((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? [i.value] : [])) : [],
        foreach: mapGet(body, 'foreach') !== undefined,
      });
    }
    return new StepOutputTable(steps);
  }

  /** Every step `id` waits for through `needs`, directly or not (a cycle is FLOWC302's). */
  ancestors(id: string): Set<string> {
    const cached = this.ancestorCache.get(id);
    if (cached) return cached;
    const seen = new Set<string>();
    const todo = [...(this.steps.get(id)?.needs ?? [])];
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      todo.push(...(this.steps.get(next)?.needs ?? []));
    }
    this.ancestorCache.set(id, seen);
    return seen;
  }

  /**
   * Judges one reference (root `steps`) made from step `stepId` (undefined in `defaults:`),
   * reporting every problem at `span`; true when it names an output the step may read. `use` is
   * `foreach` for a dynamic foreach, which must iterate over a JSON list.
   */
  check(req: { ref: Extract<TemplatePart, { kind: 'ref' }>; span: Span; fieldPath: string; stepId: string | undefined; use: 'text' | 'foreach'; diagnostics: DiagnosticBag }): boolean {
    const { ref, span, fieldPath, stepId, diagnostics: d } = req;
    const raw = ref.raw.trim();
    const [id, outputsKey, name] = ref.path;
    if (ref.path.length !== 3 || typeof id !== 'string' || outputsKey !== 'outputs' || typeof name !== 'string') {
      d.report('FLOWC511', `${fieldPath}: \${${raw}} is not a step output; write \${steps.<step>.outputs.<name>}`, span);
      return false;
    }
    if (stepId === undefined) {
      d.report('FLOWC517', `${fieldPath}: \${${raw}} is a step output, but defaults apply to every step, including '${id}' itself`, span, [
        'use the output in the steps that need it',
      ]);
      return false;
    }
    const producer = this.steps.get(id);
    if (!producer) {
      d.report('FLOWC512', `${fieldPath}: \${${raw}} names no step '${id}'`, span, [...suggestionNotes(id, this.steps.keys()), `steps: ${[...this.steps.keys()].join(', ')}`]);
      return false;
    }
    const type = producer.outputs.get(name);
    if (type === undefined) {
      const names = [...producer.outputs.keys()];
      const notes = suggestionNotes(name, names);
      notes.push(
        names.length === 0
          ? `steps.${id} declares no outputs: add outputs: { ${name}: { type: string } } to it and have it write the file $FLOWC_OUTPUTS/${name}`
          : `steps.${id} declares: ${names.join(', ')}`,
      );
      d.report('FLOWC513', `${fieldPath}: step '${id}' has no output '${name}'`, span, notes);
      return false;
    }
    if (id === stepId) {
      d.report('FLOWC514', `${fieldPath}: step '${id}' reads its own output '${name}', which is known only when the step completes`, span, [
        `inside the step, read the file "$FLOWC_OUTPUTS/${name}" it wrote`,
      ]);
      return false;
    }
    if (!this.ancestors(stepId).has(id)) {
      const own = this.steps.get(stepId)?.needs ?? [];
      d.report(
        'FLOWC515',
        `${fieldPath}: \${${raw}} is an output of step '${id}', which steps.${stepId} does not wait for through needs; an output is known only when its step completes`,
        span,
        [`add it: needs: [${[...own, id].join(', ')}]`],
      );
      return false;
    }
    // A foreach step's output reads as the JSON list of its tasks' values, whatever its type.
    if (req.use === 'foreach' && type !== 'json' && !producer.foreach) {
      d.report('FLOWC516', `${fieldPath}: a dynamic foreach iterates over a JSON list, but output '${name}' of step '${id}' has type ${type}`, span, [
        `declare it as steps.${id}.outputs.${name}: { type: json } and write a JSON list to $FLOWC_OUTPUTS/${name}`,
      ]);
      return false;
    }
    return true;
  }
}
