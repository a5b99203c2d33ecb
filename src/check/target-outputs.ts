import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { stepOutputRefs } from '../ir/shell.js';
import type { IR, IROrigin } from '../ir/types.js';
import type { Target } from '../targets/target.js';

/**
 * Step outputs need each engine's own wiring (docs/outputs.md): a target that has not declared
 * it renders them (`Target.stepOutputs`) is never asked to compile a flow that declares or reads
 * one, since it would drop the values silently. One FLOWC635 per target, at the first `outputs:`
 * entry in the flow file.
 */
export function checkTargetOutputs({ ir, target, diagnostics }: { ir: IR; target: Target; diagnostics: DiagnosticBag }): void {
  if (target.stepOutputs === true || !usesOutputs(ir)) return;
  const first = ir.steps
    .flatMap((s) => s.outputs.map((o) => ({ step: s.id, name: o.name, origin: o.origin })))
    .sort((a, b) => a.origin.line - b.origin.line || a.origin.col - b.origin.col)[0];
  diagnostics.report(
    'FLOWC635',
    `target ${target.id} cannot render step outputs yet, and this flow uses them${first ? ` (first steps.${first.step}.outputs.${first.name})` : ''}`,
    first ? span(first.origin) : undefined,
    ['see docs/outputs.md for the targets that render step outputs and dynamic foreach'],
  );
}

/** True when a step declares an output, reads one, or iterates over one. */
export function usesOutputs(ir: IR): boolean {
  return ir.steps.some((s) => s.outputs.length > 0 || stepOutputRefs(s).length > 0);
}

function span(o: IROrigin): { file: string; line: number; col: number } {
  return { file: o.file, line: o.line, col: o.col };
}
