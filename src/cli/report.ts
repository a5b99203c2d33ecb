import { colourWanted, colours } from '../diagnostics/colour.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../diagnostics/diagnostic.js';
import { githubAnnotations } from '../diagnostics/github-annotations.js';
import { diagnosticsToJson, formatDiagnostic, formatDiagnostics } from '../diagnostics/print.js';
import { relativeTo } from '../pipeline/paths.js';
import type { SourceRegistry } from '../source/files.js';
import type { CliIO } from './io.js';

export type DiagnosticsFormat = 'text' | 'json';

/**
 * Prints diagnostics to stderr in the chosen form; returns true when any is an error (also under
 * `--quiet`, which only hides warnings). Under GitHub Actions each is also a workflow-command
 * annotation, on stderr too (the runner reads commands from both streams; stdout may carry an
 * artifact).
 */
export function reportDiagnostics(options: { io: CliIO; diagnostics: Diagnostic[]; sources: SourceRegistry; format: DiagnosticsFormat }): boolean {
  const { io, format } = options;
  const all = sortDiagnostics(options.diagnostics);
  const failed = all.some((d) => d.severity === 'error');
  const ds = io.quiet ? all.filter((d) => d.severity === 'error') : all;
  const relativize = (p: string) => relativeTo(io.cwd, p);
  if (format === 'json') io.stderr(diagnosticsToJson(ds, relativize));
  else if (ds.length > 0) {
    const c = colours(colourWanted(io.env, io.stderrIsTTY));
    io.stderr(formatDiagnostics(ds, io.stderrIsTTY ? { relativize, sources: options.sources, colours: c } : { relativize, colours: c }));
  }
  if (io.env.GITHUB_ACTIONS === 'true') io.stderr(githubAnnotations(ds, relativize));
  return failed;
}

/** One usage problem (exit 2), in the same forms as other diagnostics but without a summary line. */
export function reportUsage(io: CliIO, d: Diagnostic, format: DiagnosticsFormat): void {
  const relativize = (p: string) => relativeTo(io.cwd, p);
  if (format === 'json') io.stderr(diagnosticsToJson([d], relativize));
  else io.stderr(`${formatDiagnostic(d, { relativize, colours: colours(colourWanted(io.env, io.stderrIsTTY)) })}\n`);
  if (io.env.GITHUB_ACTIONS === 'true') io.stderr(githubAnnotations([d], relativize));
}
