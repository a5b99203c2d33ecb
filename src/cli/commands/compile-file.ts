import { basename, dirname } from 'node:path';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { compareWithDisk, type PlannedFile } from '../../project/outputs.js';
import { SourceRegistry } from '../../source/files.js';
import { colourDiff, unifiedDiff } from '../diff.js';
import { type CliIO, EXIT } from '../io.js';
import { type DiagnosticsFormat, reportDiagnostics } from '../report.js';
import { writeOutputFile } from '../write-output-file.js';
import { unreadableOutputs, writeOutcomeReport } from '../write-report.js';

/** The primary artifact of `flowc compile -o FILE`: where it goes, how FILE is shown, its text. */
export interface OneFile {
  path: string;
  shown: string;
  contents: string;
  format: DiagnosticsFormat;
}

/** `-o FILE`: writes the primary artifact (docs/security.md, "Outputs, cache and prune"). */
export async function writeOneFile(io: CliIO, file: OneFile): Promise<number> {
  const outcome = await writeOutputFile({ path: file.path, contents: file.contents, stdout: io.stdout });
  return reportWrite(io, writeOutcomeReport(outcome, () => file.shown), file.format);
}

/** `-o FILE --check`: compares the primary artifact with FILE (read only if it is a regular file); writes nothing. */
export function checkOneFile(io: CliIO, options: OneFile): number {
  const file: PlannedFile = { path: options.path, rel: basename(options.path), contents: options.contents };
  const disk = compareWithDisk({ outDir: dirname(options.path), files: [file], wantText: true });
  const display = () => options.shown;
  for (const { onDisk } of disk.differing) {
    if (onDisk === undefined) io.stdout(`missing: ${options.shown}\n`);
    else io.stdout(colourDiff(unifiedDiff({ oldText: onDisk, newText: file.contents, oldName: `${options.shown} (on disk)`, newName: `${options.shown} (compiled)` }), io));
  }
  const unreadable = unreadableOutputs(disk, display);
  if (unreadable.length > 0) reportWrite(io, { diagnostics: unreadable, exit: EXIT.inputErrors }, options.format);
  if (disk.differing.length > 0) io.stderr(`flowc: ${options.shown} is stale or missing; run the same command without --check to update\n`);
  return disk.differing.length > 0 || unreadable.length > 0 ? EXIT.inputErrors : EXIT.ok;
}

/** Prints a write's diagnostics (they carry no source spans) and returns its exit code. */
function reportWrite(io: CliIO, report: { diagnostics: Diagnostic[]; exit: number }, format: DiagnosticsFormat): number {
  if (report.diagnostics.length > 0) reportDiagnostics({ io, diagnostics: report.diagnostics, sources: new SourceRegistry(), format });
  return report.exit;
}
