/**
 * Characters that let text escape the line, the comment or the screen it is shown in:
 * - line breaks of any reader: LF, CR, NEL (YAML 1.1 and libyaml/go-yaml break lines at U+0085,
 *   U+2028 and U+2029 too, and JavaScript regexes treat U+2028/2029 as line ends);
 * - the other C0 and C1 controls and DEL (ESC starts ANSI terminal sequences, U+009B is an 8-bit
 *   CSI), which YAML does not allow unescaped either;
 * - bidirectional controls (U+202A-U+202E, U+2066-U+2069, and the marks U+200E, U+200F, U+061C),
 *   which reorder what a terminal or a code review shows ("Trojan Source", CVE-2021-42574);
 * - U+FEFF (a byte order mark inside text), U+FFF9-U+FFFB (interlinear annotation controls) and
 *   lone surrogates, which no UTF-8 reader sees as written; the noncharacters U+FFFE and U+FFFF,
 *   which YAML does not allow unescaped (its printable set ends at U+FFFD).
 * Tab is left alone: it cannot end a line or drive a terminal, and code frames align with it.
 */
const UNSAFE_SOURCE =
  '[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb\\ufffe\\uffff]' +
  '|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

/** True when `text` holds a character `visibleText` would escape. */
export function hasUnsafeText(text: string): boolean {
  return new RegExp(UNSAFE_SOURCE).test(text);
}

/** A new global regex over the unsafe characters (a fresh one each call: global regexes keep state). */
function unsafeChars(): RegExp {
  return new RegExp(UNSAFE_SOURCE, 'g');
}

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** `\uXXXX` for one UTF-16 code unit. */
const u4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` on one line, with every unsafe character shown as an escape (`\n`, `\r`, `\u001b`,
 * `\u202e`), so it can stand in a comment, a header or a terminal line without ending it, forging
 * another line, driving the terminal or reordering what is shown. Everything else, backslashes
 * included, is left as is: the result is for reading, not for parsing back.
 */
export function visibleText(text: string): string {
  return text.replace(unsafeChars(), (c) => SHORT[c] ?? u4(c));
}

/**
 * The unsafe characters JSON.stringify leaves raw (it escapes only C0 controls and lone
 * surrogates). Inside JSON they can only stand in strings, where `\uXXXX` means the same
 * character, so escaping them changes no parsed value.
 */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff]/g;

/**
 * JSON text (from JSON.stringify) with every line separator, C1 control, DEL and bidi control in
 * its strings written as a `\uXXXX` escape: the same values for every JSON reader, while the file
 * shows each line as one line in a terminal or a review and no text reorders what is shown.
 */
export function jsonWithVisibleText(jsonText: string): string {
  // Text of ASCII alone (as many UTF-8 bytes as characters) holds none of them but DEL; telling
  // so natively is ~4x faster than the expression's scan of a 10 MB Step Functions flow.
  if (Buffer.byteLength(jsonText, 'utf8') === jsonText.length && !jsonText.includes('\u007f')) return jsonText;
  return jsonText.replace(RAW_IN_JSON, u4);
}
