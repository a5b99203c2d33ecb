import type { CommanderError } from 'commander';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { UsageError } from './io.js';

/**
 * A usage problem as a diagnostic, so it prints like every other (text, `--diagnostics json`,
 * GitHub annotations). Commander's own codes map to stable flowc codes: an unknown option or
 * command is FLOWC009, a missing argument or option value FLOWC010, anything else FLOWC003.
 */
export function commanderDiagnostic(e: CommanderError, command: string | undefined): Diagnostic {
  const lines = e.message.replace(/^error: /, '').split('\n').filter((l) => l.trim() !== '');
  const notes: string[] = [];
  let message = lines[0] ?? e.message;
  for (const line of lines.slice(1)) {
    const suggestion = /^\(Did you mean (.+)\?\)$/.exec(line);
    notes.push(suggestion ? `did you mean ${suggestion[1]}?` : line);
  }
  const code =
    e.code === 'commander.unknownOption' || e.code === 'commander.unknownCommand' ? 'FLOWC009'
    : e.code === 'commander.missingArgument' || e.code === 'commander.optionMissingArgument' || e.code === 'commander.missingMandatoryOptionValue' ? 'FLOWC010'
    : 'FLOWC003';
  const missing = /^missing required argument '(.+)'$/.exec(message);
  if (missing && missing[1] === 'flow') message = `no flow file given: flowc ${command ?? 'compile'} needs the flow file (*.flow.yaml) as its argument`;
  else if (missing && missing[1] === 'project') message = 'no project file given';
  notes.push(`run flowc ${command ? `${command} ` : ''}--help for usage`);
  return { code, severity: 'error', message, notes };
}

export function usageDiagnostic(e: UsageError): Diagnostic {
  const d: Diagnostic = { code: e.code, severity: 'error', message: e.message };
  if (e.notes.length > 0) d.notes = e.notes;
  return d;
}

/**
 * `--diagnostics json` as typed anywhere on the command line, read before commander parses it: a
 * usage error ends parsing before any option value is known, and a tool asking for JSON must get
 * JSON for that too (eslint's `-f json` does the same).
 */
export function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === '--diagnostics=json') return true;
    if (argv[i] === '--diagnostics' && argv[i + 1] === 'json') return true;
  }
  return false;
}

/**
 * Where `--diagnostics json` goes (docs/decisions.md, "Diagnostics and CLI"): to stdout, as eslint's
 * `-f json`, unless the command prints its artifact there (`compile` without `--out`/`-o`, and
 * `config`, whose output is the config); then to stderr, so `flowc compile ... > x.yaml` never gets
 * a JSON document mixed in. With JSON on stdout, the command's other output goes to stderr.
 */
export function jsonOnStdout(argv: readonly string[]): boolean {
  const args = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  const command = args.find((a) => !a.startsWith('-') && COMMANDS.has(a));
  // explain prints its report on stdout; graph its picture unless -o (like compile).
  if (command === 'config' || command === 'explain') return false;
  // `diff` prints the diff on stdout; its diagnostics go to stderr, as config's do.
  if (args.find((a) => !a.startsWith('-')) === 'diff') return false;
  if (command !== 'compile' && command !== 'graph') return true;
  return args.some((a) => a === '--out' || a.startsWith('--out=') || a === '-o' || a.startsWith('-o') || a === '--output' || a.startsWith('--output='));
}

const COMMANDS = new Set(['compile', 'validate', 'config', 'build', 'targets', 'graph', 'explain']);
