import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';
import type { CompileUnit, UnitOutput } from './unit.js';
import type { JobFailure } from './worker-pool.js';

/**
 * The diagnostics of many units as one list: each carries the units it came from (`units`,
 * printed as "in bindings a, b"), and the same problem in several units (they usually share a
 * flow) is one entry rather than one per variant; text output also merges entries that differ
 * only by the unit's own name (src/diagnostics/unit-groups.ts). Then one FLOWC709 per failing
 * unit, so every failure is named even when its problems were merged into another's.
 */
export function unitDiagnostics(options: { outputs: UnitOutput[]; noun: 'binding' | 'variant'; spans?: Map<string, Span> }): Diagnostic[] {
  const groups = new Map<string, { d: Diagnostic; names: string[] }>();
  for (const out of options.outputs) {
    for (const d of out.diagnostics) {
      // The whole span: the same start with another end is another place (another code frame).
      const key = JSON.stringify([d.code, d.severity, d.message, d.span?.file, d.span?.line, d.span?.col, d.span?.endLine, d.span?.endCol, d.notes ?? []]);
      const g = groups.get(key);
      if (g) g.names.push(out.name);
      else groups.set(key, { d, names: [out.name] });
    }
  }
  const merged: Diagnostic[] = [];
  for (const { d, names } of groups.values()) merged.push({ ...d, units: { noun: options.noun, names } });
  for (const out of options.outputs) {
    if (out.ok) continue;
    const errors = out.diagnostics.filter((d) => d.severity === 'error').length;
    const d: Diagnostic = {
      code: 'FLOWC709',
      severity: 'error',
      message: `${options.noun} '${out.name}' failed to compile (${errors} error${errors === 1 ? '' : 's'}); nothing was written`,
    };
    const span = options.spans?.get(out.name);
    if (span) d.span = span;
    merged.push(d);
  }
  return merged;
}

/**
 * A unit whose compile threw, in a worker or in this thread (or whose worker died): one FLOWC716
 * for it, without a stack trace unless `debug` (FLOWC_DEBUG=1). The build goes on with the other
 * units and exits 1 like any failed unit; it never exits 70 for one unit's input.
 */
export function failedUnit(unit: Pick<CompileUnit, 'name'>, failure: JobFailure, debug: boolean): UnitOutput {
  const notes = ['this is probably a bug in flowc (or an input it does not yet bound): please report it with the input that caused it'];
  // One note per stack line: diagnostics print each note on one line, with newlines escaped.
  if (debug && failure.stack) notes.push(...failure.stack.split('\n'));
  else notes.push('run again with FLOWC_DEBUG=1 for a stack trace');
  return {
    name: unit.name,
    ok: false,
    files: [],
    diagnostics: [{ code: 'FLOWC716', severity: 'error', message: `compiling '${unit.name}' failed unexpectedly: ${failure.message}`, notes }],
  };
}
