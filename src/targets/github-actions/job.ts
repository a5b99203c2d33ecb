import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { stepEnv } from '../../ir/env.js';
import type { IR, IREnvVar, IRStep, IRString } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { Json } from '../../source/tree.js';
import { MAX_EXPRESSION_LENGTH, renderTemplate, type RenderedScalar } from './expressions.js';
import { containerLogin, type ContainerLogin } from './credentials.js';
import { ownRunsOn, type GhaOptions, type Runner } from './options.js';
import { secretExpr } from './secrets.js';
import { originSpan } from './origin.js';
import { envTemplate, shellCommand, shellScript, type RenderScope } from './render-string.js';
import { retryLoop, retryWaits } from './retry-loop.js';
import { itemPathsIn, itemSlots, valueAt, valueText, type ItemSlot } from './runtime-vars.js';
import { ordered } from './serialize.js';
import { checkLimit } from '../limits.js';
import { GHA_LIMIT_TABLE } from './limits.js';
import { setOwn } from '../../source/own-keys.js';
import { outputRefsIn, outputSlots } from '../../ir/shell.js';
import { extraNeeds, jobOutputs, NOT_EMPTY_IF, outputExpr, producerSteps, type OutputJobs } from './outputs.js';
import { outputsPrelude, resetOutputs } from './outputs-shell.js';

/** https://docs.github.com/en/actions/reference/limits (job execution time on GitHub-hosted runners). */
const HOSTED_JOB_MINUTES = 360;

/** The FLOWC_* variables that are the same for every job, set once at the workflow level. */
export const WORKFLOW_ENV = new Set(['FLOWC_FLOW', 'FLOWC_RUN_ID', 'FLOWC_CONFIG_HASH', 'FLOWC_CONFIG']);

/** What every job is built from. */
export interface JobContext {
  ir: IR;
  options: GhaOptions;
  diagnostics: DiagnosticBag;
  /** The expression for a parameter's value as text (see parameters.ts). */
  paramExpr: (name: string) => string;
  /** Job id by step id (see job-ids.ts). */
  jobIds: Map<string, string>;
  /** Each step's options, its own merged over the flow's (options.ts `readStepOptions`). */
  stepOptions: Map<string, GhaOptions>;
  /** The GitHub secret name of a flow secret (secrets.ts), undefined after an error about it. */
  githubSecret: (flowSecret: string) => string | undefined;
  /** Which job holds each step's outputs, and the helper jobs of outputs (outputs.ts). */
  outputJobs: OutputJobs;
}

/** How a step's strings render: its id, the flow name, its item slots, parameter expressions. */
export function scopeFor({ ctx, step, slots }: { ctx: JobContext; step: IRStep; slots: readonly ItemSlot[] }): RenderScope {
  const shellStrings = step.exec.kind === 'run' ? [step.exec.script] : step.exec.argv;
  // Most steps read no step output: then no lists of references are built for them.
  const readsOutputs = shellStrings.some((s) => s.some((p) => p.kind === 'output'));
  return {
    stepId: step.id,
    flowName: ctx.ir.flow.name,
    slots,
    paramExpr: ctx.paramExpr,
    outputSlots: readsOutputs ? outputSlots(shellStrings.flatMap(outputRefsIn)) : [],
    outputExpr: (ref) => outputExpr(ctx.outputJobs, ref),
  };
}

/** The item slots of a foreach step (static or dynamic): one per item path it uses, `${item}` first. */
export function stepItemSlots(step: IRStep): ItemSlot[] {
  if (!step.foreach) return [];
  const usedPaths = [
    ...(step.exec.kind === 'run' ? itemPathsIn(step.exec.script) : step.exec.argv.flatMap(itemPathsIn)),
    ...step.env.flatMap((e) => itemPathsIn(e.value)),
  ];
  return itemSlots(usedPaths);
}

/**
 * One job for one step (SPEC section 6): where it runs (runs-on, container), how long, its
 * matrix for a foreach (static, or planned by its `-items` helper), its env (FLOWC_STEP,
 * FLOWC_ITEM*, FLOWC_STEPS_* for the outputs it reads, the flow's env), one step running the
 * shell text, and for a step with outputs the steps that publish them (outputs.ts).
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobs
 */
export function buildJob(ctx: JobContext, step: IRStep): Record<string, unknown> {
  const { ir, diagnostics, jobIds } = ctx;
  const options = ctx.stepOptions.get(step.id) ?? ctx.options;
  const span = originSpan(step.origin);
  const dynamic = step.foreach?.from != null;
  const items = step.foreach && !dynamic ? step.foreach.items : null;
  const emptyForeach = items !== null && items.length === 0;
  const slots = emptyForeach ? [] : stepItemSlots(step);
  const scope = scopeFor({ ctx, step, slots });
  const jobId = jobIds.get(step.id) as string;

  checkNoNul(step, diagnostics);

  const gpu = step.resources.gpu > 0;
  // A step's own `runsOn` names the runner it needs, GPU or not; for the other GPU steps the
  // flow's `runsOn` defaults to GitHub-hosted `ubuntu-latest`, which has no GPU: `--gpus all`
  // there fails every run, so a GPU step without a GPU runner is refused rather than written.
  const ownRunner = ownRunsOn(step);
  if (gpu && ownRunner === undefined && options.gpuRunsOn === undefined) {
    diagnostics.report(
      'FLOWC631',
      `step '${step.id}' asks for ${step.resources.gpu} GPU(s) but targets.github-actions.gpuRunsOn is not set; set it (or the step's own targets.github-actions.runsOn) to the label(s) of a runner with a GPU`,
      span,
    );
  }
  const runsOn = gpu ? (ownRunner ?? options.gpuRunsOn ?? options.runsOn) : options.runsOn;
  const login = options.container ? containerLogin({ step, options, githubSecret: ctx.githubSecret }) : undefined;

  let strategy: Record<string, unknown> | undefined;
  if (items !== null && !emptyForeach) {
    checkLimit({ diagnostics, limit: GHA_LIMIT_TABLE.matrixJobs, subject: `step '${step.id}': the matrix of its foreach`, actual: items.length, span });
    strategy = ordered('strategy', {
      'fail-fast': false,
      'max-parallel': step.foreach?.parallelism ?? undefined,
      matrix: { include: matrixEntries(items, slots) },
    });
  } else if (dynamic) {
    // The matrix the `-items` helper planned (outputs.ts); its size is checked there, at run time.
    strategy = ordered('strategy', {
      'fail-fast': false,
      'max-parallel': step.foreach?.parallelism ?? undefined,
      matrix: `\${{ fromJSON(needs.${ctx.outputJobs.plan.get(step.id)}.outputs.matrix) }}`,
    });
  }

  const env: Record<string, string> = {};
  const setEnv = (name: string, value: RenderedScalar) => {
    checkExpressionLength({ value, what: `env ${name} of step '${step.id}'`, span, diagnostics });
    setOwn(env, name, value.text);
  };
  if (!emptyForeach) {
    // The variables a script or argv reads step outputs from, with the FLOWC_* ones (src/ir/env.ts order).
    const scriptEnv = scope.outputSlots.map((o) => ({ name: o.envVar, value: [{ kind: 'output' as const, step: o.step, output: o.output }] }));
    for (const v of stepEnv(ir, step, { scriptEnv })) {
      if (WORKFLOW_ENV.has(v.name)) continue;
      setEnv(v.name, renderTemplate(envTemplate(v.value, scope)));
      if (v.name === 'FLOWC_ITEM') {
        for (const slot of slots.slice(1)) setEnv(slot.envVar, renderTemplate([{ kind: 'expr', expr: `matrix.${slot.matrixKey}` }]));
      }
    }
  } else {
    env.FLOWC_STEP = renderTemplate([{ kind: 'text', text: step.id }]).text;
  }

  const withOutputs = step.outputs.length > 0 && !emptyForeach;
  const script = emptyForeach ? 'echo "flowc: foreach over an empty list, nothing to run"\n' : `${withOutputs ? outputsPrelude() : ''}${jobScript(step, scope)}`;
  const run = renderTemplate([{ kind: 'text', text: script }]);
  checkExpressionLength({ value: run, what: `the script of step '${step.id}'`, span, diagnostics });

  const jobTimeout = timeoutMinutes(step);
  // A GitHub-hosted runner stops any job after 6 hours, whatever `timeout-minutes` says; a runner
  // labelled `self-hosted` (every self-hosted runner carries that label) is not bound by it.
  const selfHosted = typeof runsOn === 'string' ? runsOn === 'self-hosted' : runsOn.includes('self-hosted');
  if (jobTimeout !== undefined && jobTimeout > HOSTED_JOB_MINUTES && !selfHosted) {
    diagnostics.report(
      'FLOWC633',
      `step '${step.id}': its job needs ${jobTimeout} minutes (timeout x attempts + retry waits), over the ${HOSTED_JOB_MINUTES} minutes a GitHub-hosted runner lets a job run; it only fits on a self-hosted runner`,
      span,
    );
  }

  const displayName = renderTemplate([{ kind: 'text', text: step.id }]).text;
  const needs = [...new Set([...step.needs.map((n) => jobIds.get(n) ?? n), ...extraNeeds(ctx.outputJobs, step)])];
  const steps: Record<string, unknown>[] = [];
  if (dynamic) steps.push(ordered('step', { name: 'flowc: empty foreach', if: '${{ matrix.flowc_empty }}', run: 'echo "flowc: foreach over an empty list, nothing to run"' }));
  steps.push(ordered('step', { name: displayName, if: dynamic ? NOT_EMPTY_IF : undefined, env: emptyForeach ? undefined : secretEnv(ctx, step), run: run.text }));
  if (withOutputs) steps.push(...producerSteps({ step, job: jobId, dynamic }));
  return ordered('job', {
    name: jobId === step.id ? undefined : displayName,
    permissions: login?.permissions,
    needs: needs.length > 0 ? needs : undefined,
    'runs-on': runnerValue(runsOn),
    environment: environmentValue(options.environment),
    container: options.container ? container(step.image, gpu ? options.gpuContainerOptions : '', login?.credentials) : undefined,
    'timeout-minutes': jobTimeout,
    strategy,
    outputs: withOutputs && !step.foreach ? jobOutputs(step.outputs.map((o) => o.name)) : undefined,
    env,
    steps,
  });
}

/**
 * A step's secrets, each `NAME: ${{ secrets.X }}` in the env of the one step that runs the
 * script (the narrowest scope GitHub has), never in its text: GitHub pastes an expression into a
 * `run` before the shell reads it, and masks the value in logs only when it is read from there.
 * https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/use-secrets
 */
function secretEnv(ctx: JobContext, step: IRStep): Record<string, string> | undefined {
  if (step.secretEnv.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const e of step.secretEnv) {
    const name = ctx.githubSecret(e.secret);
    // Undefined only after FLOWC608/FLOWC634, when no workflow is written.
    if (name !== undefined) setOwn(env, e.name, renderTemplate([{ kind: 'expr', expr: secretExpr(name) }]).text);
  }
  return env;
}

/**
 * `environment: name` or `{ name, url }`: the job waits for the environment's protection rules
 * and reads its secrets. https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments
 */
function environmentValue(env: GhaOptions['environment']): unknown {
  if (env === undefined) return undefined;
  const lit = (s: string) => renderTemplate([{ kind: 'text', text: s }]).text;
  if (typeof env === 'string') return lit(env);
  return ordered('environment', { name: lit(env.name), url: env.url === undefined ? undefined : lit(env.url) });
}

export function runnerValue(r: Runner): string | string[] {
  const label = (s: string) => renderTemplate([{ kind: 'text', text: s }]).text;
  return typeof r === 'string' ? label(r) : r.map(label);
}

/** `container: image`, or the long form when docker options or a registry login are needed. */
function container(image: string, dockerOptions: string, credentials: ContainerLogin['credentials'] | undefined): unknown {
  const img = renderTemplate([{ kind: 'text', text: image }]).text;
  if (dockerOptions === '' && credentials === undefined) return img;
  return ordered('container', {
    image: img,
    credentials: credentials && ordered('credentials', credentials),
    options: dockerOptions === '' ? undefined : renderTemplate([{ kind: 'text', text: dockerOptions }]).text,
  });
}

/**
 * The job's shell text. Exec form: the argv as shell words (`exec` so the program gets the
 * job's signals); a `run` script as written. With a retry policy the command runs in a bounded
 * loop; a `run` script is first kept in a single-quoted variable and run by `sh -c` per attempt.
 */
function jobScript(step: IRStep, scope: RenderScope): string {
  // Each attempt starts with an empty $FLOWC_OUTPUTS, so a failed attempt's files never count.
  const beforeAttempt = step.outputs.length > 0 ? resetOutputs() : undefined;
  if (step.exec.kind === 'command') {
    const cmd = shellCommand(step.exec.argv, scope);
    return step.retry && step.retry.limit > 0 ? retryLoop({ command: cmd, retry: step.retry, attemptSeconds: step.timeoutSeconds, beforeAttempt }) : `exec ${cmd}\n`;
  }
  const script = shellScript(step.exec.script, scope);
  // GitHub refuses an empty `run`; an empty script does nothing, as with `sh -c ''`.
  if (script.trim() === '') return `# flowc: the run script of this step is empty\n${script}`;
  if (!step.retry || step.retry.limit === 0) return script;
  const quoted = `'${script.replaceAll("'", `'\\''`)}'`;
  return `flowc_script=${quoted}\n${retryLoop({ command: 'sh -c "$flowc_script"', retry: step.retry, attemptSeconds: step.timeoutSeconds, beforeAttempt })}`;
}

/**
 * `timeout-minutes` bounds the whole job, every attempt included, so with a retry policy it is
 * the per-attempt timeout times the attempts plus the waits between them, rounded up: the budget
 * of the retry loop, inside which `timeout` stops each attempt at the step's timeout (retry-loop.ts).
 */
function timeoutMinutes(step: IRStep): number | undefined {
  if (step.timeoutSeconds === null) return undefined;
  let seconds = step.timeoutSeconds;
  if (step.retry && step.retry.limit > 0) {
    seconds = step.timeoutSeconds * (step.retry.limit + 1) + retryWaits(step.retry).reduce((a, b) => a + b, 0);
  }
  return Math.max(1, Math.ceil(seconds / 60));
}

/**
 * One `include` entry per item: `item` holds the item as text, and one key per item path the
 * step uses. GitHub documents no expansion for identical `include` entries, so when a list
 * repeats an item every entry also gets a `flowc_index` key and each item stays its own job.
 */
function matrixEntries(items: readonly Json[], slots: readonly ItemSlot[]): Record<string, string | number>[] {
  const entries = items.map((item) => {
    const e: Record<string, string | number> = {};
    for (const slot of slots) {
      setOwn(e, slot.matrixKey, renderTemplate([{ kind: 'text', text: valueText(valueAt(item, slot.path)) }]).text);
    }
    return e;
  });
  const seen = new Set(entries.map((e) => JSON.stringify(e)));
  if (seen.size < entries.length) entries.forEach((e, i) => (e.flowc_index = i));
  return entries;
}

/** GitHub builds one expression per scalar; one longer than 21,000 characters is refused at run time. */
function checkExpressionLength({ value, what, span, diagnostics }: { value: RenderedScalar; what: string; span: Span; diagnostics: DiagnosticBag }): void {
  if (value.expressionLength <= MAX_EXPRESSION_LENGTH) return;
  diagnostics.report(
    'FLOWC604',
    `${what} is too long for GitHub Actions: with its run-time values and any literal '\${{' text it becomes one expression of ${value.expressionLength} characters, and GitHub accepts at most ${MAX_EXPRESSION_LENGTH} (${value.expressionLength - MAX_EXPRESSION_LENGTH} over)`,
    span,
  );
}

/** A NUL character cannot travel through a workflow file, an environment value or an argv. */
function checkNoNul(step: IRStep, diagnostics: DiagnosticBag): void {
  // Every job checks its strings (plain loops: no closures per job); the place is named only when one holds a NUL.
  const report = (where: string) =>
    diagnostics.report('FLOWC604', `steps.${step.id}.${where} contains a NUL character, which GitHub Actions cannot pass to a job`, originSpan(step.origin));
  if (step.exec.kind === 'run') {
    if (hasNul(step.exec.script)) report('run');
  } else {
    const argv = step.exec.argv;
    for (let i = 0; i < argv.length; i++) if (hasNul(argv[i] as IRString)) report(`command[${i}]`);
  }
  for (const e of step.env as readonly IREnvVar[]) if (hasNul(e.value)) report(`env.${e.name}`);
}

function hasNul(s: IRString): boolean {
  for (const p of s) if (p.kind === 'lit' && p.value.includes('\0')) return true;
  return false;
}
