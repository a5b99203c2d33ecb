import { makeIR, ORIGIN, step as baseStep } from '../../helpers/ir-builders.js';
import { CronWorkflow, Workflow, WorkflowTemplate } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { argoTarget } from '../../../src/targets/argo/index.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { parseRobfig } from './robfig-cron.js';
import { substituteRun } from './argo-sim.js';

export interface Compiled {
  text: string | null;
  diagnostics: DiagnosticBag;
}

export function compileArgo(ir: IR): Compiled {
  const diagnostics = new DiagnosticBag();
  const artifacts = argoTarget.compile(ir, { diagnostics });
  return { text: artifacts[0]?.contents ?? null, diagnostics };
}

/** Parses the YAML stream back into plain objects (YAML 1.1, as Kubernetes reads it). */
export function documents(text: string): Record<string, any>[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    if (d.errors.length > 0) throw new Error(`YAML error: ${d.errors[0]?.message}`);
    return d.toJS() as Record<string, any>;
  });
}

/**
 * Validates every document with the @kubernetes-models/argo-workflows schema, then checks the
 * references the schema does not (ORACLES.md: unknown fields and cross references are not
 * checked); throws on errors.
 */
export function validateArgo(text: string): Record<string, any>[] {
  const docs = documents(text);
  for (const doc of docs) {
    if (doc.kind === 'WorkflowTemplate') {
      new WorkflowTemplate(doc as any).validate();
      checkReferences(doc);
      checkChildWorkflows(doc, docs);
    } else if (doc.kind === 'CronWorkflow') {
      new CronWorkflow(doc as any).validate();
      // Argo reads schedules with robfig/cron v3; one it cannot parse never runs.
      for (const schedule of doc.spec.schedules as string[]) parseRobfig(schedule);
      // The flow's WorkflowTemplate, or a partitioned flow's parent: the last one, after its parts.
      const wt = docs.filter((d) => d.kind === 'WorkflowTemplate').at(-1);
      if (doc.spec.workflowSpec.workflowTemplateRef.name !== wt?.metadata.name) throw new Error('CronWorkflow references another template');
    } else throw new Error(`unexpected kind ${doc.kind}`);
  }
  return docs;
}

/**
 * A partitioned flow's parent (src/targets/argo/parent.ts): each `resource` template creates a
 * child Workflow. Its manifest may use only the parent run's name, the template's declared inputs
 * and each declared parameter through the one expression flowc writes; substituted with sample
 * values it must be a Workflow (schema-checked) that names a WorkflowTemplate of the same file and
 * passes exactly the parameters that template declares.
 */
function checkChildWorkflows(wt: Record<string, any>, docs: Record<string, any>[]): void {
  const fail = (m: string) => {
    throw new Error(`WorkflowTemplate ${wt.metadata.name}: ${m}`);
  };
  const params = ((wt.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name as string);
  const expression = /^=sprig\.replace\("\\u0085", "\\\\u0085", sprig\.replace\("\{", "\\\\u007b", toJson\(workflow\.parameters\.([A-Za-z_][A-Za-z0-9_]*)\)\)\)$/;
  for (const t of (wt.spec.templates as any[]).filter((x) => x.resource)) {
    const r = t.resource;
    if (r.action !== 'create' || r.setOwnerReference !== true) fail(`${t.name}: not a create with setOwnerReference`);
    if (r.successCondition !== 'status.phase == Succeeded' || r.failureCondition !== 'status.phase in (Failed, Error)') fail(`${t.name}: conditions`);
    const inputs = ((t.inputs?.parameters ?? []) as any[]).map((p) => p.name as string);
    for (const m of (r.manifest as string).matchAll(TAG)) {
      const tag = m[1] as string;
      const e = expression.exec(tag);
      if (e) {
        if (!params.includes(e[1] as string)) fail(`${t.name} manifest reads undeclared parameter ${e[1]}`);
      } else if (tag.startsWith('inputs.parameters.')) {
        if (!inputs.includes(tag.slice('inputs.parameters.'.length))) fail(`${t.name} manifest uses undeclared ${tag}`);
      } else if (tag !== 'workflow.name') fail(`${t.name} manifest has unexpected tag {{${tag}}}`);
    }
    const callers = (wt.spec.templates as any[]).flatMap((x) => ((x.dag?.tasks ?? []) as any[]).filter((k) => k.template === t.name));
    for (const task of callers) {
      const scope = new Map<string, string>([['workflow.name', 'parent-abcde']]);
      for (const p of params) scope.set(`workflow.parameters.${p}`, 'sample');
      for (const p of (task.arguments?.parameters ?? []) as any[]) scope.set(`inputs.parameters.${p.name}`, p.value);
      const child = documents(substituteRun(r.manifest, scope))[0] as Record<string, any>;
      new Workflow(child as any).validate();
      if (child.metadata.generateName !== 'parent-abcde-') fail(`task ${task.name}: child generateName ${child.metadata.generateName}`);
      const ref = child.spec.workflowTemplateRef?.name;
      const target = docs.find((d) => d.kind === 'WorkflowTemplate' && d.metadata.name === ref && d !== wt);
      if (!target) fail(`task ${task.name}: child refers to ${ref}, not a WorkflowTemplate of the file`);
      const declared = ((target?.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name).sort();
      const passed = ((child.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name).sort();
      if (JSON.stringify(declared) !== JSON.stringify(passed) || JSON.stringify(passed) !== JSON.stringify([...params].sort())) fail(`task ${task.name}: passes ${passed}, part declares ${declared}`);
      if (Object.keys(child.spec).sort().join() !== (params.length > 0 ? 'arguments,workflowTemplateRef' : 'workflowTemplateRef')) fail(`task ${task.name}: child spec has ${Object.keys(child.spec)}`);
    }
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TAG = /\{\{([^}]*)\}\}/g;

/**
 * The cross references Argo's own validation (workflow/validate) checks at submission: names,
 * templates that exist, every `{{inputs.parameters.x}}` declared, every declared input supplied
 * by each calling task and nothing more, `{{workflow.parameters.x}}` declared, `{{item}}` only in
 * a task with `withItems`, `dependencies` naming tasks of the same DAG.
 */
function checkReferences(wt: Record<string, any>): void {
  const fail = (m: string) => {
    throw new Error(`WorkflowTemplate ${wt.metadata.name}: ${m}`);
  };
  if (!DNS_LABEL.test(wt.metadata.name) || wt.metadata.name.length > 45) fail(`bad name ${wt.metadata.name}`);
  const params = new Set(((wt.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name));
  const templates = new Map<string, any>();
  for (const t of wt.spec.templates as any[]) {
    if (!DNS_LABEL.test(t.name)) fail(`template name ${t.name}`);
    if (templates.has(t.name)) fail(`duplicate template ${t.name}`);
    templates.set(t.name, t);
  }
  if (!templates.get(wt.spec.entrypoint)?.dag) fail('entrypoint is not a DAG template');
  for (const k of Object.keys(wt.spec)) if (!fieldsOf('argo:WorkflowSpec').has(k)) fail(`spec.${k} is not a field of WorkflowSpec`);
  for (const k of Object.keys(wt.spec.podMetadata ?? {})) if (!fieldsOf('argo:Metadata').has(k)) fail(`spec.podMetadata.${k} is not a field of Metadata`);
  const tagsIn = (value: unknown): string[] => [...JSON.stringify(value).matchAll(TAG)].map((m) => (m[1] as string).trim());
  for (const t of templates.values()) {
    const inputs = new Set(((t.inputs?.parameters ?? []) as any[]).map((p) => p.name));
    for (const tag of tagsIn(t.container ?? {})) {
      // Tags are read from the JSON text, as Argo reads them; an expression's quotes are escaped there.
      const expression = /^=sprig\.replace\("\{", "\$\(FLOWC_LBRACE\)", sprig\.replace\("\$", "\$\$", workflow\.parameters\.([A-Za-z_][A-Za-z0-9_]*)\)\)$/.exec(JSON.parse(`"${tag}"`) as string);
      if (tag.startsWith('=')) {
        // The only expression flowc writes: a parameter's value encoded for the kubelet.
        if (!expression) fail(`${t.name} container has unexpected expression {{${tag}}}`);
        if (!params.has(expression?.[1])) fail(`${t.name} expression reads undeclared parameter ${expression?.[1]}`);
      } else if (tag.startsWith('inputs.parameters.')) {
        if (!inputs.has(tag.slice('inputs.parameters.'.length))) fail(`${t.name} uses undeclared ${tag}`);
      } else if (tag.startsWith('workflow.parameters.')) {
        if (!params.has(tag.slice('workflow.parameters.'.length))) fail(`${t.name} uses undeclared ${tag}`);
      } else if (tag !== 'workflow.name') fail(`${t.name} container has unexpected tag {{${tag}}}`);
    }
    if (t.container) {
      checkPodFields(t, fail);
      checkKnownFields(t, fail);
    }
    if (!t.dag) continue;
    // A DAG's outputs name a task of that DAG and an output its template declares.
    for (const p of (t.outputs?.parameters ?? []) as any[]) {
      const m = /^\{\{tasks\.([a-z0-9-]+)\.outputs\.parameters\.([A-Za-z0-9_-]+)\}\}$/.exec(p.valueFrom?.parameter ?? '');
      const task = m ? (t.dag.tasks as any[]).find((x) => x.name === m[1]) : undefined;
      const declared = ((templates.get(task?.template)?.outputs?.parameters ?? []) as any[]).some((q) => q.name === m?.[2]);
      if (!declared) fail(`${t.name} output ${p.name} reads ${p.valueFrom?.parameter}, not an output of one of its tasks`);
    }
    const names = new Set<string>();
    for (const task of t.dag.tasks as any[]) {
      if (!DNS_LABEL.test(task.name)) fail(`task name ${task.name}`);
      if (names.has(task.name)) fail(`duplicate task ${task.name} in ${t.name}`);
      names.add(task.name);
    }
    for (const task of t.dag.tasks as any[]) {
      const target = templates.get(task.template);
      if (!target) fail(`task ${task.name} runs missing template ${task.template}`);
      for (const d of (task.dependencies ?? []) as string[]) if (!names.has(d)) fail(`task ${task.name} depends on unknown ${d}`);
      const declared = ((target.inputs?.parameters ?? []) as any[]).map((p) => p.name).sort();
      const supplied = ((task.arguments?.parameters ?? []) as any[]).map((p) => p.name).sort();
      if (JSON.stringify(declared) !== JSON.stringify(supplied)) fail(`task ${task.name} supplies ${supplied} for inputs ${declared}`);
      const dagInputs = new Set(((t.inputs?.parameters ?? []) as any[]).map((p) => p.name));
      for (const tag of [...tagsIn(task.arguments ?? {}), ...tagsIn(task.withParam ?? '')]) {
        if (tag.startsWith('=')) {
          checkTaskExpression(JSON.parse(`"${tag}"`).slice(1), task, t, templates, fail);
        } else if (tag.startsWith('inputs.parameters.')) {
          if (!dagInputs.has(tag.slice('inputs.parameters.'.length))) fail(`task ${task.name} uses undeclared ${tag}`);
        } else if (tag === 'item' || tag.startsWith('item.')) {
          if (!task.withItems && task.withParam === undefined) fail(`task ${task.name} uses {{${tag}}} without withItems or withParam`);
          if (task.withParam !== undefined) continue;
          const first = task.withItems[0];
          if (tag === 'item' && typeof first !== 'string') fail(`task ${task.name} uses {{item}} with map items`);
          if (tag.startsWith('item.') && !(typeof first === 'object' && tag.slice(5) in first)) fail(`task ${task.name}: no key for {{${tag}}}`);
        } else if (tag.startsWith('workflow.parameters.')) {
          if (!params.has(tag.slice('workflow.parameters.'.length))) fail(`task ${task.name} uses undeclared ${tag}`);
        } else if (tag !== 'workflow.name') fail(`task ${task.name} has unexpected tag {{${tag}}}`);
      }
      for (const item of (task.withItems ?? []) as unknown[]) {
        if (typeof item !== 'string' && !(item && typeof item === 'object' && Object.values(item).every((v) => typeof v === 'string'))) {
          fail(`task ${task.name} has a withItems entry that is not a string or a map of strings`);
        }
      }
    }
  }
}

/**
 * The expressions flowc writes in DAG tasks (src/targets/argo/outputs.ts) read outputs of tasks
 * of the same DAG that the task depends on, directly or not (Argo puts only ancestors in the
 * scope: workflow/controller/dag.go `resolveDependencyReferences`, common.GetTaskAncestry), and
 * only outputs their templates declare; `item.<key>` only in a loop task.
 */
function checkTaskExpression(source: string, task: any, dag: any, templates: Map<string, any>, fail: (m: string) => void): void {
  const tasks = new Map<string, any>((dag.dag.tasks as any[]).map((x) => [x.name, x]));
  const ancestors = new Set<string>();
  const visit = (name: string) => {
    for (const d of (tasks.get(name)?.dependencies ?? []) as string[]) if (!ancestors.has(d)) visit((ancestors.add(d), d));
  };
  visit(task.name);
  const key = String.raw`(?:\.([A-Za-z_][A-Za-z0-9_]*)|\?\.([A-Za-z_][A-Za-z0-9_]*)|(?:\?\.)?\["([^"]+)"\])`;
  const ref = new RegExp(String.raw`tasks${key}${key}${key}${key}`, 'g');
  for (const m of source.matchAll(ref)) {
    const parts = [0, 1, 2, 3].map((i) => m[1 + i * 3] ?? m[2 + i * 3] ?? m[3 + i * 3]);
    const [name, outputs, parameters, output] = parts as string[];
    if (outputs !== 'outputs' || parameters !== 'parameters') fail(`task ${task.name}: unexpected reference ${m[0]}`);
    if (!ancestors.has(name)) fail(`task ${task.name} reads outputs of ${name}, which is not one of its ancestors`);
    const producer = templates.get(tasks.get(name)?.template);
    if (!((producer?.outputs?.parameters ?? []) as any[]).some((p) => p.name === output)) fail(`task ${task.name} reads output ${output} that ${name} does not declare`);
  }
  if (/\bitem\./.test(source) && task.withParam === undefined && !task.withItems) fail(`task ${task.name} reads item without a loop`);
  if (/\btasks\b/.test(source) && [...source.matchAll(ref)].length === 0) fail(`task ${task.name}: unreadable task reference in ${source}`);
}

const require = createRequire(import.meta.url);
const fieldCache = new Map<string, Set<string>>();

/**
 * The field names of one type of the schema packages, read from its declaration file: their
 * validators accept unknown fields (ORACLES.md), which the API server drops silently, so a
 * misspelt field would pass them and do nothing.
 */
function fieldsOf(type: string): Set<string> {
  let fields = fieldCache.get(type);
  if (!fields) {
    const [pkg, name] = type.split(':') as [string, string];
    const dir = pkg === 'argo' ? join(dirname(require.resolve('@kubernetes-models/argo-workflows/package.json')), 'argoproj.io/v1alpha1') : join(dirname(require.resolve('kubernetes-models/package.json')), 'v1');
    const text = readFileSync(join(dir, `${name}.d.ts`), 'utf8');
    fields = new Set([...text.matchAll(/^\s+"?([A-Za-z$][\w$]*)"?\??: /gm)].map((m) => m[1] as string));
    fieldCache.set(type, fields);
  }
  return fields;
}

/** The fields flowc writes in a container template and its pod parts are fields of their types. */
function checkKnownFields(t: Record<string, any>, fail: (m: string) => void): void {
  const check = (o: Record<string, any> | undefined, type: string, where: string) => {
    for (const k of Object.keys(o ?? {})) if (!fieldsOf(type).has(k)) fail(`${where}: '${k}' is not a field of ${type}`);
  };
  check(t, 'argo:Template', t.name);
  check(t.metadata, 'argo:Metadata', `${t.name}.metadata`);
  check(t.container, 'k8s:Container', `${t.name}.container`);
  check(t.container.resources, 'k8s:ResourceRequirements', `${t.name}.container.resources`);
  for (const e of (t.container.env ?? []) as any[]) {
    check(e, 'k8s:EnvVar', `${t.name} env ${e.name}`);
    check(e.valueFrom, 'k8s:EnvVarSource', `${t.name} env ${e.name}`);
    check(e.valueFrom?.secretKeyRef, 'k8s:SecretKeySelector', `${t.name} env ${e.name}`);
  }
  for (const m of (t.container.volumeMounts ?? []) as any[]) check(m, 'k8s:VolumeMount', `${t.name} volumeMounts`);
  for (const v of (t.volumes ?? []) as any[]) {
    check(v, 'k8s:Volume', `${t.name} volumes`);
    check(v.emptyDir, 'k8s:EmptyDirVolumeSource', `${t.name} volumes`);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * What the Kubernetes API server checks when Argo creates the step's pod and the package schema
 * does not (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/):
 * every `volumeMounts[].name` is a volume of the pod (here: of the template, the only volumes
 * flowc writes), mount paths are unique; an env entry has `value` or `valueFrom`, not both
 * (EnvVar), and a `secretKeyRef` names a Secret (a DNS-1123 subdomain) and a key
 * ([-._a-zA-Z0-9]+; SecretKeySelector, validation `IsConfigMapKey`).
 */
function checkPodFields(t: Record<string, any>, fail: (m: string) => void): void {
  const volumes = new Set(((t.volumes ?? []) as any[]).map((v) => v.name));
  const paths = new Set<string>();
  for (const m of (t.container.volumeMounts ?? []) as any[]) {
    if (!volumes.has(m.name)) fail(`${t.name} mounts undeclared volume ${m.name}`);
    if (paths.has(m.mountPath)) fail(`${t.name} mounts ${m.mountPath} twice`);
    paths.add(m.mountPath);
  }
  const names = new Set<string>();
  for (const e of (t.container.env ?? []) as any[]) {
    if (names.has(e.name)) fail(`${t.name} defines env ${e.name} twice`);
    names.add(e.name);
    if ((e.value !== undefined) === (e.valueFrom !== undefined)) fail(`${t.name} env ${e.name} needs exactly one of value and valueFrom`);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && (!DNS_SUBDOMAIN.test(ref.name) || !/^[-._a-zA-Z0-9]+$/.test(ref.key))) fail(`${t.name} env ${e.name} has a bad secretKeyRef`);
  }
}

/**
 * The step graph a WorkflowTemplate encodes, read back from its DAGs: each leaf is a task running
 * a container template (directly or with `withItems`); a task running a DAG template stands for
 * all the leaves inside it. Returns the leaf task names and every leaf-to-leaf ordering the
 * `dependencies` imply (A must finish before B starts), without transitive closure.
 */
export function dagGraph(wt: Record<string, any>): { leaves: string[]; edges: Set<string>; implied: (a: string, b: string) => boolean } {
  const templates = new Map<string, any>((wt.spec.templates as any[]).map((t) => [t.name, t]));
  const leavesOf = new Map<string, string[]>();
  const edges = new Set<string>();
  const leaves: string[] = [];
  // Direct precedence between leaves, from each DAG's dependencies (group -> all leaves of the group).
  const before = new Map<string, Set<string>>();
  const visit = (templateName: string): string[] => {
    const cached = leavesOf.get(templateName);
    if (cached) return cached;
    const t = templates.get(templateName);
    if (!t) throw new Error(`missing template ${templateName}`);
    if (!t.dag) throw new Error(`template ${templateName} is not a DAG`);
    const taskLeaves = new Map<string, string[]>();
    for (const task of t.dag.tasks as any[]) {
      const target = templates.get(task.template);
      if (!target) throw new Error(`task ${task.name} runs missing template ${task.template}`);
      const ls = target.dag ? visit(task.template) : [task.name];
      if (!target.dag) leaves.push(task.name);
      taskLeaves.set(task.name, ls);
    }
    for (const task of t.dag.tasks as any[]) {
      for (const dep of (task.dependencies ?? []) as string[]) {
        const from = taskLeaves.get(dep);
        if (!from) throw new Error(`task ${task.name} depends on unknown task ${dep}`);
        for (const a of from) for (const b of taskLeaves.get(task.name) as string[]) {
          edges.add(`${a}->${b}`);
          if (!before.has(b)) before.set(b, new Set());
          before.get(b)?.add(a);
        }
      }
    }
    const all = [...taskLeaves.values()].flat();
    leavesOf.set(templateName, all);
    return all;
  };
  visit(wt.spec.entrypoint);
  const implied = (a: string, b: string): boolean => {
    const seen = new Set<string>();
    const stack = [b];
    while (stack.length > 0) {
      const x = stack.pop() as string;
      for (const p of before.get(x) ?? []) {
        if (p === a) return true;
        if (!seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
    return false;
  };
  return { leaves, edges, implied };
}

/** The IR's graph with Argo task names (step ids sanitized the way the target does). */
export function irGraph(ir: IR): { leaves: string[]; edges: Set<string> } {
  const n = (id: string) => id.replace(/_/g, '-').replace(/-+$/, '');
  return { leaves: ir.steps.map((s) => n(s.id)), edges: new Set(ir.edges.map(([a, b]) => `${n(a)}->${n(b)}`)) };
}

// ------------------------------------------------------------------ hand-built IRs

export { lit } from '../../helpers/ir-builders.js';

/** A step whose origin is line 10, so diagnostics tests can tell a step's place from the flow's. */
export function step(id: string, over: Partial<IRStep> = {}): IRStep {
  return baseStep(id, { origin: { ...ORIGIN, line: 10 }, ...over });
}

/** An IR from steps, with edges from their `needs`. */
export function flow(steps: IRStep[], over: Partial<IR> = {}): IR {
  return makeIR(steps, over);
}
