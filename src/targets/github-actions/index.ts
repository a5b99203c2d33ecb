import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR } from '../../ir/types.js';
import type { Artifact, Target } from '../target.js';
import { compileWithParts } from './partition.js';
import { GHA_LIMIT_TABLE } from './limits.js';
import { checkLimit, flowFileSpan } from '../limits.js';
import { GHA_OPTIONS_SCHEMA, GHA_PER_STEP_OPTIONS } from './options.js';
import { checkSecretLocator } from './secrets.js';
import { checkWrittenOptions } from './written-options.js';
import { serializeWorkflow } from './serialize.js';
import { buildWorkflow } from './workflow.js';

/** GitHub refuses to start runs of a workflow file larger than 500 KB (limits.ts). */
export const MAX_WORKFLOW_BYTES = GHA_LIMIT_TABLE.workflowBytes.value;

/**
 * `--target github-actions` (alias `gha`): one workflow file, one job per step (SPEC section 6).
 * Docs: docs/targets/github-actions.md.
 */
export const githubActionsTarget: Target = {
  id: 'github-actions',
  aliases: ['gha'],
  description: 'a GitHub Actions workflow: one job per step, parameters as workflow_dispatch inputs',
  engine: 'GitHub Actions',
  files: ['<name>.gha.yml', '<name>.part-<n>.gha.yml'],
  optionsSchema: GHA_OPTIONS_SCHEMA,
  limits: GHA_LIMIT_TABLE,
  perStepOptions: GHA_PER_STEP_OPTIONS,
  secrets: { locator: 'the name of a GitHub Actions secret (HF_TOKEN), read as ${{ secrets.HF_TOKEN }}', checkLocator: checkSecretLocator },
  checkWrittenOptions,
  stepOutputs: true,
  deployment: { what: 'workflow file in .github/workflows/', name: (flowName) => `${flowName}.gha.yml` },
  compile(ir, { diagnostics }) {
    // Over GitHub's workflow file size: a parent that calls parts (partition.ts).
    return compileWithParts(ir, diagnostics, compileWhole);
  },
};

function compileWhole(ir: IR, diagnostics: DiagnosticBag): { text: string; artifacts: Artifact[] } {
  const errorsBefore = diagnostics.errors().length;
  const text = serializeWorkflow(ir, buildWorkflow(ir, diagnostics));
  checkLimit({ diagnostics, limit: GHA_LIMIT_TABLE.workflowBytes, subject: `the GitHub Actions workflow for '${ir.flow.name}'`, actual: Buffer.byteLength(text), span: flowFileSpan(ir) });
  if (diagnostics.errors().length > errorsBefore) return { text, artifacts: [] };
  return { text, artifacts: [{ path: `${ir.flow.name}.gha.yml`, contents: text, primary: true }] };
}
