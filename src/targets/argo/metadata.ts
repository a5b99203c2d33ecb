import type { IR } from '../../ir/types.js';
import type { ArgoOptions } from './options.js';

/**
 * Labels and annotations shared by the WorkflowTemplate, the CronWorkflow and every run
 * (`spec.workflowMetadata`): flowc's own first, then the user's `labels`/`annotations` options,
 * which win on the same key. The config hash and flowc version travel as annotations (SPEC 6);
 * the flow's description uses the annotation the Argo UI shows.
 */
export interface ObjectMeta {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * The annotations of every run (`spec.workflowMetadata`). Argo runs the workflow spec through its
   * `{{...}}` substitution (no escape syntax), so flowc's own annotations whose value holds `{{`
   * (a description or file name) are left out there: a run would otherwise show a changed value
   * or evaluate an expression. They stay on the WorkflowTemplate and CronWorkflow, which Argo
   * does not substitute. The user's `annotations` option is checked for `{{` (FLOWC604).
   */
  runAnnotations: Record<string, string>;
}

export function objectMeta(o: { ir: IR; name: string; options: ArgoOptions }): ObjectMeta {
  const { ir, name, options } = o;
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'flowc',
    'flowc.dev/flow': name,
    ...options.labels,
  };
  const annotations: Record<string, string> = {
    'flowc.dev/version': ir.flowcVersion,
    'flowc.dev/config-hash': ir.config.hash,
    'flowc.dev/flow-source': ir.flow.source,
    'flowc.dev/flow-hash': ir.flow.sourceHash,
  };
  if (ir.flow.description) annotations['workflows.argoproj.io/description'] = ir.flow.description;
  Object.assign(annotations, options.annotations);
  const runAnnotations = Object.fromEntries(Object.entries(annotations).filter(([, v]) => !v.includes('{{')));
  return { labels, annotations, runAnnotations };
}

/** `metadata` with the fixed key order name, namespace, labels, annotations. */
export function metadata(o: { name: string; meta: ObjectMeta; options: ArgoOptions }): Record<string, unknown> {
  const out: Record<string, unknown> = { name: o.name };
  if (o.options.namespace) out.namespace = o.options.namespace;
  out.labels = o.meta.labels;
  out.annotations = o.meta.annotations;
  return out;
}
