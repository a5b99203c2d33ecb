import type { Json } from '../source/tree.js';

/**
 * The escapers behind the template helpers, one per target language. Each returns text that the
 * language reads back as exactly the input (test/templates/escape.property.test.ts runs python3
 * and sh on random strings); text a language cannot hold at all is an `UnencodableText` error,
 * which the helper turns into a diagnostic at the template's location.
 */

export class UnencodableText extends Error {}

const HEX = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * A Python 3 string literal in double quotes. Printable text stays as written (a DAG file stays
 * readable); backslash, quote, every control character (C0, DEL, C1), the characters some readers
 * take as line breaks (U+2028, U+2029), BOM and bidi controls, and lone surrogates (which UTF-8
 * source cannot carry) become escapes. https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences
 */
export function pyStr(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i] as string;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += ch + (text[i + 1] as string);
        i++;
        continue;
      }
    }
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${HEX(c, 2)}`;
    else if ((c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) out += `\\u${HEX(c, 4)}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * A POSIX shell word: single-quoted, each `'` as `'\''`. A shell argument cannot hold NUL (C
 * strings end there), so text with one is unencodable.
 * https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_02_02_02
 */
export function shellQuote(text: string): string {
  if (text.includes('\0')) throw new UnencodableText('a shell word cannot hold a NUL character');
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * JSON text of a value, on one line. JSON.stringify already escapes lone surrogates (ES2019);
 * U+2028/U+2029 are escaped too so the text is also a valid JavaScript and Python literal.
 */
export function jsonText(value: Json): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${HEX(c.charCodeAt(0), 4)}`);
}

/**
 * A YAML flow value (JSON is YAML 1.2 flow syntax) that every YAML reader reads the same: strings
 * double-quoted with every non-printable character escaped (YAML 1.2 section 5.1 allows only
 * printable characters raw; NEL, U+2028 and U+2029 are line breaks to YAML 1.1 readers), and
 * numbers with an exponent given a fraction (`1.0e-7`), which YAML 1.1 readers (PyYAML, found by
 * test/templates/escape.property.test.ts) otherwise read as a string.
 * https://yaml.org/spec/1.2.2/#51-character-set, https://yaml.org/type/float.html
 */
export function yamlText(value: Json): string {
  if (typeof value === 'number') {
    const t = JSON.stringify(value);
    return /e/.test(t) && !t.includes('.') ? t.replace('e', '.0e') : t;
  }
  if (typeof value === 'string') return jsonText(value).replace(/[\u007f-\u009f\ufeff\ufffe\uffff]/g, (c) => `\\u${HEX(c.charCodeAt(0), 4)}`);
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(yamlText).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${yamlText(k)}: ${yamlText(v)}`).join(', ')}}`;
}

/** `text` with every line but the first indented by `width` spaces (blank lines stay empty). */
export function indentText(text: string, width: number): string {
  const pad = ' '.repeat(width);
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : pad + line))
    .join('\n');
}

/**
 * A Python literal for a JSON value: None, True/False, numbers as JSON writes them (valid Python
 * int and float syntax), strings by `pyStr`, lists and dicts recursively.
 */
export function pyValue(value: Json): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return pyStr(value);
  if (Array.isArray(value)) return `[${value.map(pyValue).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pyStr(k)}: ${pyValue(v)}`).join(', ')}}`;
}
