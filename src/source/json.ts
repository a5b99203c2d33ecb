import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { checkTree } from './check-tree.js';
import { DIGIT_0, DIGIT_9, MINUS, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-chars.js';
import type { SourceText } from './files.js';
import { MAX_NESTING } from './limits.js';
import { placeOf, type Span } from './span.js';
import type { LMapEntry, LNode } from './tree.js';

/**
 * Parses strict JSON (RFC 8259: no comments, no trailing commas, no single quotes) into a located
 * tree, so config files and schemas written as JSON get the same provenance and code frames as
 * YAML. Syntax errors are FLOWC103 at the offending character, duplicate keys FLOWC102 at the second
 * key (with a note for the first), integers beyond ±2^53 FLOWC419 (they would silently lose
 * digits), nesting past MAX_NESTING FLOWC107, and the checks every tree gets (`checkTree`). Stops
 * at the first syntax error; returns undefined when anything was reported. Never throws.
 *
 * A hand-written parser because `JSON.parse` gives neither positions nor duplicate keys.
 */
export function parseJsonTree(src: SourceText, diagnostics: DiagnosticBag): LNode | undefined {
  const parser = new JsonParser(src, diagnostics);
  const tree = parser.parseDocument();
  return tree && checkTree(tree, diagnostics) ? tree : undefined;
}

class SyntaxStop extends Error {}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonParser {
  private pos = 0;
  /** Offset of the next backslash at or after some earlier `pos` (text.length: none); see parseString. */
  private nextBackslash = -1;
  private failed = false;
  private readonly text: string;

  constructor(
    private readonly src: SourceText,
    private readonly diagnostics: DiagnosticBag,
  ) {
    this.text = src.text;
  }

  parseDocument(): LNode | undefined {
    try {
      this.skipWhitespace();
      if (this.pos >= this.text.length) this.fail('the file is empty (expected a JSON value)');
      const value = this.parseValue(0);
      this.skipWhitespace();
      if (this.pos < this.text.length) this.fail(`unexpected ${this.describeHere()} after the JSON value`);
      return this.failed ? undefined : value;
    } catch (e) {
      if (e instanceof SyntaxStop) return undefined;
      throw e;
    }
  }

  private parseValue(depth: number): LNode {
    if (depth > MAX_NESTING) this.fail(`the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`, 'FLOWC107');
    const c = this.text.charCodeAt(this.pos);
    if (c === OPEN_BRACE) return this.parseObject(depth);
    if (c === OPEN_BRACKET) return this.parseArray(depth);
    if (c === QUOTE) {
      const start = this.pos;
      const value = this.parseString();
      return { kind: 'scalar', value, quoted: true, span: this.src.span(start, this.pos) };
    }
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) return this.parseNumber();
    const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x6e ? 'null' : undefined;
    if (word !== undefined && this.text.startsWith(word, this.pos)) {
      const start = this.pos;
      this.pos += word.length;
      return { kind: 'scalar', value: word === 'null' ? null : word === 'true', span: this.src.span(start, this.pos) };
    }
    this.fail(`expected a JSON value, found ${this.describeHere()}`);
  }

  private parseObject(depth: number): LNode {
    const start = this.pos;
    this.pos++; // {
    const entries: LMapEntry[] = [];
    const seen = new Map<string, Span>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'map', entries, span: this.src.span(start, this.pos) };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(`expected a key in double quotes, found ${this.describeHere()}`);
      const keyStart = this.pos;
      const key = this.parseString();
      const keySpan = this.src.span(keyStart, this.pos);
      const first = seen.get(key);
      if (first) {
        this.failed = true;
        this.diagnostics.report('FLOWC102', `duplicate key ${JSON.stringify(key)} (each key may appear once in an object)`, keySpan, [
          `first defined at ${placeOf(first)}`,
        ]);
      } else seen.set(key, keySpan);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after the key, found ${this.describeHere()}`);
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth + 1);
      entries.push({ key, keySpan, value });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === '}') this.fail('trailing comma before } is not allowed in JSON');
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'map', entries, span: this.src.span(start, this.pos) };
      }
      this.fail(`expected ',' or '}' in the object, found ${this.describeHere()}`);
    }
  }

  private parseArray(depth: number): LNode {
    const start = this.pos;
    this.pos++; // [
    const items: LNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'seq', items, span: this.src.span(start, this.pos) };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === ']') this.fail('trailing comma before ] is not allowed in JSON');
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'seq', items, span: this.src.span(start, this.pos) };
      }
      this.fail(`expected ',' or ']' in the array, found ${this.describeHere()}`);
    }
  }

  private parseString(): string {
    this.pos++; // opening quote
    const text = this.text;
    let out = '';
    for (;;) {
      // A run without escapes is copied in one slice: a project file of 1,000 bindings is mostly
      // such runs, and a character at a time was most of reading it. The next backslash is found
      // once and kept until passed, so a file without any is searched once, not once per string.
      let quote = text.indexOf('"', this.pos);
      if (quote < 0) quote = text.length;
      if (this.nextBackslash < this.pos) {
        const b = text.indexOf('\\', this.pos);
        this.nextBackslash = b < 0 ? text.length : b;
      }
      const end = Math.min(quote, this.nextBackslash);
      this.checkControls(this.pos, end);
      out += text.slice(this.pos, end);
      this.pos = end;
      if (end === text.length) this.fail('unterminated string');
      if (end === quote) {
        this.pos++;
        return out;
      }
      const e = text[this.pos + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        this.pos += 2;
        continue;
      }
      if (e === 'u') {
        const hex = text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape (expected four hex digits)');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
        continue;
      }
      this.pos++;
      this.fail(`invalid escape \\${e ?? ''} in a string`);
    }
  }

  /** Fails at the first unescaped control character in [from, to), as JSON forbids them in strings. */
  private checkControls(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (this.text.charCodeAt(i) < 0x20) {
        this.pos = i;
        this.fail('control characters must be escaped in JSON strings');
      }
    }
  }

  private parseNumber(): LNode {
    const start = this.pos;
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m || m[0] === '-') this.fail(`invalid number ${this.describeHere()}`);
    this.pos += m[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9A-Za-z.+-]/.test(next)) this.fail(`invalid number (unexpected ${JSON.stringify(next)})`);
    const span = this.src.span(start, this.pos);
    const value = Number(m[0]);
    const isInteger = m[1] === undefined && m[2] === undefined;
    if ((isInteger && !Number.isSafeInteger(value)) || !Number.isFinite(value)) {
      this.failed = true;
      this.diagnostics.report(
        'FLOWC419',
        `the number ${m[0]} cannot be represented exactly (integers must lie within ±2^53-1); write it as a string`,
        span,
      );
    }
    return { kind: 'scalar', value, span };
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'the end of the file';
    const cp = this.text.codePointAt(this.pos) as number;
    return JSON.stringify(String.fromCodePoint(cp));
  }

  private fail(message: string, code: 'FLOWC103' | 'FLOWC107' = 'FLOWC103'): never {
    this.failed = true;
    this.diagnostics.report(code, message, this.src.span(this.pos));
    throw new SyntaxStop();
  }
}
