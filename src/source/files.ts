import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { MAX_INPUT_BYTES } from './limits.js';
import { readInputFile, type ReadFailure } from './read-input.js';
import type { Span } from './span.js';

/** A source text and a way to turn offsets into 1-based line/column. */
export class SourceText {
  private lineStarts: number[] | undefined;
  /** The line of the last offset asked for: parsers ask in order, mostly on the same or the next line. */
  private lastLine = 0;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** Span of [start, end) offsets. Columns count UTF-16 code units, as editors do. */
  span(start: number, end?: number): Span {
    const a = this.position(start);
    const s: Span = { file: this.file, line: a.line, col: a.col };
    if (end !== undefined && end >= start) {
      const b = this.position(end);
      s.endLine = b.line;
      s.endCol = b.col;
    }
    return s;
  }

  position(offset: number): { line: number; col: number } {
    const starts = this.starts();
    let lo = this.lastLine;
    if (!(offset >= (starts[lo] as number) && (lo + 1 >= starts.length || offset < (starts[lo + 1] as number)))) {
      lo = lo + 2 < starts.length && offset >= (starts[lo + 1] as number) && offset < (starts[lo + 2] as number) ? lo + 1 : lineIndexAt(starts, offset);
      this.lastLine = lo;
    }
    return { line: lo + 1, col: offset - (starts[lo] as number) + 1 };
  }

  /** The text of 1-based line `n` without its line break. */
  lineText(n: number): string {
    const starts = this.starts();
    const start = starts[n - 1];
    if (start === undefined) return '';
    const next = starts[n];
    return this.text.slice(start, next === undefined ? undefined : next).replace(/\r?\n$/, '');
  }

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }
}

/**
 * Every source text read during one compile, by absolute path, so diagnostics can print code
 * frames without reading a file twice.
 */
export class SourceRegistry {
  private readonly texts = new Map<string, SourceText>();
  private readonly maxBytes: number;

  /** `maxBytes`: the size limit for files read from disk (default MAX_INPUT_BYTES, 8 MiB). */
  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? MAX_INPUT_BYTES;
  }

  /**
   * Reads a file once; returns why not (and lets the caller report) when it cannot. Only regular
   * files within the size limit holding UTF-8 are read (see `readInputFile`): every path a user
   * names (flow, config files, `extends:`, schemas, the project file) comes through here.
   */
  read(absPath: string): SourceText | ReadFailure {
    const known = this.texts.get(absPath);
    if (known) return known;
    const read = readInputFile(absPath, this.maxBytes);
    if (!('text' in read)) return read;
    const src = new SourceText(absPath, read.text);
    this.texts.set(absPath, src);
    return src;
  }

  /** Registers text that did not come from disk (tests, stdin). */
  add(absPath: string, text: string): SourceText {
    const src = new SourceText(absPath, text);
    this.texts.set(absPath, src);
    return src;
  }

  get(absPath: string): SourceText | undefined {
    return this.texts.get(absPath);
  }

  /**
   * Runs `parser` on a text this registry read. The one place a parse happens, so a registry
   * shared by the units of a build (src/project/recording.ts) can parse each file once.
   */
  parse<T>(src: SourceText, parser: (src: SourceText, diagnostics: DiagnosticBag) => T, diagnostics: DiagnosticBag): T {
    return parser(src, diagnostics);
  }

  /**
   * `fn(input)`, for a value that depends on nothing but `input`: a string, or a frozen tree this
   * registry parsed. A registry shared by the units of a build (src/project/recording.ts) runs `fn`
   * once per input and replays its diagnostics to each unit; this one always runs it.
   * `frozen: false` for results that cannot be frozen (a compiled validator); they must be used
   * read-only all the same.
   */
  derive<K extends string | object, T>(fn: (input: K, diagnostics: DiagnosticBag) => T, input: K, diagnostics?: DiagnosticBag, _options?: { frozen?: boolean }): T {
    return fn(input, diagnostics ?? new DiagnosticBag());
  }
}

/** The 0-based index of the line holding `offset`, given each line's start offset (ascending, first 0). */
export function lineIndexAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
