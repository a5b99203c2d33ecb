import { resolve } from 'node:path';
import { buildGraph, type GraphLowering } from '../../graph/model.js';
import { toDot } from '../../graph/dot.js';
import { toMermaid } from '../../graph/mermaid.js';
import { compileTargets } from '../../pipeline/compile.js';
import { SourceRegistry } from '../../source/files.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';
import { writeOutputFile } from '../write-output-file.js';
import { writeOutcomeReport } from '../write-report.js';
import { oneTarget, outputFormat } from './one-target.js';

export interface GraphOptions extends CascadeOptions {
  format?: string;
  output?: string;
  target?: string;
}

export const GRAPH_FORMATS = ['mermaid', 'dot', 'svg'] as const;

/**
 * `flowc graph`: the flow's DAG as `compile --target ir` resolves it, or with `--target T` as that
 * target compiles it (its checks run, and for an engine without a DAG the orderings its lowering
 * added are drawn dashed).
 */
export async function runGraph(io: CliIO, flow: string, opts: GraphOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'graph' });
  const format = outputFormat('graph', opts.format ?? 'mermaid', GRAPH_FORMATS);
  const target = opts.target === undefined ? undefined : oneTarget('graph', opts.target);
  const configs = parseConfigArgs(opts.config);
  const result = compileTargets({
    flowPath: flow,
    configs: configs.configs,
    sets: opts.set,
    env: io.env,
    cwd: io.cwd,
    allowOutside: opts.allowOutside === true,
    targets: [target?.id ?? 'ir'],
  });
  const failed = reportDiagnostics({ io, diagnostics: [...configs.diagnostics, ...result.diagnostics], sources: result.sources, format: opts.diagnostics });
  if (failed || !result.ir) return EXIT.inputErrors;

  const lowering: GraphLowering | null = target?.lowering ? { engine: target.engine, addedOrderings: target.lowering(result.ir).addedOrderings } : null;
  const model = buildGraph(result.ir, lowering);
  const text = format === 'mermaid' ? toMermaid(model) : format === 'dot' ? toDot(model) : await (await import('../../graph/svg.js')).toSvg(model);
  if (opts.output === undefined) {
    io.stdout(text);
    return EXIT.ok;
  }
  const outcome = await writeOutputFile({ path: resolve(io.cwd, opts.output), contents: text, stdout: io.stdout });
  const report = writeOutcomeReport(outcome, () => opts.output as string);
  if (report.diagnostics.length > 0) reportDiagnostics({ io, diagnostics: report.diagnostics, sources: new SourceRegistry(), format: opts.diagnostics });
  return report.exit;
}
