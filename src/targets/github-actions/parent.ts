import type { FlowPart } from '../../ir/partition.js';
import type { IR } from '../../ir/types.js';
import { setOwn } from '../../source/own-keys.js';
import { renderLiteral, renderTemplate } from './expressions.js';
import { readOptions } from './options.js';
import { paramExpression } from './parameters.js';
import { CALL_ID_INPUT, callIdInput } from './run-id.js';
import { secretExpr } from './secrets.js';
import { ordered } from './serialize.js';
import { concurrency, triggers } from './workflow.js';

/**
 * A flow split into parts (partition.ts) on GitHub Actions: every part is a reusable workflow of its
 * own (`on: workflow_call`), and the parent, which keeps the flow's name, triggers, permissions and
 * concurrency, runs them as jobs that call them (`uses: ./.github/workflows/<file>`), ordered by
 * `needs`. https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows
 */

/**
 * A part as the parent calls it: its file name and what its compiled workflow declares. Not the
 * workflow object itself: a part's jobs are garbage once its file is written, where keeping every
 * part's until the parent is built made the objects of a 10,000-step flow outlive two collections.
 */
export interface CompiledPart {
  part: FlowPart;
  /** The part's file name, which is also its path under .github/workflows/. */
  file: string;
  /** The secrets the part declares (`on.workflow_call.secrets`), which its caller passes by name. */
  secrets: string[];
  /** What the calling job grants (`callPermissions`). */
  permissions: string | Record<string, string> | undefined;
}

/** What the parent needs of a part's compiled workflow object. */
export function compiledPart(part: FlowPart, file: string, workflow: Record<string, unknown>): CompiledPart {
  return { part, file, secrets: callSecretNames(workflow), permissions: callPermissions(workflow) };
}

/** The parent's job id of part `index` (0-based). */
export function partJobId(index: number): string {
  return `part-${index + 1}`;
}

/**
 * The parent workflow object. Every parameter is passed to every part as text: the value the
 * whole flow's jobs would have read (`paramExpression`, the scheduled default included), so a part
 * declares each one as a required string input and reads it as it is.
 */
export function buildParent(ir: IR, parts: readonly CompiledPart[]): Record<string, unknown> {
  const options = readOptions(ir);
  const scheduled = ir.schedule !== null;
  const allSecrets = new Set<string>();
  const jobs: Record<string, unknown> = {};
  for (const { part, file, secrets, permissions } of parts) {
    for (const s of secrets) allSecrets.add(s);
    const withInputs: Record<string, string> = {};
    for (const p of ir.parameters) {
      // A number or boolean input's value is typed, and a `string` input takes no bool (actionlint
      // checks calls so); format gives the text GitHub would write into an env value.
      const value = paramExpression(p, scheduled);
      setOwn(withInputs, p.name, expr(p.type === 'string' ? value : `format('{0}', ${value})`));
    }
    // The caller's call id, when the parent itself is called under one, so FLOWC_RUN_ID is the
    // same in every part (run-id.ts); '' under a dispatch or a schedule, where the input is null.
    withInputs[CALL_ID_INPUT] = expr(`inputs.${CALL_ID_INPUT} || ''`);
    let passed: Record<string, string> | undefined;
    if (secrets.length > 0) {
      passed = {};
      for (const s of secrets) passed[s] = expr(secretExpr(s));
    }
    jobs[partJobId(part.index)] = ordered('callJob', {
      name: `part ${part.index + 1} of ${parts.length}`,
      permissions,
      needs: part.needs.length > 0 ? part.needs.map(partJobId) : undefined,
      uses: `./.github/workflows/${file}`,
      with: withInputs,
      secrets: passed,
    });
  }
  return ordered('workflow', {
    name: ir.flow.name,
    on: triggers(ir, allSecrets),
    permissions: options.permissions,
    concurrency: concurrency(ir, options),
    jobs,
  });
}

/**
 * A part's `on.workflow_call` inputs: the flow's parameters as required strings (see `buildParent`),
 * then the call id. Descriptions stay, so a reader of the part sees what each one is.
 */
export function partInputs(ir: IR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of ir.parameters) {
    const input: Record<string, unknown> = {};
    if (p.description !== undefined) input.description = renderLiteral(p.description).text;
    input.type = 'string';
    input.required = true;
    setOwn(out, p.name, input);
  }
  setOwn(out, CALL_ID_INPUT, callIdInput());
  return out;
}

function expr(e: string): string {
  return renderTemplate([{ kind: 'expr', expr: e }]).text;
}

/** The secrets a part declares (`on.workflow_call.secrets`), which its caller passes by name. */
function callSecretNames(workflow: Record<string, unknown>): string[] {
  const on = workflow.on as { workflow_call?: { secrets?: Record<string, unknown> } };
  return Object.keys(on.workflow_call?.secrets ?? {});
}

/**
 * The token permissions the calling job grants: a called workflow can only keep or lower them
 * ("Access and permissions for nested workflows"), so the call grants what the part's workflow
 * asks for and what any of its jobs asks for (a job that logs in to ghcr.io with GITHUB_TOKEN adds
 * `packages: read`, credentials.ts).
 * https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#access-and-permissions-for-nested-workflows
 */
function callPermissions(workflow: Record<string, unknown>): string | Record<string, string> | undefined {
  const top = workflow.permissions as string | Record<string, string> | undefined;
  // A workflow-level read-all/write-all: jobs then ask for nothing more (credentials.ts).
  if (top === undefined || typeof top === 'string') return top;
  const rank = (level: string) => (level === 'write' ? 2 : level === 'read' ? 1 : 0);
  const out: Record<string, string> = { ...top };
  for (const job of Object.values(workflow.jobs as Record<string, { permissions?: unknown }>)) {
    const own = job.permissions;
    if (own === undefined || typeof own !== 'object' || own === null) continue;
    for (const [scope, level] of Object.entries(own as Record<string, string>)) {
      if (!Object.hasOwn(out, scope) || rank(level) > rank(out[scope] as string)) out[scope] = level;
    }
  }
  return out;
}
