import type { CompileRequest } from '../pipeline/compile.js';
import { deployDiagnostic } from './cloud-errors.js';
import { compileForDeploy } from './prepare.js';
import { DeployRun } from './run.js';
import type { DeployResult, DeploySettings } from './types.js';

/** Not built yet: compiles, then says so (FLOWC740). */
export async function deployArgo(req: CompileRequest, s: DeploySettings): Promise<DeployResult> {
  const prepared = compileForDeploy({ ...req, target: 'argo' });
  const run = new DeployRun(s.dryRun === true);
  const diagnostics = [...prepared.diagnostics];
  if (prepared.ir) diagnostics.push(deployDiagnostic('FLOWC740', 'deploying to argo is not implemented yet', ['compile with flowc compile --target argo and apply the artifact with the engine\'s own tools']));
  return run.result({ target: 'argo', name: s.name ?? prepared.ir?.flow.name ?? '', artifacts: prepared.artifacts, sources: prepared.sources, diagnostics });
}
