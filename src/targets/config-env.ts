import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';
import { limitMessage, type Limit } from './limits.js';

/** A limit that a build breaks, and by what. */
export interface LimitExcess {
  limit: Limit;
  /** What was measured ("the WorkflowTemplate"). */
  subject: string;
  actual: number;
  span?: Span;
}

/**
 * Warns (FLOWC606) that FLOWC_CONFIG is left out because of `excess`. SPEC section 6 gives every
 * step FLOWC_CONFIG "where the target's size limits allow"; FLOWC_CONFIG_HASH stays, and the
 * lockfile holds the config it names.
 */
export function reportConfigLeftOut(diagnostics: DiagnosticBag, excess: LimitExcess): void {
  diagnostics.report(
    'FLOWC606',
    `FLOWC_CONFIG is left out of every step: with it, ${limitMessage(excess)}; steps still get FLOWC_CONFIG_HASH`,
    excess.span,
  );
}

export interface FitConfigRequest<T> {
  /** Builds the target's output with or without FLOWC_CONFIG, reporting into its own bag. */
  build: (includeConfig: boolean, diagnostics: DiagnosticBag) => T;
  /** The first limit `built` breaks, or undefined when it fits. */
  excess: (built: T) => LimitExcess | undefined;
  diagnostics: DiagnosticBag;
}

/**
 * The one policy for FLOWC_CONFIG and size limits: build with FLOWC_CONFIG in every step; when that
 * breaks a limit, build again without it in any step (steps see the same environment), warning
 * with FLOWC606 if that fits. When even that breaks a limit, the smaller build is returned and
 * the target's own limit checks report what is still over (FLOWC603). The diagnostics of the
 * build returned are added to `diagnostics`.
 */
export function fitConfig<T>(o: FitConfigRequest<T>): { built: T; includeConfig: boolean } {
  const first = new DiagnosticBag();
  const withConfig = o.build(true, first);
  const excess = first.hasErrors() ? undefined : o.excess(withConfig);
  if (!excess) {
    o.diagnostics.addAll(first.items);
    return { built: withConfig, includeConfig: true };
  }
  const second = new DiagnosticBag();
  const without = o.build(false, second);
  if (!second.hasErrors() && !o.excess(without)) reportConfigLeftOut(o.diagnostics, excess);
  o.diagnostics.addAll(second.items);
  return { built: without, includeConfig: false };
}
