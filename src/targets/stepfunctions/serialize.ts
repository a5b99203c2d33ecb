import { jsonWithVisibleText } from '../../source/visible-text.js';

/**
 * The one place Step Functions JSON is written. Key order is the insertion order of the objects
 * the target builds (ASL order: `Type` first, `Next`/`End` last, as the AWS console prints them).
 * `JSON.stringify` escapes exactly what JSON requires, so literal text round-trips unchanged;
 * `jsonWithVisibleText` also escapes line separators and bidi controls in strings (the `Comment`
 * carries the flow's description and file name), which changes no parsed value.
 *
 * Definitions are pretty-printed (two spaces, final newline) for readable diffs. A definition
 * whose pretty form is over Step Functions' 1 MB limit is written compact instead (one line,
 * no spaces): the indentation of nested Parallel branches alone can double the size. The choice
 * depends only on the input, so output stays deterministic.
 */
export type JsonStyle = 'pretty' | 'compact';

export function toJsonText(value: unknown, style: JsonStyle = 'pretty'): string {
  return `${jsonWithVisibleText(style === 'pretty' ? JSON.stringify(value, null, 2) : JSON.stringify(value))}\n`;
}

/**
 * Size in UTF-8 bytes, as AWS counts definition and payload sizes. Counted without encoding: a
 * definition can be megabytes, and is measured more than once.
 */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
