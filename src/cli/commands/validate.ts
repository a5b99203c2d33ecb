import { compileTargets } from '../../pipeline/compile.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs, parseTargetList } from '../options.js';
import { reportDiagnostics } from '../report.js';

export interface ValidateOptions extends CascadeOptions {
  target?: string;
}

/**
 * `flowc validate`: the whole front end (parse, cascade, checks, IR) and the own checks (names,
 * engine limits, schedules) of every registered target, or of the `--target` list; writes nothing.
 * Without `--target` it is `compile --target all` minus the writing, so `validate` passing means
 * `compile` passes for any target (docs/decisions.md, "Diagnostics and CLI").
 */
export async function runValidate(io: CliIO, flow: string, opts: ValidateOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'validate' });
  const targets = parseTargetList(opts.target ?? 'all', io.cwd);
  const configs = parseConfigArgs(opts.config);
  const result = compileTargets({ flowPath: flow, configs: configs.configs, sets: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true, targets });
  const failed = reportDiagnostics({ io, diagnostics: [...configs.diagnostics, ...result.diagnostics], sources: result.sources, format: opts.diagnostics });
  return failed || !result.ir ? EXIT.inputErrors : EXIT.ok;
}
