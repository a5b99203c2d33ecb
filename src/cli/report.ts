import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, formatDiagnostics } from '../diagnostics/print.js';
import { relativeTo } from '../pipeline/paths.js';
import type { SourceRegistry } from '../source/files.js';
import type { CliIO } from './io.js';

export type DiagnosticsFormat = 'text' | 'json';

/** Prints diagnostics to stderr in the chosen form; returns true when any is an error. */
export function reportDiagnostics(options: { io: CliIO; diagnostics: Diagnostic[]; sources: SourceRegistry; format: DiagnosticsFormat }): boolean {
  const { io, format } = options;
  const ds = sortDiagnostics(options.diagnostics);
  const relativize = (p: string) => relativeTo(io.cwd, p);
  if (format === 'json') io.stderr(diagnosticsToJson(ds, relativize));
  else if (ds.length > 0) io.stderr(formatDiagnostics(ds, io.stderrIsTTY ? { relativize, sources: options.sources } : { relativize }));
  return ds.some((d) => d.severity === 'error');
}
