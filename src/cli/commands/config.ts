import { stringify } from 'yaml';
import { explainConfig } from '../../config/explain.js';
import { lockProvenance } from '../../config/lock.js';
import type { Json } from '../../source/tree.js';
import { resolveFlowConfigs } from '../../pipeline/compile.js';
import { relativeTo } from '../../pipeline/paths.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';

export interface ConfigOptions extends CascadeOptions {
  explain?: boolean;
  format: 'yaml' | 'json';
}

/** `flowc config`: the resolved config of every declared config, optionally with provenance. */
export async function runConfig(io: CliIO, flow: string, opts: ConfigOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'config' });
  const configs = parseConfigArgs(opts.config);
  const result = resolveFlowConfigs({ flowPath: flow, configs: configs.configs, sets: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true });
  const failed = reportDiagnostics({ io, diagnostics: [...configs.diagnostics, ...result.diagnostics], sources: result.sources, format: opts.diagnostics });
  if (failed || !result.resolved) return EXIT.inputErrors;
  if (opts.explain && opts.format === 'json') {
    // The lockfile's `configs` shape (values and provenance per config), paths relative to here.
    const provenance = lockProvenance({ resolved: result.resolved, relativize: (p) => relativeTo(io.cwd, p) });
    const configs: Record<string, Json> = {};
    for (const [name, values] of Object.entries(result.resolved.values)) configs[name] = { values: values as Json, provenance: provenance[name] ?? [] };
    io.stdout(`${JSON.stringify({ configs }, null, 2)}\n`);
  } else if (opts.explain) {
    io.stdout(explainConfig({ resolved: result.resolved, relativize: (p) => relativeTo(io.cwd, p) }));
  } else if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(result.resolved.values, null, 2)}\n`);
  } else {
    // lineWidth 0: never fold long strings, so the printed value is the value.
    io.stdout(stringify(result.resolved.values, { lineWidth: 0, aliasDuplicateObjects: false }));
  }
  return EXIT.ok;
}
