import type { Span } from '../source/span.js';
import { CODES, type Code } from './codes.js';
import type { UnitOrigin } from './unit-groups.js';

export type Severity = 'error' | 'warning';

/** One problem, with a stable code and the place it points at. Line/column are 1-based. */
export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  span?: Span;
  /** Extra lines printed under the message (e.g. "did you mean", the chain of a cycle). */
  notes?: string[];
  /**
   * The units of a build or sweep that reported it (set by unitDiagnostics). Printers spell it out
   * as a last note; text merges entries that differ only by the unit (unit-groups.ts).
   */
  units?: UnitOrigin;
}

/** The most problems printed as text before the rest are summarised (JSON output has them all). */
export const DIAGNOSTIC_CAP = 100;

/**
 * Collects the diagnostics of a phase. Checks report here and never throw; a phase ends by asking
 * `hasErrors()` so all problems of that phase are shown at once.
 */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  report(code: Code, message: string, span?: Span, notes?: string[]): void {
    const d: Diagnostic = { code, severity: CODES[code].severity, message };
    if (span) d.span = span;
    if (notes && notes.length > 0) d.notes = notes;
    this.items.push(d);
  }

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  addAll(ds: Iterable<Diagnostic>): void {
    for (const d of ds) this.items.push(d);
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }
}

/** Sort for stable output: by file, line, column, then code. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.span?.line ?? 0;
    const lb = b.span?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.span?.col ?? 0;
    const cb = b.span?.col ?? 0;
    if (ca !== cb) return ca - cb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
