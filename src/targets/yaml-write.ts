import { registerMemo } from '../source/process-memos.js';
import { escapeRawUnsafe, hasRawUnsafe, scalarNeedsDoubleQuotes } from './yaml-text.js';
import { FallBack, type QuoteType, type ScalarContext, stringScalar } from './yaml-write-scalar.js';

/**
 * A direct writer from plain JS values to YAML text, byte for byte what `safeYamlString(new
 * Document(value, ...), options)` writes for the option sets flowc's YAML targets pin (serialize.ts
 * of argo, gcp-workflows, github-actions): two-space indent, indented sequences, no line folding,
 * no anchors, no node comments, user text made safe as in yaml-text.ts. It skips what makes the
 * `yaml` path slow on large workflows (a Node per value, visitors, per-pair context objects).
 *
 * It writes only what it reproduces with certainty: plain objects, arrays, strings, finite numbers,
 * booleans and null. On anything else (-0, NaN, a Date, a Map, an undefined list item, a repeated
 * object where yaml would write an alias, a key over 1,024 characters, YAML 1.1's merge key `<<`,
 * a scalar at the root) `writeYaml` returns
 * undefined and the caller takes the `yaml` path for the whole document.
 * test/targets/yaml-write.test.ts compares the two paths on every fixture and on generated
 * documents of hostile text.
 */
export interface YamlWriteRules {
  /** The document's YAML version: which plain scalars read as non-strings, so get quoted. */
  version: '1.1' | '1.2';
  /** How null is written (yaml's `nullStr`). */
  nullStr: string;
  /** Spaces inside `{ }` and `[ ]` (yaml's `flowCollectionPadding`). */
  flowPadding: boolean;
  /** True for a collection the target writes in flow style; `key` is the key it is the value of. */
  flow?: (value: object, key: string | undefined) => boolean;
  /** The quoting a target asks for a string value or list item (not keys); `key` as above. */
  valueType?: (value: string, key: string | undefined) => QuoteType | undefined;
}

type Plain = Record<string, unknown>;

/** Indents are spaces only: one string per width, made once (cheaper than concatenating per item). */
const SPACES: string[] = [];
const spaces = (n: number): string => SPACES[n] ?? (SPACES[n] = ' '.repeat(n));

/**
 * Keys as written, by YAML version, block (0) or flow (1) context and indent width: what a key is
 * written as depends on nothing else (stringScalar), so the table is shared by every document.
 * Only keys with no character escapeRawUnsafe changes are kept; each table starts over past
 * KEY_TEXTS_PER_CONTEXT keys, so user keys cannot grow it without bound.
 */
const KEY_TEXTS: Record<'1.1' | '1.2', [Map<string, string>[], Map<string, string>[]]> = { '1.1': [[], []], '1.2': [[], []] };
const KEY_TEXTS_PER_CONTEXT = 4096;

/**
 * String values as written, by YAML version, block (0) or flow (1) context and the type asked for
 * (plain, double, single quoted): the same in every document (Writer.value). One line of text is
 * written the same at every indent; text with a line break is kept by indent too. Each table is
 * bounded like KEY_TEXTS, and only text up to VALUE_TEXT_MAX_CHARS is kept, so FLOWC_CONFIG is not.
 */
interface ValueTable {
  oneLine: Map<string, string>;
  byIndent: Map<string, string>[];
}
type ValueTexts = [ValueTable, ValueTable, ValueTable];
const valueTable = (): ValueTable => ({ oneLine: new Map(), byIndent: [] });
const valueTexts = (): [ValueTexts, ValueTexts] => [
  [valueTable(), valueTable(), valueTable()],
  [valueTable(), valueTable(), valueTable()],
];
const VALUE_TEXTS: Record<'1.1' | '1.2', [ValueTexts, ValueTexts]> = { '1.1': valueTexts(), '1.2': valueTexts() };
const VALUE_TEXTS_PER_CONTEXT = 4096;
const VALUE_TEXT_MAX_CHARS = 2048;
registerMemo(() => {
  for (const version of ['1.1', '1.2'] as const) {
    KEY_TEXTS[version] = [[], []];
    VALUE_TEXTS[version] = valueTexts();
  }
});

const isPlainObject = (v: object): v is Plain => {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as Plain).toJSON !== 'function';
};

/**
 * `enabled` off makes `writeYaml` decline every document, so targets take the `yaml` path (the
 * differential tests compare the two that way); `fallbacks` counts documents declined on content.
 */
export const yamlWriter = { enabled: true, fallbacks: 0 };

/**
 * Pieces of text joined into one flat string at a time. A document was one `+=` rope of its small
 * pieces: a 10,000-job workflow held that way took 15.8 MB for 2.9 MB of text, outlived every
 * scavenge while it grew, and copying it took over half the writer's time; joined segments leave
 * the pieces to die young and keep only the text.
 */
const PIECES_PER_SEGMENT = 2048;

class Writer {
  /** Block-style text: joined segments, then the pieces since; flow collections are built as strings and added whole. */
  private readonly segments: string[] = [];
  private pieces: string[] = [];
  /** True while no string written holds a character escapeRawUnsafe escapes (then that pass is skipped). */
  clean = true;
  private readonly pad: string;

  constructor(private readonly rules: YamlWriteRules) {
    this.pad = rules.flowPadding ? ' ' : '';
  }

  private put(text: string): void {
    const pieces = this.pieces;
    pieces.push(text);
    if (pieces.length >= PIECES_PER_SEGMENT) {
      this.segments.push(pieces.join(''));
      this.pieces = [];
    }
  }

  /** The text written. */
  text(): string {
    const rest = this.pieces.join('');
    return this.segments.length === 0 ? rest : this.segments.join('') + rest;
  }

  /** Appends the node `value` (the value of `key`, a list item or the root) in block context, its lines at `indent`. */
  block(value: unknown, key: string | undefined, indent: string): void {
    if (value !== null && typeof value === 'object') {
      if (this.isFlow(value, key)) this.put(this.flowCollection(value, indent));
      else this.blockCollection(value, indent);
    } else this.put(this.scalar(value, key, indent, false));
  }

  /** A scalar value or list item as yaml's `stringify` writes it. */
  private scalar(value: unknown, key: string | undefined, indent: string, inFlow: boolean): string {
    if (value === null) return this.rules.nullStr;
    switch (typeof value) {
      case 'string':
        return this.value(value, this.rules.valueType?.(value, key), indent, inFlow);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        // yaml writes a finite number as JSON does (its int and float tags agree there); -0 and
        // the infinities differ per version and tag, so are left to it.
        if (!Number.isFinite(value) || Object.is(value, -0)) throw new FallBack('-0, NaN or an infinity');
        return String(value);
      default:
        throw new FallBack(`a ${typeof value}`);
    }
  }

  /**
   * A string value or list item. One line of text is written the same at every indent (only a
   * line break, a document marker on a key or the root's empty indent consult it), text with a
   * line break the same at the same indent: both are looked up in VALUE_TEXTS, shared by every
   * document.
   */
  private value(value: string, type: QuoteType | undefined, indent: string, inFlow: boolean): string {
    const cache = indent !== '' && value.length <= VALUE_TEXT_MAX_CHARS ? this.valueCache(value, type, indent, inFlow) : undefined;
    const known = cache?.get(value);
    if (known !== undefined) return known;
    const text = this.string(value, type, { indent, implicitKey: false, inFlow });
    // Not kept when escapeRawUnsafe changes it (so `clean` stays right).
    if (cache && !hasRawUnsafe(value)) {
      if (cache.size >= VALUE_TEXTS_PER_CONTEXT) cache.clear();
      cache.set(value, text);
    }
    return text;
  }

  /** The table for `value` in its context: text with a line break also by indent, which its lines carry. */
  private valueCache(value: string, type: QuoteType | undefined, indent: string, inFlow: boolean): Map<string, string> {
    const context = VALUE_TEXTS[this.rules.version][inFlow ? 1 : 0][type === undefined ? 0 : type === 'QUOTE_DOUBLE' ? 1 : 2];
    if (!value.includes('\n')) return context.oneLine;
    let cache = context.byIndent[indent.length];
    if (!cache) context.byIndent[indent.length] = cache = new Map();
    return cache;
  }

  private string(value: string, type: QuoteType | undefined, ctx: ScalarContext): string {
    if (this.clean && hasRawUnsafe(value)) this.clean = false;
    // quoteUnsafeScalars (yaml-text.ts) marks keys and values alike.
    return stringScalar(value, scalarNeedsDoubleQuotes(value) ? 'QUOTE_DOUBLE' : type, ctx, this.rules.version);
  }

  /**
   * A key: yaml writes it as an implicit key at the indent of its value. The same few keys come
   * back at every step and in every document, so each is written once per context (KEY_TEXTS).
   */
  private key(key: string, inner: string, inFlow: boolean): string {
    const caches = KEY_TEXTS[this.rules.version][inFlow ? 1 : 0];
    let cache = caches[inner.length];
    if (!cache) caches[inner.length] = cache = new Map();
    const known = cache.get(key);
    if (known !== undefined) return known;
    const text = this.string(key, undefined, { indent: inner, implicitKey: true, inFlow });
    // A key escapeRawUnsafe would change is written anew each time, so `clean` is cleared for it.
    if (!hasRawUnsafe(key)) {
      if (cache.size >= KEY_TEXTS_PER_CONTEXT) cache.clear();
      cache.set(key, text);
    }
    return text;
  }

  /** True when the collection `value` (the value of `key`) is written in flow style. */
  private isFlow(value: object, key: string | undefined): boolean {
    return this.rules.flow?.(value, key) === true;
  }

  /**
   * Refuses collections yaml would write otherwise than as a plain map or list. An object met twice
   * is written out again, as yaml does with `aliasDuplicateObjects: false`, which every target sets.
   */
  private check(value: object): void {
    if (Array.isArray(value) ? Object.getPrototypeOf(value) !== Array.prototype : !isPlainObject(value)) throw new FallBack('a collection that is not a plain object or array');
  }

  /** yaml's block map or list, items at `indent` (the first one where the text stands now). */
  private blockCollection(value: object, indent: string): void {
    this.check(value);
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.put('[]');
        return;
      }
      const itemIndent = spaces(indent.length + 2);
      let first = true;
      for (const item of value) {
        if (item === undefined) throw new FallBack('an undefined list item');
        this.put(first ? '- ' : `\n${indent}- `);
        first = false;
        this.block(item, undefined, itemIndent);
      }
      return;
    }
    const map = value as Plain;
    let first = true;
    for (const k of Object.keys(map)) {
      const v = map[k];
      if (v === undefined) continue;
      if (!first) this.put(`\n${indent}`);
      first = false;
      this.blockPair(k, v, indent);
    }
    if (first) this.put('{}');
  }

  /** yaml's stringifyPair in a block map whose items sit at `indent`. */
  private blockPair(key: string, value: unknown, indent: string): void {
    const inner = spaces(indent.length + 2);
    const k = this.key(key, inner, false);
    if (k.length > 1024) throw new FallBack('a key yaml writes as an explicit key');
    if (value !== null && typeof value === 'object') {
      // yaml: a collection goes on the next line unless it is flow style (or empty) and one line.
      if (this.isFlow(value, key)) {
        const v = this.flowCollection(value, inner);
        this.put(v.includes('\n') ? `${k}:\n${inner}${v}` : `${k}: ${v}`);
      } else if (isEmpty(value)) {
        this.put(`${k}: `);
        this.blockCollection(value, inner);
      } else {
        this.put(`${k}:\n${inner}`);
        this.blockCollection(value, inner);
      }
      return;
    }
    const v = this.scalar(value, key, inner, false);
    this.put(v === '' || v[0] === '\n' ? `${k}:${v}` : `${k}: ${v}`);
  }

  /** A node inside a flow collection. */
  private flowNode(value: unknown, key: string | undefined, indent: string): string {
    return value !== null && typeof value === 'object' ? this.flowCollection(value, indent) : this.scalar(value, key, indent, true);
  }

  /** yaml's flow map or list whose own lines sit at `indent`. */
  private flowCollection(value: object, indent: string): string {
    this.check(value);
    const itemIndent = spaces(indent.length + 4);
    const lines: string[] = [];
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item === undefined) throw new FallBack('an undefined list item');
        lines.push(this.flowNode(item, undefined, itemIndent));
      }
      return this.flowLines(lines, indent, '[', ']');
    }
    const map = value as Plain;
    for (const key of Object.keys(map)) {
      const v = map[key];
      if (v === undefined) continue;
      const k = this.key(key, itemIndent, true);
      const str = this.flowNode(v, key, itemIndent);
      let ws = ' ';
      if (v !== null && typeof v === 'object') {
        if (str.includes('\n')) ws = `\n${itemIndent}`;
      } else if (str === '' || str[0] === '\n') ws = '';
      lines.push(`${k}:${ws}${str}`);
    }
    return this.flowLines(lines, indent, '{', '}');
  }

  /** yaml's stringifyFlowCollection: one line unless an item spans lines. */
  private flowLines(lines: string[], indent: string, start: string, end: string): string {
    if (lines.length === 0) return start + end;
    let multiLine = false;
    for (const line of lines) if (line.includes('\n')) multiLine = true;
    if (!multiLine) return `${start}${this.pad}${lines.join(', ')}${this.pad}${end}`;
    for (let i = 0; i < lines.length - 1; i++) lines[i] += ',';
    let out = start;
    for (const line of lines) out += line ? `\n  ${indent}${line}` : '\n';
    return `${out}\n${indent}${end}`;
  }
}

/** True for a list or map yaml writes with no items (a map's undefined values are no items). */
function isEmpty(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  for (const k in value) if (Object.hasOwn(value, k) && (value as Plain)[k] !== undefined) return false;
  return true;
}

/** yaml's stringifyComment: `#` before each line, a line of one space becoming `#`. */
const commentLines = (comment: string): string => comment.replace(/^(?!$)(?: $)?/gm, '#');

/**
 * The YAML document for `value` (a plain object or array) with `commentBefore` (as yaml's
 * `doc.commentBefore`) above it, user text made safe as `safeYamlString` does; undefined when the
 * writer does not reproduce the `yaml` path with certainty for this value.
 */
export function writeYaml(value: unknown, rules: YamlWriteRules, commentBefore = ''): string | undefined {
  if (!yamlWriter.enabled) return undefined;
  let body: string;
  let clean: boolean;
  try {
    if (value === null || typeof value !== 'object') throw new FallBack('a scalar document');
    const writer = new Writer(rules);
    writer.block(value, undefined, '');
    body = writer.text();
    clean = writer.clean;
  } catch (e) {
    if (!(e instanceof FallBack)) throw e;
    yamlWriter.fallbacks++;
    return undefined;
  }
  const head = commentBefore ? `${/^\n+$/.test(commentBefore) ? commentBefore.substring(1) : commentLines(commentBefore)}\n\n` : '';
  const text = `${head}${body}\n`;
  // Everything else in the text is ASCII the writer adds, which escapeRawUnsafe leaves alone.
  return clean && !hasRawUnsafe(commentBefore) ? text : escapeRawUnsafe(text);
}
