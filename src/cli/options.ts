import { UsageError } from './io.js';

/** Options shared by compile, validate and config. */
export interface CascadeOptions {
  config: string[];
  set: string[];
  diagnostics: 'text' | 'json';
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--config name=FILE` into its parts. */
export function parseConfigArgs(args: string[]): { name: string; file: string }[] {
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw new UsageError(`--config expects NAME=FILE (a declared config and a file), got '${arg}'`);
    return { name: arg.slice(0, eq), file: arg.slice(eq + 1) };
  });
}

export function diagnosticsFormat(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new UsageError(`--diagnostics must be text or json, got '${value}'`);
  return value;
}
