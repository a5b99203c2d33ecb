import { jsonWithVisibleText } from '../../source/visible-text.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../../source/json-chars.js';

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
 * `value` pretty-printed when that is at most `maxBytes` UTF-8 bytes, else compact: the rule for
 * definitions above. Compact is written first and the whitespace pretty-printing would add is
 * counted from the value's shape (prettyExtraOf), so a definition too big to pretty-print is
 * serialized once, not twice (a part of a 10,000-step flow is 1.3 MB pretty, 0.75 MB compact).
 * `prettyFirst`, for a definition that almost surely fits pretty (a small flow's), writes the
 * pretty form first and the compact one only when that is over: the same text, found with one
 * serialization instead of two and no count.
 */
export function toFittingJsonText(value: unknown, maxBytes: number, prettyFirst = false): string {
  if (prettyFirst) {
    // The pretty form is the compact one plus whitespace (jsonWithVisibleText escapes the same
    // characters in both), so it is the one written exactly when it fits.
    const pretty = toJsonText(value, 'pretty');
    if (utf8Bytes(pretty) <= maxBytes) return pretty;
  }
  const compact = toJsonText(value, 'compact');
  const bytes = utf8Bytes(compact);
  // Pretty-printing only adds whitespace.
  if (bytes > maxBytes) return compact;
  const shaped = prettyExtraOf(value, 0, maxBytes - bytes);
  const extra = Number.isNaN(shaped) ? prettyExtra(compact) : shaped;
  return bytes + extra <= maxBytes ? toJsonText(value, 'pretty') : compact;
}

/**
 * `prettyExtra` of `JSON.stringify(value)`, counted over the value's members rather than its
 * characters (a definition has some tens of thousands of members and a million characters). NaN
 * for anything JSON.stringify might write in a way of its own (toJSON, boxed primitives, class
 * instances): the caller then counts on the text. Once the count is over `enough` it stops and
 * returns what it has, which is over `enough` too: each member counted so far counted exactly.
 */
export function prettyExtraOf(value: unknown, depth: number, enough = Infinity): number {
  if (value === null || typeof value !== 'object') return 0;
  // One line break and indentation before each member, and one before the closing bracket.
  const member = 1 + 2 * (depth + 1);
  const close = 1 + 2 * depth;
  if (Array.isArray(value)) {
    if (value.length === 0) return 0;
    let extra = member * value.length + close;
    // Holes, undefined, functions and symbols are written as null: members all the same.
    for (let i = 0; i < value.length && extra <= enough; i++) extra += prettyExtraOf(value[i], depth + 1, enough - extra);
    return extra;
  }
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return NaN;
  let count = 0;
  let extra = 0;
  // for-in walks the same keys as Object.keys here (a plain object inherits no enumerable key) without an array per object.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    // Left out of an object altogether.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    count++;
    // The space after the colon.
    extra += 1 + prettyExtraOf(v, depth + 1, enough - extra);
    if (extra > enough) return extra;
  }
  return count === 0 ? 0 : extra + member * count + close;
}

/**
 * How many characters (all ASCII whitespace) `JSON.stringify(v, null, 2)` has more than the
 * compact `JSON.stringify(v)` it is given: a line break and the indentation after a non-empty
 * object's or array's opening bracket, before its closing one and after each comma between
 * members, and a space after each key's colon. Brackets, commas and colons inside strings count
 * for nothing. O(length), no allocation.
 */
export function prettyExtra(compact: string): number {
  let extra = 0;
  let depth = 0;
  const n = compact.length;
  for (let i = 0; i < n; i++) {
    const c = compact.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: an escaped character (\" included) is skipped with its backslash.
      for (i++; i < n; i++) {
        const d = compact.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const next = compact.charCodeAt(i + 1);
      // `{}` and `[]` are written the same either way.
      if (next === CLOSE_BRACE || next === CLOSE_BRACKET) i++;
      else {
        depth++;
        extra += 1 + 2 * depth;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      extra += 1 + 2 * depth;
    } else if (c === COMMA) extra += 1 + 2 * depth;
    else if (c === COLON) extra += 1;
  }
  return extra;
}

/**
 * Size in UTF-8 bytes, as AWS counts definition and payload sizes. Counted without encoding: a
 * definition can be megabytes, and is measured more than once.
 */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
