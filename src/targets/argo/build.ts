import { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { fitConfig, reportConfigLeftOut } from '../config-env.js';
import { checkLimit, flowFileSpan } from '../limits.js';
import { ARGO_LIMIT_TABLE } from './limits.js';
import { FieldsMemo } from './fields-memo.js';
import { configText, envStringBytes } from './process-limits.js';
import { estimatedRunBytes } from './run-size.js';
import { workflowTemplate } from './workflow-template.js';

/**
 * Builds the WorkflowTemplate so that its runs fit the controller's MAX_WORKFLOW_SIZE (run-size.ts;
 * the stricter of that and Kubernetes' 1.5 MiB object limit). FLOWC_CONFIG (the whole resolved
 * config, repeated in every container template) is the part that grows with the config rather than
 * with the flow: when it makes a run too large, or its env string is over Linux's per-string limit,
 * the shared policy (src/targets/config-env.ts) leaves it out with FLOWC606; if a run is still too
 * large, FLOWC603 says by how much.
 */
export function buildWithinSize(
  o: Omit<Parameters<typeof workflowTemplate>[0], 'diagnostics' | 'includeConfig'>,
  configFits: boolean,
): {
  template: Record<string, unknown> | null;
  diagnostics: DiagnosticBag;
} {
  const diagnostics = new DiagnosticBag();
  const limit = ARGO_LIMIT_TABLE.maxWorkflowBytes;
  const subject = (nodes: number) => `a run of the WorkflowTemplate (the template spec, which the controller copies into every run, plus ${nodes} node statuses)`;
  if (!configFits) {
    const actual = envStringBytes('FLOWC_CONFIG', configText(o.memo ?? new FieldsMemo(), o.ir));
    reportConfigLeftOut(diagnostics, { limit: ARGO_LIMIT_TABLE.argStringBytes, subject: 'the string FLOWC_CONFIG=<config>', actual });
  }
  const { built: template, includeConfig } = fitConfig({
    diagnostics,
    build: (withConfig, bag) => workflowTemplate({ ...o, diagnostics: bag, includeConfig: withConfig && configFits }),
    excess: (t) => {
      const size = t ? estimatedRunBytes(t) : undefined;
      return size && size.bytes > limit.value ? { limit, subject: subject(size.nodes), actual: size.bytes, span: flowFileSpan(o.ir) } : undefined;
    },
  });
  if (!template) return { template, diagnostics };
  const size = estimatedRunBytes(template);
  const without = includeConfig && configFits ? '' : ' even without FLOWC_CONFIG';
  if (checkLimit({ diagnostics, limit, subject: `${subject(size.nodes)}${without}`, actual: size.bytes, span: flowFileSpan(o.ir) })) return { template: null, diagnostics };
  return { template, diagnostics };
}
