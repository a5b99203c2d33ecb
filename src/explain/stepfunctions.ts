import type { IR } from '../ir/types.js';
import type { Artifact } from '../targets/target.js';
import type { ConceptMapping, StepMapping, TargetExplanation } from './model.js';
import { artifactDocuments, at, findPaths, isObject, type Path, q, str } from './tree.js';

/** The Step Functions explainer: reads `<name>.asl.json`, `.batch.json` and `.schedule.json`. */
export function explainStepFunctions(ir: IR, artifacts: Artifact[]): Omit<TargetExplanation, 'ordering'> & { ordering?: string[] } {
  const [asl] = artifactDocuments(artifacts, '.asl.json');
  const steps: StepMapping[] = [];
  const foreach: ConceptMapping[] = [];
  const tasks = new Map<string, Record<string, unknown>>();
  for (const step of ir.steps) {
    const path = findPaths(asl, (n) => isObject(n) && n.Name === 'FLOWC_STEP' && n.Value === step.id)[0];
    if (!path) continue;
    const states = statesOn(asl, path);
    const task = states.pop();
    if (!task) continue;
    tasks.set(step.id, task.node);
    const resource = str(task.node.Resource)?.replace(/^arn:aws:states:::/, '');
    steps.push({ step: step.id, as: `${task.node.Type} state ${q(task.name)}${resource ? ` (${resource})` : ''}`, within: states.map(describeContainer) });
    const map = [...states].reverse().find((s) => s.node.Type === 'Map');
    if (step.foreach && map) foreach.push({ subject: step.id, as: mapText(map) });
  }
  // A Batch DAG (docs/targets/stepfunctions.md, "Exact DAGs") submits jobs without `.sync`.
  const batchDag = [...tasks.values()].some((t) => /:batch:submitJob$/.test(str(t.Resource) ?? ''));
  const ordering = batchDag ? ["each need is an AWS Batch job dependency (the Task's DependsOn); Batch runs the flow's graph as written, and the run waits for the final jobs"] : undefined;
  return { steps, foreach, parameters: parameters(ir, asl), schedule: schedule(artifacts), secrets: secrets(ir, artifacts, tasks), ...(ordering ? { ordering } : {}) };
}

interface StateOnPath {
  name: string;
  node: Record<string, unknown>;
  /** For a Parallel state: the 0-based branch the path goes through. */
  branch?: number;
}

/** The states a path passes through (`States.<name>`), outermost first, with the branch taken. */
function statesOn(root: unknown, path: Path): StateOnPath[] {
  const out: StateOnPath[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    if (path[i] === 'States' && typeof path[i + 1] === 'string') {
      const node = at(root, path.slice(0, i + 2));
      if (isObject(node)) out.push({ name: path[i + 1] as string, node });
    }
    if (path[i] === 'Branches' && typeof path[i + 1] === 'number') {
      const last = out[out.length - 1];
      if (last) last.branch = path[i + 1] as number;
    }
  }
  return out;
}

function describeContainer(s: StateOnPath): string {
  if (s.node.Type === 'Parallel' && s.branch !== undefined) return `branch ${s.branch + 1} of Parallel state ${q(s.name)}`;
  if (s.node.Type === 'Map') return mapText(s);
  return `${String(s.node.Type)} state ${q(s.name)}`;
}

function mapText(s: StateOnPath): string {
  const mode = str(at(s.node, ['ItemProcessor', 'ProcessorConfig', 'Mode'])) ?? 'INLINE';
  const limit = typeof s.node.MaxConcurrency === 'number' && s.node.MaxConcurrency > 0 ? `, MaxConcurrency ${s.node.MaxConcurrency}` : '';
  return `${mode === 'DISTRIBUTED' ? 'Distributed' : 'Inline'} Map state ${q(s.name)}${limit}`;
}

/** Parameters are fields of the execution input; their defaults sit in a Pass state's Result. */
function parameters(ir: IR, asl: unknown): ConceptMapping[] {
  const defaults = findPaths(asl, (n) => isObject(n) && n.Type === 'Pass' && isObject(n.Result) && ir.parameters.some((p) => Object.hasOwn(n.Result as object, p.name)))[0];
  const holder = defaults ? ` (default in Pass state ${q(defaults[defaults.length - 1])})` : '';
  return ir.parameters.map((p) => ({ subject: p.name, as: `execution input field ${q(p.name)}${p.default !== undefined ? holder : ', required'}` }));
}

function schedule(artifacts: Artifact[]): string | null {
  const [s] = artifactDocuments(artifacts, '.schedule.json');
  if (!isObject(s)) return null;
  return `EventBridge Scheduler schedule ${q(s.Name)}: ${String(s.ScheduleExpression)} in ${String(s.ScheduleExpressionTimezone ?? 'UTC')}, starting ${String(at(s, ['Target', 'Arn']))}`;
}

/**
 * A secret env reaches the container as a `secrets` entry of the job definition the step's Task
 * submits (`.batch.json`), or of whatever JSON artifact carries it (an ECS task's overrides).
 */
function secrets(ir: IR, artifacts: Artifact[], tasks: Map<string, Record<string, unknown>>): ConceptMapping[] {
  const docs = artifacts.filter((a) => a.path.endsWith('.json')).map((a) => ({ file: a.path, doc: JSON.parse(a.contents) as unknown }));
  const out: ConceptMapping[] = [];
  for (const step of ir.steps) {
    const jobDefinition = str(at(tasks.get(step.id), ['Parameters', 'JobDefinition']));
    for (const env of step.secretEnv) {
      const isEntry = (n: unknown) => isObject(n) && (n.name === env.name || n.Name === env.name) && (n.valueFrom !== undefined || n.ValueFrom !== undefined);
      const found = docs.flatMap(({ file, doc }) => findPaths(doc, isEntry).map((path) => ({ file, doc, path, owner: ownerName(doc, path) })));
      const hit = found.find((f) => jobDefinition !== undefined && f.owner === jobDefinition) ?? found[0];
      if (!hit) continue;
      const entry = at(hit.doc, hit.path) as Record<string, unknown>;
      const owner = hit.owner ? ` of job definition ${q(hit.owner)}` : '';
      out.push({ subject: `${step.id}: ${env.name}`, as: `Secrets Manager ${q(entry.valueFrom ?? entry.ValueFrom)} as a container secret${owner} (${hit.file})` });
    }
  }
  return out;
}

function ownerName(doc: unknown, path: Path): string | undefined {
  for (let i = path.length - 1; i > 0; i--) {
    const node = at(doc, path.slice(0, i));
    if (isObject(node) && typeof node.jobDefinitionName === 'string') return node.jobDefinitionName;
  }
  return undefined;
}
