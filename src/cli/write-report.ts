import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { CODES, type Code } from '../diagnostics/codes.js';
import { CHECK_READ_LIMIT, type DiskComparison } from '../project/outputs.js';
import { EXIT } from './io.js';
import { signalExitCode } from './signal-guard.js';
import type { WriteOutcome } from './write-files.js';
import type { SingleOutcome } from './write-output-file.js';

function diag(code: Code, message: string, notes?: string[]): Diagnostic {
  const d: Diagnostic = { code, severity: CODES[code].severity, message };
  if (notes && notes.length > 0) d.notes = notes;
  return d;
}

/** A refused output path (FLOWC013): what is there, and that nothing was written. */
export function refusedDiagnostic(shown: string, what: string): Diagnostic {
  return diag('FLOWC013', `${shown} is ${what}; flowc neither replaces nor writes through it, so nothing was written`, [
    'remove it or choose another output path (see docs/security.md, "Outputs, cache and prune")',
  ]);
}

/**
 * The diagnostics and exit code of a write. Messages say exactly what changed: "no file was
 * changed" only when that is true.
 */
export function writeOutcomeReport(outcome: WriteOutcome | SingleOutcome, shown: (rel: string) => string): { diagnostics: Diagnostic[]; exit: number } {
  switch (outcome.status) {
    case 'written':
    case 'through':
    case 'stdout':
      return { diagnostics: [], exit: EXIT.ok };
    case 'refused':
      return { diagnostics: outcome.refused.map((r) => refusedDiagnostic(shown(r.rel), r.what)), exit: EXIT.inputErrors };
    case 'failed':
      if (outcome.changed.length === 0) {
        return { diagnostics: [diag('FLOWC004', `cannot write ${shown(outcome.rel)}: ${outcome.error}; no file was changed`)], exit: EXIT.inputErrors };
      }
      return {
        diagnostics: [
          diag(
            'FLOWC015',
            `cannot write ${shown(outcome.rel)}: ${outcome.error}; the files already replaced were rolled back except ${outcome.changed.length}, which now hold the new version`,
            outcome.changed.map((c) => `changed: ${shown(c.rel)}${c.backup ? ` (its previous version is kept in ${shown(c.backup)})` : ' (it did not exist before)'}`),
          ),
        ],
        exit: EXIT.inputErrors,
      };
    case 'unavailable':
      // A build compiles the units of such files afresh and writes again; only a second loss lands here.
      return {
        diagnostics: [
          diag(
            'FLOWC026',
            `the build cache entries holding ${outcome.rels.length} file${outcome.rels.length === 1 ? '' : 's'} to write changed or went away while this build ran (another build storing the same units, or the cache folder deleted); nothing was written`,
            [...outcome.rels.slice(0, 10).map((rel) => `not written: ${shown(rel)}`), ...(outcome.rels.length > 10 ? [`and ${outcome.rels.length - 10} more`] : []), 'run the build again'],
          ),
        ],
        exit: EXIT.inputErrors,
      };
    case 'interrupted':
      return {
        diagnostics: [
          diag(
            'FLOWC016',
            outcome.committed
              ? `interrupted by ${outcome.signal} after every file was written; the outputs are complete`
              : `interrupted by ${outcome.signal} while writing; temporary files were removed and no file was changed`,
          ),
        ],
        exit: signalExitCode(outcome.signal),
      };
  }
}

/** FLOWC013 for paths holding something flowc does not read or replace, FLOWC014 for files too large to compare. */
export function unreadableOutputs(disk: DiskComparison, display: (rel: string) => string): Diagnostic[] {
  const out: Diagnostic[] = disk.refused.map((r) => refusedDiagnostic(display(r.file.rel), r.what));
  for (const t of disk.tooLarge) {
    out.push({
      code: 'FLOWC014',
      severity: 'error',
      message: `${display(t.file.rel)} is ${t.size} bytes, more than the ${CHECK_READ_LIMIT} bytes (16 MiB) --check reads of an existing output; it differs from the compiled file and was not read`,
    });
  }
  return out;
}

