import type { SourceRegistry } from '../source/files.js';
import { DIAGNOSTIC_CAP, type Diagnostic } from './diagnostic.js';

export interface PrintOptions {
  /** Turns an absolute path into the path shown (relative to the working directory). */
  relativize: (absPath: string) => string;
  /** Source texts for code frames; frames are printed only when given. */
  sources?: SourceRegistry;
}

/**
 * `file:line:col: error FLOWC123: message` (SPEC section 5), then notes, then a code frame when
 * sources are given (the CLI gives them when stderr is a terminal).
 */
export function formatDiagnostic(d: Diagnostic, options: PrintOptions): string {
  const where = d.span ? `${options.relativize(d.span.file)}:${d.span.line}:${d.span.col}` : 'flowc';
  const lines = [`${where}: ${d.severity} ${d.code}: ${d.message}`];
  for (const note of d.notes ?? []) lines.push(`  note: ${note}`);
  if (options.sources && d.span) {
    const frame = codeFrame(d, options.sources);
    if (frame) lines.push(frame);
  }
  return lines.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], options: PrintOptions): string {
  if (ds.length === 0) return '';
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  // A flow generated with one mistake per step can produce thousands of lines; the first hundred
  // show the pattern, and the summary still counts them all.
  const shown = ds.slice(0, DIAGNOSTIC_CAP).map((d) => formatDiagnostic(d, options));
  if (ds.length > DIAGNOSTIC_CAP) shown.push(`... ${ds.length - DIAGNOSTIC_CAP} more not shown (--diagnostics json lists them all)`);
  const body = shown.join(options.sources ? '\n\n' : '\n');
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return `${body}\n${summary}\n`;
}

/** The offending line with a gutter and a caret run under the span (on its first line). */
function codeFrame(d: Diagnostic, sources: SourceRegistry): string | undefined {
  const span = d.span;
  if (!span) return undefined;
  const src = sources.get(span.file);
  if (!src) return undefined;
  const text = src.lineText(span.line);
  const gutter = String(span.line);
  const width = span.endLine === span.line && span.endCol !== undefined && span.endCol > span.col ? span.endCol - span.col : 1;
  const pad = ' '.repeat(gutter.length);
  const lead = text.slice(0, span.col - 1).replace(/[^\t]/g, ' ');
  return `${pad} |\n${gutter} | ${text}\n${pad} | ${lead}${'^'.repeat(Math.max(1, Math.min(width, text.length - span.col + 1)))}`;
}

/** `--diagnostics json`: stable field order, paths relative like the text form. */
export function diagnosticsToJson(ds: readonly Diagnostic[], relativize: (absPath: string) => string): string {
  const items = ds.map((d) => {
    const o: Record<string, unknown> = { severity: d.severity, code: d.code, message: d.message };
    if (d.span) {
      o.file = relativize(d.span.file);
      o.line = d.span.line;
      o.col = d.span.col;
      if (d.span.endLine !== undefined) o.endLine = d.span.endLine;
      if (d.span.endCol !== undefined) o.endCol = d.span.endCol;
    }
    if (d.notes) o.notes = d.notes;
    return o;
  });
  return `${JSON.stringify({ diagnostics: items }, null, 2)}\n`;
}
