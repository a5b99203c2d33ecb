import type { IR } from '../ir/types.js';
import type { Artifact } from '../targets/target.js';
import type { ConceptMapping, StepMapping, TargetExplanation } from './model.js';
import { artifactDocuments, at, findPaths, isObject, type Path, q, str } from './tree.js';

/** The Google Cloud Workflows explainer: reads `<name>.gcp.yaml` and `<name>.scheduler.json`. */
export function explainGcpWorkflows(ir: IR, artifacts: Artifact[]): Omit<TargetExplanation, 'ordering'> & { ordering?: string[] } {
  const [workflow] = artifactDocuments(artifacts, '.gcp.yaml');
  const steps: StepMapping[] = [];
  const foreach: ConceptMapping[] = [];
  const calls = new Map<string, Record<string, unknown>>();
  for (const step of ir.steps) {
    const path = findPaths(workflow, (n) => isObject(n) && typeof n.call === 'string' && at(n, ['args', 'step']) === step.id)[0];
    if (!path) continue;
    const call = at(workflow, path) as Record<string, unknown>;
    calls.set(step.id, call);
    const sub = String(call.call);
    const api = findPaths(at(workflow, [sub]), (n) => isObject(n) && typeof n.call === 'string' && n.call.startsWith('googleapis.'))
      .map((p) => str(at(at(workflow, [sub]), [...p, 'call'])))[0];
    steps.push({ step: step.id, as: `step ${q(path[path.length - 1])} calling subworkflow ${q(sub)}${api ? ` (${api})` : ''}`, within: containers(workflow, path) });
    const loop = loopOf(workflow, path);
    if (step.foreach && loop) foreach.push({ subject: step.id, as: loop });
  }
  return { ...dagOrdering(workflow), steps, foreach, parameters: ir.parameters.map((p) => ({ subject: p.name, as: `key ${q(p.name)} of the execution argument (main's ${q(at(workflow, ['main', 'params', 0]))})` })), schedule: schedule(artifacts), secrets: secrets(ir, calls) };
}

/** The parallel branches and loops a call sits in, outermost first; the subworkflow is the first key. */
function containers(root: unknown, path: Path): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const owner = path[i - 1];
    if (path[i] === 'parallel' && path[i + 1] === 'branches' && typeof path[i + 3] === 'string') out.push(`branch ${q(path[i + 3])} of parallel step ${q(owner)}`);
    if (path[i] === 'for') out.push(`${path[i - 1] === 'parallel' ? `parallel for loop of step ${q(path[i - 2])}` : `for loop of step ${q(owner)}`}`);
  }
  if (path[0] !== 'main') out.unshift(`subworkflow ${q(path[0])}`);
  return out;
}

function loopOf(root: unknown, path: Path): string | undefined {
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== 'for') continue;
    const parallel = path[i - 1] === 'parallel';
    const loop = at(root, path.slice(0, i + 1));
    const holder = at(root, path.slice(0, i));
    const items = at(loop, ['in']);
    const count = Array.isArray(items) ? `${items.length} items` : `the list ${q(items)}`;
    const limit = parallel ? at(holder, ['concurrency_limit']) : undefined;
    return `${parallel ? 'parallel ' : ''}for loop of step ${q(path[parallel ? i - 2 : i - 1])} over ${count}${limit === undefined ? '' : `, concurrency_limit ${String(limit)}`}`;
  }
  return undefined;
}

function schedule(artifacts: Artifact[]): string | null {
  const [s] = artifactDocuments(artifacts, '.scheduler.json');
  if (!isObject(s)) return null;
  return `Cloud Scheduler job ${q(s.name)}: ${String(s.schedule)} in ${String(s.timeZone ?? 'UTC')}, POSTing a new execution`;
}

function secrets(ir: IR, calls: Map<string, Record<string, unknown>>): ConceptMapping[] {
  const out: ConceptMapping[] = [];
  for (const step of ir.steps) {
    for (const env of step.secretEnv) {
      const locator = at(calls.get(step.id), ['args', 'secrets', env.name]);
      if (typeof locator === 'string') out.push({ subject: `${step.id}: ${env.name}`, as: `Secret Manager ${q(locator)} as a Cloud Batch secret variable` });
    }
  }
  return out;
}

/**
 * A graph that is not series-parallel runs as a chain schedule or, wider than the branches one
 * execution runs at once, on a worker pool (docs/targets/gcp-workflows.md, "Exact DAGs"): said
 * here, since the blocks' lowering text would not describe either.
 */
function dagOrdering(workflow: unknown): { ordering?: string[] } {
  const pool = findPaths(workflow, (n) => isObject(n) && isObject(n.flowc_pool))[0];
  if (pool) {
    const roles = at(workflow, [...pool, 'flowc_pool', 'parallel', 'for', 'in']);
    const workers = Array.isArray(roles) ? roles.length - 1 : 0;
    return {
      ordering: [
        `a worker pool: the flow's graph is not series-parallel and wider than the branches one execution runs at once, so a dispatcher (the first iteration of parallel step \`flowc_pool\`) hands each step, once its needs have succeeded, to one of ${workers} workers (the other iterations); no ordering is added, at most ${workers} steps run at once (see "Exact DAGs" in docs/targets/gcp-workflows.md; FLOWC657)`,
      ],
    };
  }
  const loop = findPaths(workflow, (n) => isObject(n) && isObject(n.flowc_dag))[0];
  if (!loop) return {};
  const chains = at(workflow, [...loop, 'flowc_dag', 'parallel', 'for', 'in']);
  const n = Array.isArray(chains) ? chains.length : 0;
  return {
    ordering: [
      `a chain schedule: the flow's graph is not series-parallel, so its steps run on ${n} chains, the iterations of parallel step \`flowc_dag\`; each step waits for its needs on other chains by polling the shared map \`flowc_finished\` (see "Exact DAGs" in docs/targets/gcp-workflows.md; FLOWC657 lists any ordering added)`,
    ],
  };
}
