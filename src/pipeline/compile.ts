import { dirname, isAbsolute, resolve } from 'node:path';
import { relocateConfigProblems } from './relocate.js';
import { FLOW_RULES } from '../check/index.js';
import { checkTargetOptions } from '../check/target-options.js';
import { checkTargetOutputs } from '../check/target-outputs.js';
import { checkTargetSecrets } from '../check/target-secrets.js';
import { configHash } from '../config/hash.js';
import { PathGuard, projectRootOf, realOrResolved } from '../config/path-guard.js';
import { resolveConfigs } from '../config/resolve.js';
import type { ConfigDecl, ResolvedConfigs } from '../config/types.js';
import { DiagnosticBag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { WrittenFlow } from '../flow/ast.js';
import { buildWrittenFlow, onlyUnknownFields, parseFlow } from '../flow/parse-flow.js';
import { resolveFlowTree } from '../flow/resolve.js';
import { parseTemplate } from '../flow/template.js';
import { asResolvedFlow } from '../flow/resolved.js';
import { checkFlowShape } from '../flow/schema-check.js';
import { lowerToIR } from '../ir/lower.js';
import type { IR } from '../ir/types.js';
import { sha256Hex } from '../source/canonical-json.js';
import { SourceRegistry } from '../source/files.js';
import type { Span } from '../source/span.js';
import { sameJson } from '../source/tree.js';
import { findTarget, TARGET_ALIASES } from '../targets/index.js';
import type { Artifact } from '../targets/target.js';
import { relativeTo, resolveFrom } from './paths.js';

export interface CompileRequest {
  /** Path of the flow file (absolute, or relative to `cwd`). */
  flowPath: string;
  /** `--config name=FILE`, in CLI order; FILE relative to `cwd`. */
  configs?: { name: string; file: string }[];
  /** `--set` overrides, raw, in CLI order. */
  sets?: string[];
  /** Where each of `sets` was written when it came from a file (a binding's `set:`), by index. */
  setSpans?: (Span | undefined)[];
  /** Binding files from a project file (cascade layer 3); FILE relative to `cwd`; `span` is where the project file names it. */
  bindingFiles?: { name: string; file: string; span?: Span }[];
  /** The compile-time environment for `${env:...}` in configs. Default: none. */
  env?: Record<string, string | undefined>;
  /** Folder that relative paths are resolved against. Default: process.cwd(). */
  cwd?: string;
  /**
   * Config files, extends and schemas are read only from inside this folder (FLOWC017). Default:
   * `projectRootOf(flow)` (src/config/path-guard.ts); `flowc build` passes the project file's folder.
   */
  projectRoot?: string;
  /** `--allow-outside`: read config files, extends and schemas from anywhere. */
  allowOutside?: boolean;
  /** Overrides the flow's name (bindings and sweep variants name their artifacts). */
  nameOverride?: string;
  /**
   * The registry every file is read through. Default: a fresh one. `flowc build` passes one that
   * records which files a compile read, to key its cache on their contents.
   */
  sources?: SourceRegistry;
}

export interface ConfigResult {
  flow?: WrittenFlow;
  resolved?: ResolvedConfigs;
  diagnostics: Diagnostic[];
  sources: SourceRegistry;
  /** The flow file's absolute path. */
  flowFile: string;
}

export interface IRResult extends ConfigResult {
  ir?: IR;
}

/**
 * Phases 1-2: read and shape-check the flow, then resolve its config cascade (SPEC section 4).
 * Each phase reports all of its problems; a phase with errors stops the pipeline.
 */
export function resolveFlowConfigs(req: CompileRequest): ConfigResult {
  const cwd = req.cwd ?? process.cwd();
  const sources = req.sources ?? new SourceRegistry();
  const diagnostics = new DiagnosticBag();
  const flowFile = resolve(cwd, req.flowPath);
  const result: ConfigResult = { diagnostics: diagnostics.items, sources, flowFile };

  const flow = parseFlow({ file: flowFile, sources, diagnostics, targetAliases: TARGET_ALIASES });
  // An unknown field (FLOWC201) does not stop the configs from being resolved and checked.
  if (!flow || !onlyUnknownFields(diagnostics.items)) return result;
  result.flow = flow;

  const decls: ConfigDecl[] = flow.configs.map((c) => {
    const decl: ConfigDecl = {
      name: c.name,
      nameSpan: c.nameSpan,
      files: c.files.map((f) => ({ path: resolveFrom(flowFile, String(f.value)), span: f.span })),
    };
    if (c.schema) decl.schema = { path: resolveFrom(flowFile, String(c.schema.value)), span: c.schema.span };
    if (c.default) decl.default = c.default;
    return decl;
  });
  const resolved = resolveConfigs({
    decls,
    bindingFiles: (req.bindingFiles ?? []).map((b) => ({ name: b.name, file: resolve(cwd, b.file), ...(b.span ? { span: b.span } : {}) })),
    cliConfigs: (req.configs ?? []).map((c) => ({ name: c.name, file: resolve(cwd, c.file), arg: `${c.name}=${c.file}` })),
    sets: req.sets ?? [],
    setSpans: req.setSpans ?? [],
    env: req.env ?? {},
    sources,
    diagnostics,
    guard: new PathGuard(req.projectRoot ?? projectRootOf(flowFile), req.allowOutside === true, diagnostics, (p) => relativeTo(cwd, p), (p) => sources.derive(realOrResolved, p)),
    relativize: (p) => relativeTo(cwd, p),
  });
  if (!resolved || !onlyUnknownFields(diagnostics.items)) return result;
  result.resolved = resolved;
  return result;
}

/**
 * The whole front end: flow + configs -> IR. Phases 3-5 resolve the flow's `${...}` references,
 * re-check the resolved shape (an interpolated value must still fit its field), run the flow rules
 * and lower to the IR.
 */
export function compileToIR(req: CompileRequest): IRResult {
  const result: IRResult = resolveFlowConfigs(req);
  const { flow, resolved, sources } = result;
  if (!flow) return result;
  const diagnostics = new DiagnosticBag();
  const finish = () => {
    result.diagnostics.push(...diagnostics.items);
    return result;
  };
  // When the configs failed, the flow's own references (parameters, unknown roots, secrets, the
  // timing rule) are still checked, with every config marked unresolved, so one run shows every
  // problem; the rest waits for the configs.
  const resolvedRoot = resolveFlowTree({
    root: flow.root,
    configs: resolved?.values ?? {},
    ...(resolved ? { tainted: resolved.tainted } : { unresolvedConfigs: new Set(flow.configs.map((c) => c.name)) }),
    parameterNames: flow.parameters.map((p) => p.name),
    secretNames: flow.secrets.map((s) => s.name),
    flowName: req.nameOverride ?? String(flow.name.value),
    diagnostics,
    parseTemplate: (text) => sources.derive(parseTemplate, text),
  });
  if (!resolved) return finish();
  // After an unknown field only the references are checked: the rules would judge a flow that
  // is not the one meant (`imgae:` would also be "no image").
  if (diagnostics.hasErrors() || result.diagnostics.some((d) => d.severity === 'error')) return finish();
  // A value a config set that does not fit its field is reported where it was set (relocate.ts).
  const shape = new DiagnosticBag();
  // The tree as written passed this very check (an error would have stopped the run above): when
  // resolution left every value as it was (only run-time text re-parted, say), so is the result.
  const shapeOk = sameJson(flow.root, resolvedRoot) || checkFlowShape(resolvedRoot, shape, { resolved: true, targetAliases: TARGET_ALIASES });
  diagnostics.addAll(relocateConfigProblems({ diagnostics: shape.items, root: flow.root, resolved }));
  if (!shapeOk) return finish();
  const built = buildWrittenFlow({ root: resolvedRoot, file: flow.file });
  if (req.nameOverride !== undefined) built.name = { ...built.name, value: req.nameOverride };
  const resolvedFlow = asResolvedFlow(built);
  for (const rule of FLOW_RULES) rule({ flow: resolvedFlow, diagnostics });
  checkTargetOptions({ flow: resolvedFlow, diagnostics });
  if (diagnostics.hasErrors()) return finish();

  const source = sources.get(flow.file);
  result.ir = lowerToIR({
    flow: resolvedFlow,
    configs: resolved.values,
    configHash: configHash(resolved.values),
    sourceHash: sources.derive(sha256Hex, source?.text ?? ''),
    relativize: (p) => relativeTo(dirname(flow.file), p),
  });
  return finish();
}

export interface TargetResult extends IRResult {
  artifacts: Artifact[];
}

/**
 * Compiles to each named target (ids or aliases). Each target reports into a bag of its own, so a
 * target's checks never see another's errors; the diagnostics of all targets are reported together
 * and nothing is written when any target has an error.
 */
export function compileTargets(req: CompileRequest & { targets: string[] }): TargetResult {
  const result: TargetResult = { ...compileToIR(req), artifacts: [] };
  if (!result.ir) return result;
  const all = new DiagnosticBag();
  for (const name of req.targets) {
    const target = findTarget(name);
    if (!target) {
      all.report('FLOWC002', `unknown target '${name}'`);
      continue;
    }
    const diagnostics = new DiagnosticBag();
    // A target that cannot render the flow's secrets or outputs is never asked to (no plaintext fallback, no dropped values).
    checkTargetSecrets({ ir: result.ir, target, diagnostics });
    checkTargetOutputs({ ir: result.ir, target, diagnostics });
    const artifacts = diagnostics.hasErrors() ? [] : target.compile(result.ir, { diagnostics });
    if (!diagnostics.hasErrors()) result.artifacts.push(...artifacts);
    all.addAll(diagnostics.items);
  }
  // Targets see only the IR, whose origins are relative to the flow's folder; make their spans
  // absolute again like every other diagnostic's.
  const flowDir = dirname(result.flowFile);
  for (const d of all.items) if (d.span && !isAbsolute(d.span.file)) d.span = { ...d.span, file: resolve(flowDir, d.span.file) };
  result.diagnostics.push(...all.items);
  if (all.hasErrors()) result.artifacts = [];
  return result;
}
