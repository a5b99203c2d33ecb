import type { CompileRequest } from '../pipeline/compile.js';
import { SourceRegistry } from '../source/files.js';
import { findTarget } from '../targets/index.js';
import { deployDiagnostic } from './cloud-errors.js';
import { DEPLOYABLE, type DeployResult, type DeploySettings, type DeployTargetId } from './types.js';

const FLOW_NAME = /^[a-z][a-z0-9-]{0,51}$/;

export type { DeployChange, DeployClients, DeployResult, DeploySettings } from './types.js';

/**
 * Compiles a flow for one target and deploys it (docs/deploy.md). Each target's module, and the
 * cloud SDK it uses, is imported only when that target deploys. Never throws for bad input or a
 * failed cloud call: the result carries diagnostics.
 */
export async function deployFlow(req: CompileRequest & { target: string }, settings: DeploySettings): Promise<DeployResult> {
  const id = findTarget(req.target)?.id;
  if (!DEPLOYABLE.includes(id as DeployTargetId)) {
    const d = id === undefined
      ? deployDiagnostic('FLOWC740', `unknown target '${req.target}'`, [`flowc deploys to ${DEPLOYABLE.join(', ')}`])
      : deployDiagnostic('FLOWC740', `target ${id} has no engine to deploy to`, [`flowc deploys to ${DEPLOYABLE.join(', ')}`]);
    return { ok: false, target: req.target, name: settings.name ?? '', dryRun: settings.dryRun === true, artifacts: [], changes: [], diagnostics: [d], sources: req.sources ?? new SourceRegistry() };
  }
  // The deployed name becomes the flow's name (artifacts, annotations, state machine), so it
  // follows the flow-name rule; each target then sanitizes it as it does a flow's.
  if (settings.name !== undefined && !FLOW_NAME.test(settings.name)) {
    const d = deployDiagnostic('FLOWC741', `--name ${JSON.stringify(settings.name)} is not a flow name: a lowercase letter, then lowercase letters, digits and '-', at most 52`);
    return { ok: false, target: id as string, name: settings.name, dryRun: settings.dryRun === true, artifacts: [], changes: [], diagnostics: [d], sources: req.sources ?? new SourceRegistry() };
  }
  switch (id as DeployTargetId) {
    case 'stepfunctions':
      return (await import('./stepfunctions.js')).deployStepFunctions(req, settings);
    case 'github-actions':
      return (await import('./github-actions.js')).deployGithubActions(req, settings);
    case 'gcp-workflows':
      return (await import('./gcp-workflows.js')).deployGcpWorkflows(req, settings);
    case 'argo':
      return (await import('./argo.js')).deployArgo(req, settings);
  }
}
