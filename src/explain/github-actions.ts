import type { IR } from '../ir/types.js';
import type { Artifact } from '../targets/target.js';
import type { ConceptMapping, StepMapping, TargetExplanation } from './model.js';
import { artifactDocuments, at, findPaths, isObject, q, str } from './tree.js';

/** The GitHub Actions explainer: reads the workflow `<name>.gha.yml`. */
export function explainGithubActions(ir: IR, artifacts: Artifact[]): TargetExplanation {
  const [workflow] = artifactDocuments(artifacts, '.gha.yml');
  const jobs = at(workflow, ['jobs']);
  const steps: StepMapping[] = [];
  const foreach: ConceptMapping[] = [];
  const jobOf = new Map<string, Record<string, unknown>>();
  for (const step of ir.steps) {
    // A step's helper jobs (`<job>-items` plans a dynamic matrix, `<job>-outputs` collects a
    // foreach's values) carry its FLOWC_STEP too; the step runs in the job they are named after.
    const paths = findPaths(jobs, (n) => isObject(n) && n.FLOWC_STEP === step.id);
    const helper = (p: unknown[]) => typeof p[0] === 'string' && paths.some((o) => typeof o[0] === 'string' && (p[0] === `${o[0]}-items` || p[0] === `${o[0]}-outputs`));
    const path = paths.find((p) => !helper(p)) ?? paths[0];
    if (!path || typeof path[0] !== 'string') continue;
    const job = at(jobs, [path[0]]) as Record<string, unknown>;
    jobOf.set(step.id, job);
    steps.push({ step: step.id, as: `job ${q(path[0])}${isObject(job.container) ? ` in container ${q(at(job, ['container', 'image']))}` : ''} on ${q(Array.isArray(job['runs-on']) ? `[${job['runs-on'].join(', ')}]` : job['runs-on'])}`, within: [] });
    const matrix = at(job, ['strategy', 'matrix']);
    // A dynamic foreach's matrix is an expression: `fromJSON(needs.<job>-items.outputs.matrix)`.
    if (step.foreach && (isObject(matrix) || typeof matrix === 'string')) {
      const include = isObject(matrix) ? matrix.include : undefined;
      const size =
        typeof matrix === 'string'
          ? `matrix planned at run time from ${q(`steps.${step.foreach.from?.step}.outputs.${step.foreach.from?.output}`)} (${q(matrix)})`
          : Array.isArray(include)
            ? `${include.length} matrix entries`
            : `matrix ${q(JSON.stringify(matrix))}`;
      const max = at(job, ['strategy', 'max-parallel']);
      foreach.push({ subject: step.id, as: `matrix strategy of job ${q(path[0])}: ${size}${max === undefined ? '' : `, max-parallel ${String(max)}`}` });
    }
  }
  const on = at(workflow, ['on']);
  const crons = at(on, ['schedule']);
  return {
    steps,
    foreach,
    ordering: ["each need is the job's needs:; GitHub Actions runs the flow's graph as written"],
    parameters: ir.parameters.map((p) => ({
      subject: p.name,
      as: [isObject(at(on, ['workflow_dispatch', 'inputs', p.name])) ? 'workflow_dispatch' : null, isObject(at(on, ['workflow_call', 'inputs', p.name])) ? 'workflow_call' : null]
        .filter((x) => x !== null)
        .map((trigger) => `${trigger} input ${q(p.name)}`)
        .join(' and '),
    })),
    schedule: Array.isArray(crons) ? `on.schedule cron ${crons.map((c) => q(at(c, ['cron']))).join(', ')} (UTC, on the default branch)` : null,
    secrets: secrets(ir, jobOf),
  };
}

function secrets(ir: IR, jobOf: Map<string, Record<string, unknown>>): ConceptMapping[] {
  const out: ConceptMapping[] = [];
  for (const step of ir.steps) {
    const job = jobOf.get(step.id);
    for (const env of step.secretEnv) {
      const path = findPaths(job, (n) => isObject(n) && typeof n[env.name] === 'string' && /\$\{\{\s*secrets\./.test(n[env.name] as string))[0];
      const value = path ? str(at(job, [...path, env.name])) : undefined;
      const name = value ? /secrets\.([A-Za-z0-9_]+)/.exec(value)?.[1] : undefined;
      if (name) out.push({ subject: `${step.id}: ${env.name}`, as: `GitHub Actions secret ${q(name)} (${q(value)})` });
    }
  }
  return out;
}
