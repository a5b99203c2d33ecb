import type { IRParameter } from '../../ir/types.js';

/**
 * Flow parameters as `spec.arguments.parameters` (https://argo-workflows.readthedocs.io/en/latest/workflow-inputs/).
 * Argo parameter values are strings: numbers and booleans are written as text (`0.01`, `true`).
 * A required parameter has no `value`, so Argo refuses to submit a run that does not supply it.
 *
 * Defaults and enum values are written as the flow gives them: a default reaches containers the
 * same way as a value given with `argo submit -p`, through an expression that encodes it at run
 * time (render-string.ts `paramExpression`), and Argo compares a submitted value with the enum
 * as it is. Argo reads the values raw into `workflow.parameters.*` (workflow/controller/operator.go
 * `setGlobalParameters`).
 */
export function argoParameters(params: IRParameter[]): Record<string, unknown>[] {
  return params.map((p) => {
    const out: Record<string, unknown> = { name: p.name };
    if (p.default !== undefined) out.value = String(p.default);
    if (p.enum && p.enum.length > 0) out.enum = p.enum.map(String);
    if (p.description) out.description = p.description;
    return out;
  });
}
