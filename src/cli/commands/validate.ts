import { compileToIR } from '../../pipeline/compile.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';

/** `flowc validate`: the whole front end (parse, cascade, checks, IR), emitting nothing. */
export async function runValidate(io: CliIO, flow: string, opts: CascadeOptions): Promise<number> {
  const result = compileToIR({ flowPath: flow, configs: parseConfigArgs(opts.config), sets: opts.set, env: io.env, cwd: io.cwd });
  const failed = reportDiagnostics({ io, diagnostics: result.diagnostics, sources: result.sources, format: opts.diagnostics });
  return failed || !result.ir ? EXIT.inputErrors : EXIT.ok;
}
