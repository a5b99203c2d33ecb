import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';
import { runGlobals, type SimContainer, simulate, substituteRun } from './argo-sim.js';
import { documents } from './helpers.js';

/** One child Workflow the parent created: the manifest as the API server got it, and its part's run. */
export interface ChildRun {
  /** The parent task that created it. */
  task: string;
  manifest: Record<string, any>;
  /** The child's name: `generateName` plus a suffix the model picks (`c<n>`, 5 characters wide). */
  name: string;
  part: string;
  params: Record<string, string>;
  containers: Map<string, SimContainer[]>;
}

/**
 * Runs a partitioned flow's parent (src/targets/argo/parent.ts) as Argo would, in a dependency
 * order of its DAG (nested groups included): each `resource` task's manifest goes through Argo's
 * three substitution passes (the template with the globals, then with the globals and its inputs,
 * then the pod's pass; argo-sim.ts), is parsed as the controller parses it (YAML, then the
 * Workflow schema), and the WorkflowTemplate it names is run with the parameters it passes
 * (argo-sim.ts `simulate`). Returns the children in the order they ran.
 */
export function runParent(docs: Record<string, any>[], o: { workflowName: string; params: Record<string, string>; secrets?: Record<string, string> }): ChildRun[] {
  const wts = docs.filter((d) => d.kind === 'WorkflowTemplate');
  const parent = wts.at(-1) as Record<string, any>;
  const templates = new Map<string, any>((parent.spec.templates as any[]).map((t) => [t.name, t]));
  const globals = runGlobals(parent, o);
  const children: ChildRun[] = [];
  const run = (templateName: string, task: string, inputs: Map<string, string>) => {
    const t = templates.get(templateName);
    if (t.dag) {
      const done = new Set<string>();
      const tasks = t.dag.tasks as any[];
      while (done.size < tasks.length) {
        const ready = tasks.filter((k) => !done.has(k.name) && ((k.dependencies ?? []) as string[]).every((d) => done.has(d)));
        if (ready.length === 0) throw new Error(`DAG ${t.name} has a cycle`);
        for (const k of ready) {
          const args = new Map<string, string>();
          for (const p of (k.arguments?.parameters ?? []) as any[]) args.set(p.name, substituteRun(p.value, globals));
          run(k.template, k.name, args);
          done.add(k.name);
        }
      }
      return;
    }
    if (!t.resource) throw new Error(`parent template ${t.name} is neither a DAG nor a resource`);
    const scope = new Map(globals);
    for (const [k, v] of inputs) scope.set(`inputs.parameters.${k}`, v);
    const text = substituteRun(substituteRun(substituteRun(t.resource.manifest, globals), scope), scope);
    const manifest = documents(text)[0] as Record<string, any>;
    new Workflow(manifest as any).validate();
    const name = `${manifest.metadata.generateName}c${String(children.length).padStart(4, '0')}`;
    const part = manifest.spec.workflowTemplateRef.name as string;
    const wt = wts.find((w) => w.metadata.name === part && w !== parent);
    if (!wt) throw new Error(`child refers to ${part}, which the file does not hold`);
    const params = Object.fromEntries(((manifest.spec.arguments?.parameters ?? []) as any[]).map((p) => [p.name, p.value]));
    children.push({ task, manifest, name, part, params, containers: simulate(wt, { workflowName: name, params, secrets: o.secrets }) });
  };
  run(parent.spec.entrypoint, parent.spec.entrypoint, new Map());
  return children;
}
