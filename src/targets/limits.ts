import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';

/** What a limit counts. Rendered as written in messages and in docs/targets/<t>.md. */
export type LimitUnit =
  | 'bytes'
  | 'characters'
  | 'items'
  | 'iterations'
  | 'events'
  | 'tasks'
  | 'templates'
  | 'branches'
  | 'levels'
  | 'jobs'
  | 'seconds'
  | 'retries'
  | 'inputs'
  | 'workflows'
  | 'steps';

/** One documented limit or capability of an engine: the number flowc plans around, and where the engine says so. */
export interface Limit {
  /** What is limited, as a reader of a diagnostic understands it ("state machine definition size"). */
  title: string;
  value: number;
  unit: LimitUnit;
  /** The engine's own documentation of this limit. */
  doc: string;
}

/**
 * Every documented limit of one target, by a stable key. Adding one is one line in the target's
 * `limits.ts`; docs/targets/<t>.md renders the table (scripts/gen-target-docs.mjs) and a test keeps
 * the two in step. Every target has `retryDelay`: the longest single retry wait its engine can honour.
 */
export type LimitsTable = Readonly<Record<string, Limit>> & { readonly retryDelay: Limit };

/** Declares a table with its keys kept for typed access (`ARGO_LIMIT_TABLE.dagTasks.value`). */
export function limitsTable<const T extends Record<string, Limit> & { retryDelay: Limit }>(table: T): T {
  return table;
}

/** The values of a table by key, for code that plans around them (`ARGO_LIMITS.dagTasks`). */
export function limitValues<T extends Record<string, Limit>>(table: T): { readonly [K in keyof T]: number } {
  return Object.fromEntries(Object.entries(table).map(([k, l]) => [k, l.value])) as { [K in keyof T]: number };
}

export interface LimitReport {
  diagnostics: DiagnosticBag;
  limit: Limit;
  /** What was measured, as the subject of a sentence ("step 'train': its container overrides"). */
  subject: string;
  actual: number;
  span?: Span;
  notes?: string[];
}

/**
 * Where a limit of a whole artifact is reported: the top of the flow file, since no one line of it
 * made the artifact too big (a diagnostic always has a place the user can open).
 */
export function flowFileSpan(ir: { flow: { source: string } }): Span {
  return { file: ir.flow.source, line: 1, col: 1 };
}

/**
 * Reports FLOWC603 when `actual` exceeds the limit; returns whether it did. One wording for every
 * target: the limit's title, its value, the excess and the engine's documentation.
 */
export function checkLimit(r: LimitReport): boolean {
  if (r.actual <= r.limit.value) return false;
  r.diagnostics.report('FLOWC603', limitMessage(r), r.span, r.notes);
  return true;
}

export function limitMessage(r: Pick<LimitReport, 'limit' | 'subject' | 'actual'>): string {
  const { limit } = r;
  return `${r.subject} is ${r.actual} ${limit.unit}, ${r.actual - limit.value} over the limit of ${limit.value} ${limit.unit} on ${limit.title} (${limit.doc})`;
}
