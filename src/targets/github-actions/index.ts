import type { Target } from '../target.js';
import { GHA_OPTIONS_SCHEMA } from './options.js';
import { serializeWorkflow } from './serialize.js';
import { buildWorkflow } from './workflow.js';

/**
 * GitHub refuses to start runs of a workflow file larger than 500 KB
 * (https://docs.github.com/en/actions/reference/limits, "Workflow file size"), read as 500 KiB.
 */
export const MAX_WORKFLOW_BYTES = 500 * 1024;

/**
 * `--target github-actions` (alias `gha`): one workflow file, one job per step (SPEC section 6).
 * Docs: docs/targets/github-actions.md.
 */
export const githubActionsTarget: Target = {
  id: 'github-actions',
  aliases: ['gha'],
  description: 'a GitHub Actions workflow: one job per step, parameters as workflow_dispatch inputs',
  files: ['<name>.gha.yml'],
  optionsSchema: GHA_OPTIONS_SCHEMA,
  deployment: { what: 'workflow file in .github/workflows/', name: (flowName) => `${flowName}.gha.yml` },
  compile(ir, { diagnostics }) {
    const errorsBefore = diagnostics.errors().length;
    const text = serializeWorkflow(ir, buildWorkflow(ir, diagnostics));
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_WORKFLOW_BYTES) {
      diagnostics.report(
        'FLOWC603',
        `the GitHub Actions workflow for '${ir.flow.name}' is ${bytes} bytes; GitHub does not start runs of workflow files over 500 KB (${MAX_WORKFLOW_BYTES} bytes), ${bytes - MAX_WORKFLOW_BYTES} bytes over`,
      );
    }
    if (diagnostics.errors().length > errorsBefore) return [];
    return [{ path: `${ir.flow.name}.gha.yml`, contents: text, primary: true }];
  },
};
