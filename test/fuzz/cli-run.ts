import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCli } from '../cli/run-cli.js';

/**
 * Running flowc on hostile input and judging what it did: the exit code is 0 or 1 (never 70, a
 * bug, or a crash), nothing is printed on stdout when it fails, no stack trace is printed, and
 * every diagnostic is coded and located (a file and a line) unless its code is about no place in
 * a file.
 */

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the run did not end by itself within the child-process timeout. */
  timedOut?: boolean;
  /** Node process warnings emitted during an in-process run. */
  warnings?: string[];
}

/**
 * Codes reported without a line: they are about the command line, the output folder or a whole
 * run, not a place in an input file (docs/diagnostics.md). Anything else must carry file:line.
 */
export const FILE_LEVEL_CODES = new Set([
  'FLOWC002', // unknown target given on the command line
  'FLOWC003', // invalid command-line argument
  'FLOWC004', // output could not be written
  'FLOWC404', // --config or --set names an undeclared config (a command-line argument)
  'FLOWC405', // malformed --set override
  'FLOWC406', // --set changes a missing key
  'FLOWC407', // --set +key adds an existing key
  'FLOWC408', // --set ~key deletes a missing key
  'FLOWC422', // a --set value that is not plain data (a command-line argument)
  'FLOWC416',
  'FLOWC417',
  'FLOWC701', // project file not found
  'FLOWC708', // --only matches no binding
  'FLOWC709', // a binding failed (its own diagnostics, located, come with it)
  'FLOWC710', // stale outputs (a warning about the output folder)
  'FLOWC711',
  'FLOWC712',
  'FLOWC900', // internal error: judged separately, never allowed
]);

/** In-process run (test/cli/run-cli.ts); an exception escaping the CLI counts as exit 70. */
export async function runInProcess(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Outcome> {
  // A Node warning (a library complaining about the input) goes to the real stderr, around the
  // CLI's own output: in a child process it would break `--diagnostics json`. Count it here too.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const o = await runCli(args, { cwd, env });
    await new Promise((r) => setImmediate(r));
    return warnings.length > 0 ? { ...o, warnings } : o;
  } catch (e) {
    return { code: 70, stdout: '', stderr: `exception escaped the CLI: ${(e as Error)?.stack ?? String(e)}` };
  } finally {
    process.off('warning', onWarning);
  }
}

const bin = resolve(import.meta.dirname, '../../bin/flowc.js');

/**
 * The real bin (dist/, which `npm test` builds first) as a child process, killed after
 * `timeoutMs`: the "never hangs" check for inputs that could make the compiler spin. Memory is
 * capped too, so a blow-up fails the run instead of the machine.
 */
export function runChild(args: string[], cwd: string, options: { timeoutMs: number; env?: Record<string, string> }): Outcome {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', '--stack-size=984', bin, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '', ...options.env },
  });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { code: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut };
}

interface JsonDiagnostic {
  severity: string;
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

/**
 * The stream holding a `--diagnostics json` document: stdout, unless the command prints its
 * artifact there (compile without --out/-o, config), then stderr (docs/decisions.md).
 */
export function jsonStream(o: Outcome): string {
  return o.stdout.trimStart().startsWith('{') ? o.stdout : o.stderr;
}

/** The diagnostics of a `--diagnostics json` run, or a problem when stderr is not that document. */
export function jsonDiagnostics(stderr: string): { diagnostics: JsonDiagnostic[] } | { problem: string } {
  // flowc prints one JSON document on stderr in this mode; anything else (a Node warning, a
  // stack trace, a line of text) is a finding in itself.
  try {
    const doc = JSON.parse(stderr) as { diagnostics?: JsonDiagnostic[] };
    if (!Array.isArray(doc.diagnostics)) return { problem: 'stderr JSON has no diagnostics list' };
    return { diagnostics: doc.diagnostics };
  } catch {
    return { problem: `stderr is not one JSON document: ${JSON.stringify(stderr.slice(0, 300))}` };
  }
}

/**
 * What is wrong with a run on bad (or possibly still valid) input; [] when it behaved. `json`:
 * the run used `--diagnostics json`.
 */
export function outcomeProblems(o: Outcome, options: { json: boolean }): string[] {
  const problems: string[] = [];
  if (o.timedOut) return ['did not finish within its time bound (killed)'];
  if (o.code !== 0 && o.code !== 1) problems.push(`exit ${o.code}`);
  for (const w of o.warnings ?? []) problems.push(`Node warning printed: ${w.slice(0, 200)}`);
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(o.stderr) || o.stderr.includes('FLOWC900')) problems.push('stack trace or internal error on stderr');
  if (o.code === 0) return problems;
  if (o.stdout !== '' && !(options.json && jsonStream(o) === o.stdout)) problems.push(`output on stdout: ${JSON.stringify(o.stdout.slice(0, 200))}`);
  if (o.code !== 1) return [...problems, `stderr: ${o.stderr.slice(0, 2000)}`];
  if (!options.json) return [...problems, ...textProblems(o.stderr)];
  const parsed = jsonDiagnostics(jsonStream(o));
  if ('problem' in parsed) return [...problems, parsed.problem];
  if (!parsed.diagnostics.some((d) => d.severity === 'error')) problems.push('exit 1 without an error diagnostic');
  for (const d of parsed.diagnostics) {
    if (!/^FLOWC\d{3}$/.test(d.code)) problems.push(`uncoded diagnostic: ${JSON.stringify(d)}`);
    else if (d.code === 'FLOWC900') problems.push(`internal error: ${d.message}`);
    else if (!FILE_LEVEL_CODES.has(d.code) && (typeof d.file !== 'string' || typeof d.line !== 'number' || d.line < 1)) problems.push(`diagnostic without file:line: ${JSON.stringify(d).slice(0, 300)}`);
    // A JavaScript engine error is a crash reported as if it were the user's mistake.
    if (/Maximum call stack size exceeded|Invalid string length|Invalid array length|out of memory|is not a function|Cannot read propert|undefined is not/i.test(d.message)) problems.push(`JavaScript error text as a diagnostic: ${d.code} ${d.message.slice(0, 200)}`);
  }
  return problems;
}

export const joinPath = join;

/** A line flowc prints on stderr in text mode (src/diagnostics/print.ts, the CLI's own messages). */
const TEXT_LINE = [
  /^\S.*:\d+:\d+: (error|warning) FLOWC\d{3}: /, // file:line:col: error FLOWC123: message
  /^flowc: (error|warning) FLOWC\d{3}: /, // no place in a file
  /^flowc: /, // the CLI's own summaries (e.g. --check)
  /^ {2}note: /,
  // The count line; "(N distinct)" when a problem of many units is printed once.
  /^(\d+ errors?(, \d+ warnings?)?|\d+ warnings?)( \(\d+ distinct\))?$/,
  /^\.\.\. \d+ more not shown/,
  /^$/,
];

/**
 * Text-mode diagnostics: at least one coded error, every line one flowc prints (so user text in a
 * message cannot forge a line), and no raw control character that could drive a terminal.
 */
export function textProblems(stderr: string): string[] {
  const problems: string[] = [];
  if (!/ error FLOWC\d{3}: /.test(stderr)) problems.push(`exit 1 without a coded error: ${JSON.stringify(stderr.slice(0, 300))}`);
  const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.exec(stderr);
  if (raw) problems.push(`raw control character U+${raw[0].charCodeAt(0).toString(16).padStart(4, '0')} on stderr: ${JSON.stringify(stderr.slice(Math.max(0, raw.index - 80), raw.index + 40))}`);
  for (const line of stderr.replace(/\n$/, '').split('\n')) {
    if (!TEXT_LINE.some((re) => re.test(line))) problems.push(`stderr line flowc does not print: ${JSON.stringify(line.slice(0, 200))}`);
  }
  return problems;
}
