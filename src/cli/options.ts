import { resolve } from 'node:path';
import { findTarget, REGISTERED_TARGETS, TARGETS } from '../targets/index.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { UsageError } from './io.js';

/** Options shared by compile, validate and config. */
export interface CascadeOptions {
  config: string[];
  set: string[];
  /** `--allow-outside`: config files, extends and schemas may be outside the project root. */
  allowOutside?: boolean;
  diagnostics: 'text' | 'json';
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--config name=FILE` into its parts. A malformed one is FLOWC003 among the run's diagnostics
 * (exit 1), like a malformed `--set` (FLOWC405): both are option values flowc reads, reported
 * with the flow's other problems in one run; the well-formed ones still apply.
 */
export function parseConfigArgs(args: string[]): { configs: { name: string; file: string }[]; diagnostics: Diagnostic[] } {
  const configs: { name: string; file: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) {
      diagnostics.push({ code: 'FLOWC003', severity: 'error', message: `--config ${arg}: expected NAME=FILE (a declared config and a file)`, notes: ['for example: --config app=config/prod.toml'] });
    } else configs.push({ name: arg.slice(0, eq), file: arg.slice(eq + 1) });
  }
  return { configs, diagnostics };
}

/**
 * `--target a,b` into the names given (ids or aliases, duplicates dropped); `all` is every
 * registered target. A name ending in `.hbs` is a template file, made absolute against `cwd`.
 * Unknown names are FLOWC002, with the list of known ones.
 */
export function parseTargetList(value: string, cwd?: string): string[] {
  const names = [...new Set(value.split(',').map((t) => t.trim()).filter(Boolean).map((t) => (cwd !== undefined && t.endsWith('.hbs') ? resolve(cwd, t) : t)))];
  if (names.length === 0) throw new UsageError('--target needs at least one target');
  if (names.length === 1 && names[0] === 'all') return TARGETS.map((t) => t.id);
  const unknown = names.filter((t) => !findTarget(t));
  if (unknown.length > 0) {
    throw new UsageError(`unknown target${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}; known: ${REGISTERED_TARGETS.map((t) => t.id).join(', ')} (or all, or a template file such as name.ext.hbs)`, 'FLOWC002');
  }
  return names;
}

export function diagnosticsFormat(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new UsageError(`--diagnostics must be text or json, got '${value}'`);
  return value;
}
