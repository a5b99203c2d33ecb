import { type Document, visit } from 'yaml';
import { hasUnsafeText, visibleText } from '../source/visible-text.js';

/**
 * User text in the YAML that targets write, made safe in one place per kind (docs/security.md,
 * "Escaping of user text"). Two kinds:
 * - comment lines (the header: flow file name, description): each line shown with visible escapes
 *   (`visibleText`), so no text can end the comment and become YAML, whatever reader parses it;
 * - scalars (descriptions, commands, env values, keys): exact, but a string holding a character
 *   some reader takes as a line break (NEL, U+2028, U+2029: YAML 1.1 and go-yaml, which Kubernetes
 *   uses), a control character, or a bidi control is written double-quoted with that character as
 *   an escape (`\N`, `\L`, `\P`, `\x9b`, `\u202e`), which every YAML reader decodes to the same text.
 */

/** The `commentBefore` of a document: one `# line` per entry, each made single-line and inert. */
export function yamlComment(lines: readonly string[]): string {
  return lines.map((l) => ` ${visibleText(l)}`).join('\n');
}

/**
 * Multi-line text whose every line is blank but some line holds spaces or tabs (" \n", "\n \t\n"):
 * the yaml package writes it as a literal block whose lines are all indentation, and every reader
 * then drops the spaces (" \n" reads back as "\n"). Found by test/targets/yaml-text.test.ts
 * (fast-check seed -140193230); written double-quoted instead.
 */
function blankLinesOnly(text: string): boolean {
  return text.includes('\n') && /^[ \t\n]*$/.test(text) && /[ \t]/.test(text);
}

/**
 * Marks every string scalar (keys too) that holds an unsafe character other than LF, or only blank
 * lines with spaces, to be written double-quoted. LF is left to the serializer (a literal block
 * reads as written and every reader agrees on LF); CR is not, since a block scalar would carry it
 * raw.
 */
export function quoteUnsafeScalars(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && scalarNeedsDoubleQuotes(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
}

/** True for a string scalar (key or value) `quoteUnsafeScalars` writes double-quoted; yaml-write.ts asks the same. */
export function scalarNeedsDoubleQuotes(value: string): boolean {
  // Printable ASCII, tab and LF hold no unsafe character: skip the general test (most scalars).
  if (PRINTABLE_ASCII.test(value)) return blankLinesOnly(value);
  return hasUnsafeText(value.replaceAll('\n', '')) || blankLinesOnly(value);
}

const PRINTABLE_ASCII = /^[\t\n\x20-\x7e]*$/;

/**
 * The characters the yaml package leaves raw inside double quotes (it escapes only what
 * JSON.stringify escapes): DEL, C1 controls, line and paragraph separators, bidi controls, BOM,
 * and the noncharacters U+FFFE/U+FFFF (outside YAML's printable set).
 */
const RAW_IN_DOUBLE_QUOTES = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff]/g;
const RAW_IN_DOUBLE_QUOTES_ONE = new RegExp(RAW_IN_DOUBLE_QUOTES.source);

/** True when `text` holds a character `escapeRawUnsafe` escapes (yaml-write.ts skips that pass when no text does). */
export function hasRawUnsafe(text: string): boolean {
  return RAW_IN_DOUBLE_QUOTES_ONE.test(text);
}
const YAML_ESCAPE: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

/**
 * Escapes the characters above in serialized YAML. Sound only together with `quoteUnsafeScalars`
 * and `yamlComment`: then every such character in the text sits inside a double-quoted scalar,
 * where the escape means exactly that character.
 */
export function escapeRawUnsafe(yamlText: string): string {
  return yamlText.replace(RAW_IN_DOUBLE_QUOTES, (c) => {
    const code = c.charCodeAt(0);
    return YAML_ESCAPE[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** Serializes `doc` with `options`, user text made safe as described above. */
export function safeYamlString(doc: Document, options: Parameters<Document['toString']>[0]): string {
  quoteUnsafeScalars(doc);
  return escapeRawUnsafe(doc.toString(options));
}
