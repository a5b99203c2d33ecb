import type { SourceRegistry } from '../source/files.js';
import { jsonWithVisibleText, visibleText } from '../source/visible-text.js';
import { type Colors, colours as makeColours } from './colour.js';
import { DIAGNOSTIC_CAP, type Diagnostic } from './diagnostic.js';
import { flatNotes, groupUnitDiagnostics } from './unit-groups.js';

export interface PrintOptions {
  /** Turns an absolute path into the path shown (relative to the working directory). */
  relativize: (absPath: string) => string;
  /** Source texts for code frames; frames are printed only when given. */
  sources?: SourceRegistry;
  /** ANSI colour for severity, code, notes and the frame's carets (see colour.ts for when). */
  colours?: Colors;
}

const PLAIN = makeColours(false);

/**
 * `file:line:col: error FLOWC123: message` (SPEC section 5), then notes, then a code frame when
 * sources are given (the CLI gives them when stderr is a terminal).
 *
 * Messages, notes, file names and source lines carry user text (keys, values, file names). Each is
 * printed through `visibleText`, so a line break, an ANSI escape or a bidi control in a key shows
 * as an escape (`\n`, `\u001b`, `\u202e`): it cannot forge another diagnostic line, drive the
 * terminal or reorder what is shown (docs/security.md, "Escaping of user text").
 */
export function formatDiagnostic(d: Diagnostic, options: PrintOptions): string {
  const c = options.colours ?? PLAIN;
  const where = d.span ? `${visibleText(options.relativize(d.span.file))}:${d.span.line}:${d.span.col}` : 'flowc';
  const lines = [`${c.bold(where)}: ${severityColour(c, d.severity)(d.severity)} ${c.dim(d.code)}: ${visibleText(d.message)}`];
  for (const note of flatNotes(d) ?? []) lines.push(`  ${c.cyan('note')}: ${noteText(note)}`);
  if (options.sources && d.span) {
    const frame = codeFrame(d, options.sources, c);
    if (frame) lines.push(frame);
  }
  return lines.join('\n');
}

/**
 * A note may span lines (the stack trace FLOWC_DEBUG=1 adds): each line is escaped and continues
 * indented under the note, so no note line can start where a diagnostic's first line does.
 */
function noteText(note: string): string {
  return note.split('\n').map(visibleText).join(`\n${' '.repeat('  note: '.length)}`);
}

export function formatDiagnostics(ds: readonly Diagnostic[], options: PrintOptions): string {
  if (ds.length === 0) return '';
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  // The same problem in 1,000 bindings is one entry naming them (unit-groups.ts).
  const groups = groupUnitDiagnostics(ds);
  // A flow generated with one mistake per step can produce thousands of lines; the first hundred
  // show the pattern, and the summary still counts them all.
  const shown = groups.slice(0, DIAGNOSTIC_CAP).map((d) => formatDiagnostic(d, options));
  if (groups.length > DIAGNOSTIC_CAP) shown.push(`... ${groups.length - DIAGNOSTIC_CAP} more not shown (--diagnostics json lists them all)`);
  const body = shown.join(options.sources ? '\n\n' : '\n');
  const c = options.colours ?? PLAIN;
  const summary = [errors ? c.red(c.bold(`${errors} error${errors === 1 ? '' : 's'}`)) : '', warnings ? c.yellow(c.bold(`${warnings} warning${warnings === 1 ? '' : 's'}`)) : '']
    .filter(Boolean)
    .join(', ');
  // The counts stay those of the entries `--diagnostics json` lists; how many are printed follows.
  const distinct = groups.length < ds.length ? c.dim(` (${groups.length} distinct)`) : '';
  return `${body}\n${summary}${distinct}\n`;
}

function severityColour(c: Colors, severity: Diagnostic['severity']): (s: string) => string {
  return severity === 'error' ? (s) => c.red(c.bold(s)) : (s) => c.yellow(c.bold(s));
}

/**
 * The offending line with a gutter and a caret run under the whole span on that line (to the end of
 * the line when the span runs on to later lines). The line is shown escaped like messages; the
 * carets are measured on the escaped text, so they stay under it.
 */
function codeFrame(d: Diagnostic, sources: SourceRegistry, c: Colors): string | undefined {
  const span = d.span;
  if (!span) return undefined;
  const src = sources.get(span.file);
  if (!src) return undefined;
  const raw = src.lineText(span.line);
  const gutter = String(span.line);
  const start = Math.min(span.col - 1, raw.length);
  const rawWidth =
    span.endLine === undefined || span.endCol === undefined ? 1
    : span.endLine > span.line ? raw.length - start
    : span.endCol - span.col;
  const marked = visibleText(raw.slice(start, start + Math.max(1, Math.min(rawWidth, raw.length - start))));
  const pad = ' '.repeat(gutter.length);
  const lead = visibleText(raw.slice(0, start)).replace(/[^\t]/g, ' ');
  const bar = c.dim('|');
  return `${pad} ${bar}\n${c.dim(gutter)} ${bar} ${visibleText(raw)}\n${pad} ${bar} ${lead}${severityColour(c, d.severity)('^'.repeat(Math.max(1, marked.length)))}`;
}

/**
 * `--diagnostics json`: one document, one object per diagnostic, stable field order, paths
 * relative like the text form. JSON escapes controls and line breaks; `jsonWithVisibleText` also
 * escapes U+2028/2029, C1 and bidi controls, so the raw text is as safe on a terminal as the text form.
 */
export function diagnosticsToJson(ds: readonly Diagnostic[], relativize: (absPath: string) => string): string {
  const items = ds.map((d) => {
    const o: Record<string, unknown> = { severity: d.severity, code: d.code, message: d.message };
    if (d.span) {
      o.file = relativize(d.span.file);
      o.line = d.span.line;
      o.col = d.span.col;
      // Always present, so tools need no fallback: a span of unknown extent ends where it starts.
      o.endLine = d.span.endLine ?? d.span.line;
      o.endCol = d.span.endCol ?? d.span.col;
    }
    const notes = flatNotes(d);
    if (notes) o.notes = notes;
    return o;
  });
  return `${jsonWithVisibleText(JSON.stringify({ diagnostics: items }, null, 2))}\n`;
}
