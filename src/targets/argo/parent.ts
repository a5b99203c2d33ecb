import type { IR } from '../../ir/types.js';
import { type DagNode, nestDag } from './dag.js';
import { metadata, type ObjectMeta } from './metadata.js';
import type { ArgoOptions } from './options.js';
import { argoParameters } from './parameters.js';
import { workflowSpecSettings } from './workflow-template.js';

/** The parent's own template and task names; every other name in it is a part's, chosen by flowc. */
const ENTRY = 'main';
const RUN_PART = 'run-part';
const PART_INPUT = 'part';

/** One part as the parent runs it: its WorkflowTemplate's name and the parts it waits for. */
export interface ParentPart {
  name: string;
  needs: number[];
}

/**
 * The parent WorkflowTemplate of a partitioned flow (docs/targets/argo.md#partitioning): Argo's
 * "workflow of workflows" (https://argo-workflows.readthedocs.io/en/latest/workflow-of-workflows/).
 * Its DAG has one task per part, in the parts' order (`dependencies` from `FlowPart.needs`), nested
 * as any DAG over 200 tasks is (dag.ts). Every task runs one `resource` template that creates a
 * child Workflow from the part's WorkflowTemplate (`workflowTemplateRef`) and waits for it
 * (https://argo-workflows.readthedocs.io/en/latest/walk-through/kubernetes-resources/): the
 * executor runs `kubectl create`, then polls the object with GET until `successCondition` or
 * `failureCondition` holds (workflow/executor/resource.go `WaitResource`), so the parent's service
 * account needs `create` and `get` on `workflows`. `setOwnerReference` makes the parent run the
 * child's controller owner (workflow/controller/operator.go `executeResource`), so deleting the
 * parent run deletes its children.
 *
 * Only the parent run stores this small spec and one node per part; each child stores its own part
 * (run-size.ts), which is what bounds a run of a flow of any size.
 */
export function parentTemplate(o: { ir: IR; name: string; meta: ObjectMeta; options: ArgoOptions; parts: ParentPart[] }): Record<string, unknown> {
  const { ir, options } = o;
  const taken = new Set<string>([ENTRY, RUN_PART]);
  const taskNames = o.parts.map((_, i) => `part-${i + 1}`);
  for (const t of taskNames) taken.add(t);
  const nodes: DagNode[] = o.parts.map((p, i) => ({
    name: taskNames[i] as string,
    deps: p.needs.map((n) => taskNames[n] as string),
    body: { template: RUN_PART, arguments: { parameters: [{ name: PART_INPUT, value: p.name }] } },
  }));
  const dag = nestDag({ nodes, taken });

  const spec: Record<string, unknown> = { entrypoint: ENTRY };
  if (ir.parameters.length > 0) spec.arguments = { parameters: argoParameters(ir.parameters) };
  Object.assign(spec, workflowSpecSettings(options));
  spec.workflowMetadata = { labels: o.meta.labels, annotations: o.meta.runAnnotations };
  spec.templates = [
    { name: ENTRY, dag: { tasks: dag.tasks } },
    ...dag.groups,
    {
      name: RUN_PART,
      inputs: { parameters: [{ name: PART_INPUT }] },
      resource: {
        action: 'create',
        setOwnerReference: true,
        successCondition: 'status.phase == Succeeded',
        failureCondition: 'status.phase in (Failed, Error)',
        manifest: childManifest(ir),
      },
    },
  ];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: metadata({ name: o.name, meta: o.meta, options }),
    spec,
  };
}

/**
 * The child Workflow, as the YAML text Argo substitutes and then parses (sigs.k8s.io/yaml in the
 * controller, kubectl in the executor). Argo pastes a simple tag's value into that text as it is
 * (util/template/simple_template.go escapes it for the template's JSON only), so a parameter value
 * holding a newline and `key:` would add fields to the child. Each value is therefore written by
 * the expression `toJson(...)` (util/expr/env/env.go: Go's `json.Marshal`), whose result is one
 * double-quoted JSON string: valid YAML that decodes to the value byte for byte. Argo then scans
 * the template again (the pass with the inputs, then the pod's; argo-sim.ts lists them), and a
 * value holding `{{=...}}` would be evaluated there, its result pasted raw into the YAML; so every
 * `{` of the JSON text is written as the escape `\u007b`, which JSON and YAML decode to `{` and
 * in which Argo finds no tag. Go's JSON leaves NEL (U+0085) raw, which go-yaml (YAML 1.1, as
 * Kubernetes reads manifests; src/targets/yaml-text.ts) takes as a line break and folds to a
 * space inside quotes, so it is written `\u0085` too.
 * The name is the parent run's name plus five random characters (`generateName`), so a child's
 * FLOWC_RUN_ID starts with its parent's and stays within a 63-character label value (names.ts).
 * Parameter names are flowc's own (identifiers, JSON-quoted here all the same).
 */
export function childManifest(ir: IR): string {
  const lines = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Workflow',
    'metadata:',
    '  generateName: {{workflow.name}}-',
    'spec:',
    '  workflowTemplateRef:',
    `    name: {{inputs.parameters.${PART_INPUT}}}`,
  ];
  if (ir.parameters.length > 0) {
    lines.push('  arguments:', '    parameters:');
    for (const p of ir.parameters) lines.push(`      - name: ${JSON.stringify(p.name)}`, `        value: ${valueExpression(p.name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A parameter's value as one YAML double-quoted string that holds no `{{` (see `childManifest`). */
export function valueExpression(name: string): string {
  return `{{=sprig.replace("\\u0085", "\\\\u0085", sprig.replace("{", "\\\\u007b", toJson(${parameterRef(name)})))}}`;
}

/** `workflow.parameters.x`, or the indexed form for a name expr-lang cannot read as a member. */
function parameterRef(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `workflow.parameters.${name}` : `workflow.parameters[${JSON.stringify(name)}]`;
}
