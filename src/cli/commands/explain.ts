import { explain, explainableTargets } from '../../explain/index.js';
import { explanationText } from '../../explain/text.js';
import { compileTargets } from '../../pipeline/compile.js';
import { relativeTo } from '../../pipeline/paths.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT, UsageError } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';
import { TARGETS } from '../../targets/index.js';
import { oneTarget, outputFormat } from './one-target.js';

export interface ExplainOptions extends CascadeOptions {
  target?: string;
  format?: string;
}

/**
 * `flowc explain --target T`: compiles the flow for T (its checks and warnings included) and says
 * where each step, foreach, parameter, schedule and secret landed in what T wrote.
 */
export async function runExplain(io: CliIO, flow: string, opts: ExplainOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'explain' });
  const format = outputFormat('explain', opts.format ?? 'text', ['text', 'json'] as const);
  if (opts.target === undefined) {
    throw new UsageError('flowc explain needs --target: which engine to explain the flow for', 'FLOWC032', [`one of: ${TARGETS.map((t) => t.id).join(', ')}`, 'for example: flowc explain flow.yaml --target sfn']);
  }
  const target = oneTarget('explain', opts.target);
  if (!explainableTargets().includes(target.id)) {
    throw new UsageError(`flowc explain cannot read what target '${target.id}' writes: it is a template target, whose output format only its template knows`, 'FLOWC033', [`explain reads: ${explainableTargets().join(', ')}`, `flowc graph ${flow} --target ${target.id} still shows the graph the target was given`]);
  }
  const configs = parseConfigArgs(opts.config);
  const result = compileTargets({ flowPath: flow, configs: configs.configs, sets: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true, targets: [target.id] });
  const diagnostics = [...configs.diagnostics, ...result.diagnostics];
  const failed = reportDiagnostics({ io, diagnostics, sources: result.sources, format: opts.diagnostics });
  if (failed || !result.ir) return EXIT.inputErrors;
  const explanation = explain({ ir: result.ir, target, artifacts: result.artifacts, warnings: diagnostics.filter((d) => d.severity === 'warning'), relativize: (p) => relativeTo(io.cwd, p) });
  io.stdout(format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : explanationText(explanation));
  return EXIT.ok;
}
