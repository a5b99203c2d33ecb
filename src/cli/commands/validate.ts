import { compileTargets } from '../../pipeline/compile.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs, parseTargetList } from '../options.js';
import { reportDiagnostics } from '../report.js';

export interface ValidateOptions extends CascadeOptions {
  target?: string;
}

/**
 * `flowc validate`: the whole front end (parse, cascade, checks, IR), emitting nothing; with
 * `--target`, also each target's own checks (names, engine limits, schedules), still writing nothing.
 */
export async function runValidate(io: CliIO, flow: string, opts: ValidateOptions): Promise<number> {
  const targets = opts.target === undefined ? [] : parseTargetList(opts.target);
  const result = compileTargets({ flowPath: flow, configs: parseConfigArgs(opts.config), sets: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true, targets });
  const failed = reportDiagnostics({ io, diagnostics: result.diagnostics, sources: result.sources, format: opts.diagnostics });
  return failed || !result.ir ? EXIT.inputErrors : EXIT.ok;
}
