/**
 * A place in a source file. `file` is an absolute path inside the compiler; it is made relative
 * only when printed (to the working directory for diagnostics, to the flow's folder for lockfiles),
 * so no output ever carries a machine's absolute paths.
 */
export interface Span {
  file: string;
  /** 1-based line and column of the first character. */
  line: number;
  col: number;
  /** 1-based line and column just past the last character, when known. */
  endLine?: number;
  endCol?: number;
}

/**
 * `c.yaml:3:5`: a place for a note. Only the last path segment, as in messages, so no absolute
 * path reaches output; notes name places in the file the diagnostic itself points into.
 */
export function placeOf(span: Span): string {
  return `${span.file.split(/[\\/]/).pop() ?? span.file}:${span.line}:${span.col}`;
}

/** Where a resolved value or IR node came from. */
export type Origin =
  | { kind: 'file'; span: Span }
  /** An override; `span` is where it was written when it came from a file (a binding's `set:`). */
  | { kind: 'set'; arg: string; index: number; span?: Span }
  | { kind: 'env'; name: string }
  /** `pointer` is a JSON pointer into the schema file `schema` (absolute; made relative when printed). */
  | { kind: 'schema-default'; pointer: string; schema?: string }
  | { kind: 'inline-default'; span: Span };
