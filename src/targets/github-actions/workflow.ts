import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { stepEnv } from '../../ir/env.js';
import type { IR } from '../../ir/types.js';
import { MAX_EXPRESSION_LENGTH, renderTemplate } from './expressions.js';
import { buildJob, runnerValue, scopeFor, stepItemSlots, WORKFLOW_ENV, type JobContext } from './job.js';
import { collectJob, planJob, planOutputJobs, type HelperContext } from './outputs.js';
import { assignJobIds } from './job-ids.js';
import { readOptions, readStepOptions, type GhaOptions } from './options.js';
import { checkCredentialSecrets } from './credentials.js';
import { callSecrets, githubSecretNames } from './secrets.js';
import { callInputs, checkParameters, dispatchInputs, paramExpression } from './parameters.js';
import { envTemplate } from './render-string.js';
import { paramVar } from './runtime-vars.js';
import { CALL_ID_INPUT, CALL_SUFFIX_EXPR, callIdInput } from './run-id.js';
import { ordered } from './serialize.js';
import { GHA_LIMIT_TABLE, GHA_LIMITS } from './limits.js';
import { reportConfigLeftOut, type LimitExcess } from '../config-env.js';
import { checkLimit } from '../limits.js';
import { originSpan } from './origin.js';
import { setOwn } from '../../source/own-keys.js';

/** FLOWC_CONFIG over this is left out rather than breaking every job at start (limits.ts). */
export const MAX_ENV_VALUE_BYTES = GHA_LIMITS.envValueBytes;
/** POSIX `sh -c` semantics for every `run` (no `-e`), as the IR defines a `run` script. */
const SHELL = 'sh {0}';

/**
 * The workflow object for a flow (SPEC section 6, github-actions column): triggers from
 * parameters and schedule, FLOWC_* and parameter env at the workflow level, one job per step.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax
 */
export function buildWorkflow(ir: IR, diagnostics: DiagnosticBag): Record<string, unknown> {
  const options = readOptions(ir);
  checkParameters(ir, diagnostics);
  checkDispatchInputs(ir, diagnostics);
  const scheduled = ir.schedule !== null;
  const params = new Map(ir.parameters.map((p) => [p.name, p]));
  const paramExpr = (name: string) => {
    const p = params.get(name);
    return p ? paramExpression(p, scheduled) : `inputs.${name}`;
  };
  const jobIds = assignJobIds(ir.steps, diagnostics);
  // A step without overrides runs with the flow's options: read (cloned and checked) once, not per step.
  const flowStepOptions = readOptions(ir);
  const stepOptions = new Map(ir.steps.map((s) => [s.id, Object.hasOwn(s.targets, 'github-actions') ? readStepOptions(ir, s) : flowStepOptions]));
  checkCredentialSecrets({ ir, stepOptions, diagnostics });
  const flowSecrets = new Set(ir.steps.flatMap((s) => s.secretEnv.map((e) => e.secret)));
  for (const o of stepOptions.values()) if (o.container && o.containerCredentials) flowSecrets.add(o.containerCredentials.password);
  const githubNames = githubSecretNames(ir, flowSecrets, diagnostics);
  const outputJobs = planOutputJobs(ir, jobIds);
  const ctx: JobContext = { ir, options, diagnostics, paramExpr, jobIds, stepOptions, githubSecret: (n) => githubNames.get(n), outputJobs };
  const helpers: HelperContext = { jobs: outputJobs, jobIds, runsOn: runnerValue(options.runsOn) };

  // Helper jobs sit next to the job they serve: a plan before, a collector after.
  const jobs: Record<string, unknown> = {};
  for (const step of ir.steps) {
    const id = jobIds.get(step.id);
    if (id === undefined) continue;
    const plan = outputJobs.plan.get(step.id);
    if (plan !== undefined) jobs[plan] = planJob(helpers, step, stepItemSlots(step));
    jobs[id] = buildJob(ctx, step);
    const collect = outputJobs.collect.get(step.id);
    if (collect !== undefined) jobs[collect] = collectJob(helpers, step);
  }
  return ordered('workflow', {
    name: ir.flow.name,
    on: triggers(ir, githubNames.values()),
    permissions: options.permissions,
    concurrency: concurrency(ir, options),
    defaults: { run: { shell: SHELL } },
    env: workflowEnv(ctx),
    jobs,
  });
}

/**
 * By default at most one run of a flow at a time per ref, like Argo's CronWorkflow
 * (`concurrencyPolicy: Forbid`): a run that starts while one is in progress waits instead of
 * overlapping it, and is never cancelled by it. The group names the flow rather than
 * `github.workflow`, which under `workflow_call` is the caller's name: a caller using the same
 * pattern would share the group with the flow it calls and deadlock. Calls a caller names apart
 * (`flowc-call-id`, run-id.ts) get groups of their own. The option sets a literal
 * group of the user's own, or `false` leaves the key out.
 * https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency
 */
export function concurrency(ir: IR, options: GhaOptions): Record<string, unknown> | undefined {
  if (options.concurrency === false) return undefined;
  const group = options.concurrency
    ? renderTemplate([{ kind: 'text', text: options.concurrency.group }])
    : renderTemplate([
        { kind: 'text', text: `flowc-${ir.flow.name}-` },
        { kind: 'expr', expr: 'github.ref' },
        { kind: 'expr', expr: CALL_SUFFIX_EXPR },
      ]);
  return ordered('concurrency', { group: group.text, 'cancel-in-progress': options.concurrency ? options.concurrency.cancelInProgress : false });
}

/**
 * Every parameter is one `workflow_dispatch` input and GitHub refuses a workflow with more than
 * 25; reported at the first parameter over the limit.
 */
function checkDispatchInputs(ir: IR, diagnostics: DiagnosticBag): void {
  const limit = GHA_LIMIT_TABLE.dispatchInputs;
  const first = ir.parameters[limit.value];
  if (first === undefined) return;
  checkLimit({
    diagnostics,
    limit,
    subject: `the workflow_dispatch inputs of '${ir.flow.name}' (one per parameter, '${first.name}' is the ${limit.value + 1}th)`,
    actual: ir.parameters.length,
    span: originSpan(first.origin),
  });
}

export function triggers(ir: IR, githubSecrets: Iterable<string>): Record<string, unknown> {
  const on: Record<string, unknown> = {};
  on.workflow_dispatch = ir.parameters.length > 0 ? { inputs: dispatchInputs(ir.parameters) } : null;
  // The call id comes after the parameters, so a caller reads the flow's own inputs first.
  const callInputMap = callInputs(ir.parameters);
  setOwn(callInputMap, CALL_ID_INPUT, callIdInput());
  on.workflow_call = ordered('workflowCall', { inputs: callInputMap, secrets: callSecrets(githubSecrets) });
  if (ir.schedule) {
    // GitHub takes an IANA `timezone` next to `cron` and handles DST (workflow-syntax#onschedule;
    // github/docs #60290), so no conversion to UTC is needed; UTC itself needs no key.
    const tz = ir.schedule.timezone;
    on.schedule = [ordered('schedule', { cron: ir.schedule.cron, timezone: tz === null || isUtc(tz) ? undefined : tz })];
  }
  return ordered('on', on);
}

/**
 * UTC under any of its tz database names (`Etc/UCT`, `Etc/Zulu`, `Etc/GMT+0`, ...): UTC is
 * GitHub's default, and actionlint 1.7.12 rejects `UTC` as a `timezone` value, so the key is left
 * out rather than written as an alias of the default.
 */
function isUtc(tz: string): boolean {
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone === 'UTC';
}

/** Env shared by every job: the step-independent FLOWC_* variables and one variable per parameter. */
function workflowEnv(ctx: JobContext): Record<string, string> {
  const { ir } = ctx;
  const env: Record<string, string> = {};
  const first = ir.steps[0];
  if (first) {
    const scope = scopeFor({ ctx, step: first, slots: [] });
    for (const v of stepEnv(ir, first)) {
      if (!WORKFLOW_ENV.has(v.name)) continue;
      const rendered = renderTemplate(envTemplate(v.value, scope));
      if (v.name === 'FLOWC_CONFIG') {
        const excess = configExcess(rendered);
        if (excess) {
          reportConfigLeftOut(ctx.diagnostics, excess);
          continue;
        }
      }
      setOwn(env, v.name, rendered.text);
    }
  }
  for (const p of ir.parameters) setOwn(env, paramVar(p.name), renderTemplate([{ kind: 'expr', expr: ctx.paramExpr(p.name) }]).text);
  return env;
}

/** The limit the rendered FLOWC_CONFIG breaks as one workflow env value, if any. */
function configExcess(rendered: { text: string; expressionLength: number }): LimitExcess | undefined {
  if (rendered.expressionLength > MAX_EXPRESSION_LENGTH) {
    return { limit: GHA_LIMIT_TABLE.expressionChars, subject: 'the expression that writes it', actual: rendered.expressionLength };
  }
  const bytes = Buffer.byteLength(rendered.text);
  if (bytes > MAX_ENV_VALUE_BYTES) return { limit: GHA_LIMIT_TABLE.envValueBytes, subject: 'its environment value', actual: bytes };
  return undefined;
}
