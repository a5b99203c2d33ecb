import type { IRParameter } from '../../ir/types.js';
import { encodeLiteral, usesLbrace } from './render-string.js';

/**
 * Flow parameters as `spec.arguments.parameters` (https://argo-workflows.readthedocs.io/en/latest/workflow-inputs/).
 * Argo parameter values are strings: numbers and booleans are written as text (`0.01`, `true`).
 * A required parameter has no `value`, so Argo refuses to submit a run that does not supply it.
 *
 * Defaults and enum values are literal text from the flow, and a parameter can only reach a
 * container's command, args or env (SPEC's timing rule), so they are encoded like any literal
 * there (render-string.ts): Argo substitutes `{{workflow.parameters.x}}` and then scans the result
 * again, so a raw `{{` in a default would be read as a tag. The end is open because the value lands
 * inside a longer string (static text before it encodes its own end). Enum values use the same
 * encoding, so a default stays in its enum.
 */
export function argoParameters(params: IRParameter[]): Record<string, unknown>[] {
  return params.map((p) => {
    const out: Record<string, unknown> = { name: p.name };
    if (p.default !== undefined) out.value = encodeParameterValue(p.default);
    if (p.enum && p.enum.length > 0) out.enum = p.enum.map(encodeParameterValue);
    if (p.description) out.description = p.description;
    return out;
  });
}

export function encodeParameterValue(v: string | number | boolean): string {
  return encodeLiteral(String(v), { openStart: false, openEnd: true });
}

/** Parameters whose written default or enum values rely on FLOWC_LBRACE once encoded. */
export function parametersNeedingLbrace(params: IRParameter[]): Set<string> {
  const out = new Set<string>();
  for (const p of params) {
    const values = [...(p.default !== undefined ? [p.default] : []), ...(p.enum ?? [])];
    if (values.some((v) => usesLbrace(encodeParameterValue(v)))) out.add(p.name);
  }
  return out;
}
