import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../diagnostics/diagnostic.js';
import { formatDiagnostics as format } from '../diagnostics/print.js';
import { relativeTo } from '../pipeline/paths.js';
import type { SourceRegistry } from '../source/files.js';

/** Diagnostics as `flowc` prints them (`file:line:col: error FLOWC123: ...`), for a script to log. */
export function formatDiagnostics(result: { diagnostics: Diagnostic[]; sources?: SourceRegistry }, options: { cwd?: string; codeFrames?: boolean } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const relativize = (p: string) => relativeTo(cwd, p);
  return format(sortDiagnostics(result.diagnostics), options.codeFrames && result.sources ? { relativize, sources: result.sources } : { relativize });
}
