import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import { outputRefsIn } from '../ir/shell.js';
import type { IR, IROrigin, IRStep } from '../ir/types.js';
import type { Span } from '../source/span.js';

/**
 * What must hold before any process starts (docs/run.md): `--only` names steps the flow has; a
 * selected step reads no output of a step `--only` leaves out (the value would not exist); every
 * secret a selected step reads is set in flowc's environment under the variable's name.
 */
export function preflight(options: { ir: IR; only: string[] | null; env: Record<string, string | undefined>; flowDir: string }): { only: Set<string> | null; diagnostics: Diagnostic[] } {
  const { ir } = options;
  const diagnostics: Diagnostic[] = [];
  const ids = ir.steps.map((s) => s.id);
  let only: Set<string> | null = null;
  if (options.only !== null) {
    only = new Set();
    for (const name of options.only) {
      if (ids.includes(name)) only.add(name);
      else {
        diagnostics.push({ code: 'FLOWC854', severity: 'error', message: `--only ${name}: the flow has no step '${name}'`, notes: [...suggestionNotes(name, ids), `steps: ${ids.join(', ')}`] });
      }
    }
  }
  const selected = ir.steps.filter((s) => only === null || only.has(s.id));
  for (const step of selected) {
    const span = spanOf(options.flowDir, step.origin);
    if (only !== null) {
      for (const ref of stepOutputRefs(step)) {
        if (only.has(ref.step)) continue;
        diagnostics.push({ code: 'FLOWC855', severity: 'error', message: `step '${step.id}' reads \${steps.${ref.step}.outputs.${ref.output}}, but --only leaves out step '${ref.step}', so the value would not exist`, span, notes: [`add it: --only ${[...only, ref.step].join(' ')}`] });
      }
    }
    for (const s of step.secretEnv) {
      if (options.env[s.name] !== undefined) continue;
      diagnostics.push({
        code: 'FLOWC856',
        severity: 'error',
        message: `step '${step.id}' reads secret '${s.secret}' as ${s.name}; flowc run takes it from its own environment variable ${s.name}, which is not set`,
        span: spanOf(options.flowDir, s.origin),
        notes: [`export ${s.name}=... before flowc run (flowc never reads the secret store)`],
      });
    }
  }
  return { only, diagnostics };
}

/** Every output a step reads: in its script or argv, its env, and its dynamic foreach. */
function stepOutputRefs(step: IRStep): { step: string; output: string }[] {
  const strings = [step.exec.kind === 'run' ? [step.exec.script] : step.exec.argv, step.env.map((e) => e.value)].flat();
  const refs = strings.flatMap((s) => outputRefsIn(s));
  if (step.foreach?.from) refs.push(step.foreach.from);
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.step}\0${r.output}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function spanOf(flowDir: string, origin: IROrigin): Span {
  return { file: join(flowDir, origin.file), line: origin.line, col: origin.col };
}
