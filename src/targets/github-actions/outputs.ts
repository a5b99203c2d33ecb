import type { IR, IROutputRef, IRStep } from '../../ir/types.js';
import { stepOutputRefs } from '../../ir/shell.js';
import { renderTemplate, type TemplatePart } from './expressions.js';
import { CALL_SUFFIX_EXPR } from './run-id.js';
import { ordered } from './serialize.js';
import { collectScript, planScript, publishScript, stageScript, UPLOAD_DIR } from './outputs-shell.js';
import type { ItemSlot } from './runtime-vars.js';

/**
 * Step outputs and dynamic foreach on GitHub Actions (docs/targets/github-actions.md, "Step
 * outputs"): which jobs carry which values, and the steps and helper jobs that move them.
 *
 * - A plain step's outputs are job outputs (`jobs.<id>.outputs`), read downstream as
 *   `needs.<job>.outputs.<name>`. The `needs` context holds only the jobs a job names in its own
 *   `needs` (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#needs-context),
 *   so a reader also needs the job that holds the value, even when it is a farther ancestor.
 * - A matrix job's outputs are not aggregated: every leg sets the same job output and one of
 *   them wins (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/pass-job-outputs).
 *   So each task of a foreach step uploads its values as one artifact named after its
 *   `strategy.job-index` (the 0-based position of its matrix entry,
 *   https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#strategy-context),
 *   and a helper job `<job>-outputs` downloads them all and publishes one JSON list per output.
 * - A dynamic foreach gets a helper job `<job>-items` that turns the list into the matrix
 *   (`matrix: ${{ fromJSON(...) }}`), checks it is a list of at most 256 items, and stands one
 *   skipping entry in for an empty list, which GitHub would refuse.
 * Helper job ids hold a `-`, which step ids never do (`^[a-z][a-z0-9_]*$`), so they cannot take a
 * step's job id.
 */

/** actions/upload-artifact and download-artifact, pinned by major version. */
export const UPLOAD_ARTIFACT = 'actions/upload-artifact@v4';
export const DOWNLOAD_ARTIFACT = 'actions/download-artifact@v4';

/** The id of the step that publishes a job's outputs. */
export const PUBLISH_STEP_ID = 'flowc_outputs';

/** Helper jobs run on the runner itself; they do little, so they get a short timeout. */
const HELPER_TIMEOUT_MINUTES = 10;

export interface OutputJobs {
  /** The `<job>-outputs` helper of each foreach step with outputs, by step id. */
  collect: Map<string, string>;
  /** The `<job>-items` helper of each dynamic foreach step, by step id. */
  plan: Map<string, string>;
  /** The job whose outputs hold step `s`'s values: its own job, or its collect helper. */
  holder(step: string): string | undefined;
}

export function planOutputJobs(ir: IR, jobIds: Map<string, string>): OutputJobs {
  const taken = new Set([...jobIds.values()].map((j) => j.toLowerCase()));
  const fresh = (base: string) => {
    let id = base;
    for (let n = 2; taken.has(id.toLowerCase()); n++) id = `${base}-${n}`;
    taken.add(id.toLowerCase());
    return id;
  };
  const collect = new Map<string, string>();
  const plan = new Map<string, string>();
  for (const step of ir.steps) {
    const job = jobIds.get(step.id);
    if (job === undefined) continue;
    if (step.foreach?.from) plan.set(step.id, fresh(`${job}-items`));
    if (step.foreach && step.outputs.length > 0) collect.set(step.id, fresh(`${job}-outputs`));
  }
  return { collect, plan, holder: (s) => collect.get(s) ?? jobIds.get(s) };
}

/** `a.b` for a name that reads as an identifier, else `a['b']`. */
export function prop(base: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? `${base}.${name}` : `${base}['${name.replaceAll("'", "''")}']`;
}

/** The expression for one step output, read in a job that needs its holder. */
export function outputExpr(jobs: OutputJobs, ref: IROutputRef): string {
  return prop(`needs.${jobs.holder(ref.step) ?? ref.step}.outputs`, ref.output);
}


/**
 * The jobs a step's job needs beyond its own `needs`: the holder of every output it reads (so
 * `needs.<holder>` exists) and its plan helper. Those are ancestors already, so the order of
 * jobs does not change.
 */
export function extraNeeds(jobs: OutputJobs, step: IRStep): string[] {
  const out: string[] = [];
  for (const ref of stepOutputRefs(step)) {
    if (step.foreach?.from && ref === step.foreach.from) continue;
    const holder = jobs.holder(ref.step);
    if (holder !== undefined) out.push(holder);
  }
  const plan = jobs.plan.get(step.id);
  if (plan !== undefined) out.push(plan);
  return out;
}

/** The artifact-name prefix of a foreach step's tasks: `flowc[-<call id>].<job>.`, then the index. */
function artifactPrefix(job: string): TemplatePart[] {
  return [{ kind: 'text', text: 'flowc' }, { kind: 'expr', expr: CALL_SUFFIX_EXPR }, { kind: 'text', text: `.${job}.` }];
}

const lit = (text: string) => renderTemplate([{ kind: 'text', text }]).text;

/** `if:` for the steps of a dynamic foreach task: false on the entry that stands in for an empty list. */
export const NOT_EMPTY_IF = '${{ !matrix.flowc_empty }}';

/**
 * The steps after a step's own that publish its outputs: for a plain step, one step whose
 * outputs the job maps to job outputs; for a foreach task, a check-and-stage step and the upload.
 */
export function producerSteps({ step, job, dynamic }: { step: IRStep; job: string; dynamic: boolean }): Record<string, unknown>[] {
  const when = dynamic ? NOT_EMPTY_IF : undefined;
  if (!step.foreach) return [ordered('step', { id: PUBLISH_STEP_ID, name: 'flowc: publish outputs', run: lit(publishScript(step.outputs)) })];
  const name = renderTemplate([...artifactPrefix(job), { kind: 'expr', expr: 'strategy.job-index' }]).text;
  return [
    ordered('step', { name: 'flowc: check outputs', if: when, run: lit(stageScript(step.outputs)) }),
    ordered('step', {
      name: 'flowc: upload outputs',
      if: when,
      uses: UPLOAD_ARTIFACT,
      with: ordered('with', { name, path: UPLOAD_DIR, 'if-no-files-found': 'error', 'retention-days': 1, overwrite: true }),
    }),
  ];
}

/** `jobs.<id>.outputs` of a plain step's job (or a helper's): each name from the publish step. */
export function jobOutputs(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) out[n] = `\${{ ${prop(`steps.${PUBLISH_STEP_ID}.outputs`, n)} }}`;
  return out;
}

export interface HelperContext {
  jobs: OutputJobs;
  jobIds: Map<string, string>;
  runsOn: string | string[];
}

/** The `<job>-outputs` helper of a foreach step: download every task's artifact, publish the lists. */
export function collectJob(ctx: HelperContext, step: IRStep): Record<string, unknown> {
  const job = ctx.jobIds.get(step.id) as string;
  const plan = ctx.jobs.plan.get(step.id);
  const staticCount = step.foreach?.from ? null : (step.foreach?.items.length ?? 0);
  const countExpr = plan === undefined ? undefined : `needs.${plan}.outputs.count`;
  const steps: Record<string, unknown>[] = [];
  if (staticCount !== 0) {
    steps.push(
      ordered('step', {
        name: 'flowc: download outputs',
        if: countExpr === undefined ? undefined : `\${{ ${countExpr} != '0' }}`,
        uses: DOWNLOAD_ARTIFACT,
        with: ordered('with', { pattern: renderTemplate([...artifactPrefix(job), { kind: 'text', text: '*' }]).text, path: UPLOAD_DIR }),
      }),
    );
  }
  const env: Record<string, string> = { FLOWC_ARTIFACTS: renderTemplate(artifactPrefix(job)).text };
  if (countExpr !== undefined) env.FLOWC_TASKS = `\${{ ${countExpr} }}`;
  steps.push(
    ordered('step', {
      id: PUBLISH_STEP_ID,
      name: 'flowc: collect outputs',
      env,
      run: lit(collectScript({ outputs: step.outputs, prefix: '"$FLOWC_ARTIFACTS"', count: countExpr === undefined ? String(staticCount) : '"$FLOWC_TASKS"' })),
    }),
  );
  return ordered('job', {
    needs: [job, ...(plan === undefined ? [] : [plan])],
    'runs-on': ctx.runsOn,
    'timeout-minutes': HELPER_TIMEOUT_MINUTES,
    outputs: jobOutputs(step.outputs.map((o) => o.name)),
    env: { FLOWC_STEP: lit(step.id) },
    steps,
  });
}

/** The `<job>-items` helper of a dynamic foreach step: the list checked and turned into a matrix. */
export function planJob(ctx: HelperContext, step: IRStep, slots: readonly ItemSlot[]): Record<string, unknown> {
  const from = step.foreach?.from as IROutputRef;
  const holder = ctx.jobs.holder(from.step) ?? from.step;
  return ordered('job', {
    needs: [holder],
    'runs-on': ctx.runsOn,
    'timeout-minutes': HELPER_TIMEOUT_MINUTES,
    outputs: jobOutputs(['matrix', 'count']),
    env: { FLOWC_STEP: lit(step.id) },
    steps: [
      ordered('step', {
        id: PUBLISH_STEP_ID,
        name: 'flowc: plan the foreach',
        env: { FLOWC_LIST: `\${{ ${outputExpr(ctx.jobs, from)} }}` },
        run: lit(planScript({ stepId: step.id, source: `steps.${from.step}.outputs.${from.output}`, slots })),
      }),
    ],
  });
}
