import type { Origin, Span } from '../source/span.js';

/**
 * One line naming where a config value came from (SPEC §4 provenance), as `flowc config
 * --explain` and lockfiles show it: `config/base.toml:12:7`, `--set app.train.cpu=8`, `env HOME`,
 * `schema default (app.schema.json#/properties/x)`, `flow.yaml:5:3 (default:)`.
 * `relativize` turns absolute paths into the relative form the caller prints.
 */
export function formatOrigin(origin: Origin, relativize: (absPath: string) => string): string {
  switch (origin.kind) {
    case 'file':
      return formatSpan(origin.span, relativize);
    case 'inline-default':
      return `${formatSpan(origin.span, relativize)} (default:)`;
    case 'set':
      return origin.span ? `${formatSpan(origin.span, relativize)} (set ${origin.arg})` : `--set ${origin.arg}`;
    case 'env':
      return `env ${origin.name}`;
    case 'schema-default':
      return `schema default (${origin.schema === undefined ? '' : relativize(origin.schema)}#${origin.pointer})`;
  }
}

export function formatSpan(span: Span, relativize: (absPath: string) => string): string {
  return `${relativize(span.file)}:${span.line}:${span.col}`;
}

/** The source span an origin points at, when it has one (a --set or env value has none). */
export function originSpan(origin: Origin): Span | undefined {
  return origin.kind === 'file' || origin.kind === 'inline-default' || origin.kind === 'set' ? origin.span : undefined;
}

/** For diagnostics about a value that came from a `--set` argument (which has no span). */
export function originNotes(origin: Origin): string[] {
  return origin.kind === 'set' ? [`set by ${origin.span ? 'set' : '--set'} ${origin.arg}`] : origin.kind === 'env' ? [`from env ${origin.name}`] : [];
}
