import type { Span } from '../source/span.js';

/**
 * Where in a template a Handlebars error points. Handlebars gives compile errors (a block closed
 * by the wrong name, an unknown helper) and strict-mode misses (`"x" not defined`) `lineNumber`
 * and a 0-based `column`; its parser (jison) gives only a message, "Parse error on line N:"
 * followed by an excerpt of about 20 characters either side with line breaks removed and a `^`
 * under the error, from which the column is recovered by matching the excerpt against line N.
 */
export function errorSpan(file: string, body: string, error: unknown): Span | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const e = error as { lineNumber?: unknown; column?: unknown; message?: unknown };
  if (typeof e.lineNumber === 'number') return { file, line: e.lineNumber, col: (typeof e.column === 'number' ? e.column : 0) + 1 };
  if (typeof e.message !== 'string') return undefined;
  const m = /^(?:Parse|Lexical) error on line (\d+)[:.][^\n]*\n([^\n]*)\n(-*)\^/.exec(e.message);
  if (!m) return undefined;
  const line = Number(m[1]);
  return { file, line, col: excerptColumn(body.split('\n')[line - 1] ?? '', m[2] as string, (m[3] as string).length) };
}

/**
 * The 1-based column on `lineText` where the excerpt's `^` (after `caret` characters) points: the
 * position whose text before and after agrees with the excerpt on the most characters (the
 * excerpt may run into neighbouring lines, whose breaks jison removed).
 */
function excerptColumn(lineText: string, excerpt: string, caret: number): number {
  let before = excerpt.slice(0, caret);
  if (before.startsWith('...')) before = before.slice(3);
  const after = excerpt.slice(caret).replace(/\.\.\.$/, '');
  let best = { col: 1, score: -1 };
  for (let p = 0; p <= lineText.length; p++) {
    const head = lineText.slice(0, p);
    const tail = lineText.slice(p);
    const headOk = head.length >= before.length ? head.endsWith(before) : before.endsWith(head);
    const tailOk = tail.length >= after.length ? tail.startsWith(after) : after.startsWith(tail);
    const score = Math.min(head.length, before.length) + Math.min(tail.length, after.length);
    if (headOk && tailOk && score > best.score) best = { col: p + 1, score };
  }
  return best.col;
}
