import { lockProvenance } from '../config/lock.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type CompileRequest, compileTargets } from '../pipeline/compile.js';
import type { SourceRegistry } from '../source/files.js';
import { configLeaves } from './config-keys.js';
import { comparedAsText, type DiffUnit } from './unit.js';

/**
 * Compiles one flow or binding through the pipeline (the same config resolution as `flowc
 * compile`), first to the IR, then for `targets` (default: the targets the flow configures).
 * `place` shows a config file's absolute path the way the user should read it.
 */
export function compileUnit(options: { name?: string; request: CompileRequest; targets?: string[]; place: (absPath: string) => string }): {
  unit?: DiffUnit;
  diagnostics: Diagnostic[];
  sources: SourceRegistry;
} {
  const first = compileTargets({ ...options.request, targets: [] });
  const ok = (r: typeof first) => r.ir !== undefined && r.resolved !== undefined && !r.diagnostics.some((d) => d.severity === 'error');
  if (!ok(first) || !first.ir || !first.resolved) return { diagnostics: first.diagnostics, sources: first.sources };
  const targets = options.targets ?? Object.keys(first.ir.targets);
  const result = targets.length === 0 ? first : compileTargets({ ...options.request, sources: first.sources, targets });
  if (!ok(result) || !result.ir || !result.resolved) return { diagnostics: result.diagnostics, sources: result.sources };
  const provenance = lockProvenance({ resolved: result.resolved, relativize: (p) => p });
  const unit: DiffUnit = {
    name: options.name ?? result.ir.flow.name,
    ir: result.ir,
    config: configLeaves(Object.fromEntries(Object.entries(provenance).map(([k, v]) => [k, { provenance: v }]))),
    place: options.place,
    artifacts: new Map(result.artifacts.filter((a) => comparedAsText(a.path)).map((a) => [a.path, a.contents])),
  };
  if (result.flow) unit.flow = result.flow;
  return { unit, diagnostics: result.diagnostics, sources: result.sources };
}
