import { dirname, isAbsolute, resolve } from 'node:path';
import { checkTargetOutputs } from '../check/target-outputs.js';
import { checkTargetSecrets } from '../check/target-secrets.js';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';
import { type CompileRequest, compileToIR, type IRResult } from '../pipeline/compile.js';
import type { Json } from '../source/tree.js';
import { findTarget } from '../targets/index.js';
import type { Artifact } from '../targets/target.js';

export interface Prepared extends IRResult {
  artifacts: Artifact[];
}

/**
 * Compiles one target for a deploy. Like `compileTargets` (src/pipeline/compile.ts), except that
 * the target options may be completed first with what is only known at deploy time (the state
 * machine's name and ARN, the scheduler role): `adjust` returns the options the target sees.
 */
export function compileForDeploy(req: CompileRequest & { target: string; adjust?: (options: Record<string, Json>, ir: IR) => Record<string, Json> }): Prepared {
  const result: Prepared = { ...compileToIR(req), artifacts: [] };
  const target = findTarget(req.target);
  if (!result.ir || !target) return result;
  const own = result.ir.targets[target.id];
  const options = own !== null && typeof own === 'object' && !Array.isArray(own) ? { ...own } : {};
  const ir: IR = req.adjust ? { ...result.ir, targets: { ...result.ir.targets, [target.id]: req.adjust(options, result.ir) } } : result.ir;
  result.ir = ir;
  const diagnostics = new DiagnosticBag();
  checkTargetSecrets({ ir, target, diagnostics });
  checkTargetOutputs({ ir, target, diagnostics });
  const artifacts = diagnostics.hasErrors() ? [] : target.compile(ir, { diagnostics });
  const flowDir = dirname(result.flowFile);
  for (const d of diagnostics.items) if (d.span && !isAbsolute(d.span.file)) d.span = { ...d.span, file: resolve(flowDir, d.span.file) };
  result.diagnostics.push(...diagnostics.items);
  if (!diagnostics.hasErrors()) result.artifacts = artifacts;
  return result;
}

/** The artifact whose file name ends with `suffix` (`.asl.json`), if the target wrote one. */
export function artifactEnding(artifacts: Artifact[], suffix: string): Artifact | undefined {
  return artifacts.find((a) => a.path.endsWith(suffix));
}
