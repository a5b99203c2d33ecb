import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IROrigin } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { Json } from '../../source/tree.js';
import { toDnsLabel } from './names.js';
import { hasTemplateTag } from './render-string.js';

/** A diagnostic span for an IR origin (the IR keeps flow locations relative to the flow's folder). */
export function originSpan(origin: IROrigin): Span {
  return { file: origin.file, line: origin.line, col: origin.col };
}

/**
 * Task names: each step id sanitized to a DNS-1123 label (`_` -> `-`). Two steps that end up with
 * the same name are FLOWC602, reported at the later step. Returns task names by step id.
 */
export function assignTaskNames(ir: IR, diagnostics: DiagnosticBag): Map<string, string> {
  const names = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const step of ir.steps) {
    const name = toDnsLabel(step.id) || 'step';
    const first = owner.get(name);
    if (first !== undefined) {
      diagnostics.report(
        'FLOWC602',
        `steps '${first}' and '${step.id}' both become the Argo task name '${name}' (Argo names allow only a-z, 0-9 and '-', and end with a letter or digit); rename one of them`,
        originSpan(step.origin),
      );
    } else {
      owner.set(name, step.id);
    }
    names.set(step.id, name);
  }
  return names;
}

/**
 * Literal text that Argo would template and that never passes through a container's `command`,
 * `args` or `env` (where render-string.ts encodes it): images and target options. Argo has no
 * escape for `{{`, and the kubelet does not expand these fields, so such text is refused (FLOWC604).
 */
export function checkUnencodableText(ir: IR, diagnostics: DiagnosticBag): void {
  const why = "Argo would read '{{...}}' as a template tag and has no escape for it in this field";
  for (const step of ir.steps) {
    if (hasTemplateTag(step.image)) {
      diagnostics.report('FLOWC604', `steps.${step.id}.image '${step.image}' contains '{{': ${why}`, originSpan(step.origin));
    }
  }
  const options = ir.targets.argo;
  if (options !== undefined) {
    for (const [path, text] of stringsIn(options, 'targets.argo')) {
      if (hasTemplateTag(text)) diagnostics.report('FLOWC604', `${path} '${text}' contains '{{': ${why}`);
    }
  }
  for (const step of ir.steps) {
    const own = Object.hasOwn(step.targets, 'argo') ? step.targets.argo : undefined;
    if (own === undefined) continue;
    for (const [path, text] of stringsIn(own, `steps.${step.id}.targets.argo`)) {
      if (hasTemplateTag(text)) diagnostics.report('FLOWC604', `${path} '${text}' contains '{{': ${why}`, originSpan(step.origin));
    }
  }
}

/**
 * Argo's `backoff.factor` is an integer (an IntOrString read as a whole number), so a fractional
 * flow backoff cannot be expressed (FLOWC611).
 */
export function checkRetryFactors(ir: IR, diagnostics: DiagnosticBag): void {
  for (const step of ir.steps) {
    const factor = step.retry?.backoff;
    if (factor !== undefined && !Number.isInteger(factor)) {
      diagnostics.report(
        'FLOWC611',
        `steps.${step.id}.retry.backoff is ${factor}, but Argo's retry backoff factor must be a whole number; use ${Math.ceil(factor)} or ${Math.floor(factor) || 1}`,
        originSpan(step.origin),
      );
    }
  }
}

function* stringsIn(value: Json, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringsIn(value[i] as Json, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield [`${path}.${k} (key)`, k];
      yield* stringsIn(v, `${path}.${k}`);
    }
  }
}
