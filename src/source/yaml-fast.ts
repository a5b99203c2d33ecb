import { lineIndexAt, type SourceText } from './files.js';
import type { Span } from './span.js';
import type { LMap, LMapEntry, LNode, LScalar, LSeq } from './tree.js';

/**
 * A fast reader for the YAML that flows and configs are mostly written in: block maps and lists
 * indented with spaces, one-line plain and quoted scalars, one-line flow lists and maps, comments.
 * It builds the located tree directly from the text, with the same values and the same spans the
 * yaml package's parser + composer give (node ranges included, down to where a trailing comment
 * ends a map), in one pass and without the yaml package's CST, whose tokens made up most of the
 * time and garbage of reading a 10,000-step flow.
 *
 * It never reports: on anything outside that subset, or anything the full reader would report or
 * treat specially (anchors, tags, block scalars, multi-line scalars, escapes, duplicate keys,
 * numbers JSON cannot carry, unusual comment placement, tabs, CR), it returns undefined and the
 * caller reads the file with the full reader. test/source/yaml-fast.test.ts compares the two on
 * every fixture and on generated documents.
 */
export function parseYamlFast(src: SourceText): { tree: LNode; surrogates: boolean } | undefined {
  try {
    const reader = new FastYaml(src);
    return { tree: reader.document(), surrogates: reader.surrogates };
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/** Thrown (without a stack trace) when the text leaves the subset. */
const BAIL = { bail: true };

/** Deepest nesting read here; deeper documents go to the full reader (and its FLOWC107). */
const MAX_FAST_DEPTH = 100;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

/** Characters a plain scalar may not start with (YAML indicators), plus ones kept for the full reader. */
const PLAIN_START_BAD = new Set([...'-?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));
const FLOW_INDICATORS = new Set([...',[]{}'].map((c) => c.charCodeAt(0)));

const NULL_RE = /^(?:~|[Nn]ull|NULL)$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const OTHER_NUMBER_RE = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** Result of a block-level node: the node and where the yaml package's range[2] for it ends. */
interface Parsed {
  node: LNode;
  end: number;
}

/** The end of an item and the comment lines after it that belong to no node yet. */
interface ItemEnd {
  /** range[2] of the item, comments absorbed by it included. */
  end: number;
  /** Indents of the comment lines after the item not absorbed by it (a comment-only item). */
  pending: number[];
}

class FastYaml {
  private readonly text: string;
  private readonly file: string;
  private readonly lineStarts: number[] = [0];
  private hint = 0;
  /** Index of the line the reader stands at. */
  private ln = 0;
  /** Whether the text holds any UTF-16 surrogate (only then can a string hold a lone one). */
  surrogates = false;

  constructor(src: SourceText) {
    this.text = src.text;
    this.file = src.file;
    const t = this.text;
    const n = t.length;
    for (let i = 0; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === NL) this.lineStarts.push(i + 1);
      else if (c < SPACE || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff) throw BAIL;
      else if (c >= 0xd800 && c <= 0xdfff) this.surrogates = true;
    }
  }

  document(): LNode {
    const first = this.skipToContent(undefined);
    if (first < 0) throw BAIL;
    if (this.indentOf(this.ln) !== 0) throw BAIL;
    for (let l = 0; l < this.lineStarts.length; l++) {
      const s = this.lineStarts[l] as number;
      if (this.text.startsWith('---', s) || this.text.startsWith('...', s)) throw BAIL;
    }
    const root = this.block(0, this.lineStart(this.ln), 1);
    if (this.ln < this.lineStarts.length) throw BAIL;
    return root.node;
  }

  // ---- lines

  private lineStart(l: number): number {
    return this.lineStarts[l] as number;
  }

  /** Offset of the line break ending line `l`, or the text's length for the last line. */
  private lineEnd(l: number): number {
    const next = this.lineStarts[l + 1];
    return next === undefined ? this.text.length : next - 1;
  }

  /** Offset just past line `l`, its line break included. */
  private afterLine(l: number): number {
    const next = this.lineStarts[l + 1];
    return next === undefined ? this.text.length : next;
  }

  private indentOf(l: number): number {
    const t = this.text;
    const s = this.lineStart(l);
    let i = s;
    while (t.charCodeAt(i) === SPACE) i++;
    return i - s;
  }

  /** 'blank', 'comment' or 'content', by the first non-space character of line `l`. */
  private lineKind(l: number): 'blank' | 'comment' | 'content' {
    const t = this.text;
    let i = this.lineStart(l);
    const end = this.lineEnd(l);
    while (i < end && t.charCodeAt(i) === SPACE) i++;
    if (i >= end) return 'blank';
    return t.charCodeAt(i) === HASH ? 'comment' : 'content';
  }

  /**
   * Moves to the next content line from the current one, collecting the comment lines passed as
   * [indent, line]; returns that line's indent, or -1 at the end of the text.
   */
  private skipToContent(comments: [number, number][] | undefined): number {
    const last = this.lineStarts.length;
    while (this.ln < last) {
      const kind = this.lineKind(this.ln);
      if (kind === 'content') return this.indentOf(this.ln);
      if (kind === 'comment') comments?.push([this.indentOf(this.ln), this.ln]);
      this.ln++;
    }
    return -1;
  }

  // ---- positions

  private line(offset: number): number {
    const starts = this.lineStarts;
    let h = this.hint;
    if ((starts[h] as number) <= offset && (h + 1 >= starts.length || (starts[h + 1] as number) > offset)) return h;
    if (h + 1 < starts.length && (starts[h + 1] as number) <= offset && (h + 2 >= starts.length || (starts[h + 2] as number) > offset)) {
      this.hint = h + 1;
      return h + 1;
    }
    h = lineIndexAt(starts, offset);
    this.hint = h;
    return h;
  }

  private span(start: number, end: number): Span {
    const a = this.line(start);
    const b = this.line(end);
    return { file: this.file, line: a + 1, col: start - (this.lineStarts[a] as number) + 1, endLine: b + 1, endCol: end - (this.lineStarts[b] as number) + 1 };
  }

  // ---- block structure

  /** The block node whose first character stands at `at` on the current line, indented `indent`. */
  private block(indent: number, at: number, depth: number): Block {
    if (depth > MAX_FAST_DEPTH) throw BAIL;
    const t = this.text;
    if (t.charCodeAt(at) === DASH && this.isSpaceOrEol(at + 1)) return this.seq(indent, at, depth);
    return this.map(indent, at, depth);
  }

  private isSpaceOrEol(i: number): boolean {
    const c = this.text.charCodeAt(i);
    return c === SPACE || c === NL || Number.isNaN(c);
  }

  private map(indent: number, first: number, depth: number): Block {
    const entries: LMapEntry[] = [];
    const seen = new KeySet(entries);
    let at = first;
    for (;;) {
      const key = this.key(at);
      if (!key) throw BAIL;
      if (seen.has(key.key)) throw BAIL;
      const keySpan = this.span(key.start, key.end);
      const item = this.value(indent, key.after, depth, true);
      entries.push({ key: key.key, keySpan, value: item.node });
      const next = this.afterItem(indent, item);
      if (next.done) return { node: { kind: 'map', span: this.span(first, next.end), entries } satisfies LMap, end: next.end, pending: next.pending, kind: 'block' };
      at = this.lineStart(this.ln) + indent;
      if (this.text.charCodeAt(at) === DASH && this.isSpaceOrEol(at + 1)) throw BAIL;
    }
  }

  private seq(indent: number, first: number, depth: number): Block {
    const items: LNode[] = [];
    let at = first;
    for (;;) {
      // `at` is the dash; the item starts after it and its spaces.
      let p = at + 1;
      const t = this.text;
      while (t.charCodeAt(p) === SPACE) p++;
      let item: Parsed & ItemEnd & { kind: ItemKind };
      const key = p < this.lineEnd(this.ln) && p > at + 1 ? this.key(p) : undefined;
      if (key) {
        // `- key: value`: a map whose keys stand at the first key's column.
        const m = this.map(p - this.lineStart(this.ln), p, depth + 1);
        item = m;
        items.push(item.node);
        const next = this.afterNested(indent, m);
        if (next.done) return { node: { kind: 'seq', span: this.span(first, next.end), items } satisfies LSeq, end: next.end, pending: next.pending, kind: 'block' };
      } else {
        item = this.value(indent, at + 1, depth, false);
        items.push(item.node);
        const next = this.afterItem(indent, item);
        if (next.done) return { node: { kind: 'seq', span: this.span(first, next.end), items } satisfies LSeq, end: next.end, pending: next.pending, kind: 'block' };
      }
      at = this.lineStart(this.ln) + indent;
      if (!(t.charCodeAt(at) === DASH && this.isSpaceOrEol(at + 1))) {
        // A list that is a map's value may stand at the map's indent; the map goes on here.
        const end = this.lastEnd;
        if (this.lastPending.length > 0 && indent !== 0 && !this.lastPending.every((k) => k < indent)) throw BAIL;
        return { node: { kind: 'seq', span: this.span(first, end), items } satisfies LSeq, end, pending: this.lastPending, kind: 'block' };
      }
    }
  }

  /**
   * After an item of the collection indented `indent`: where the collection goes on. Comment lines
   * more indented than the collection after a one-line value belong to that value (the yaml
   * package extends its range over them); comment lines at the collection's indent or less make a
   * comment-only item, which the yaml package moves up to the parent when every one of them is
   * less indented than the collection (or the collection is not indented) and otherwise keeps,
   * changing the collection's range: that case is left to the full reader.
   */
  private afterItem(indent: number, item: Parsed & ItemEnd & { kind: ItemKind }): { done: boolean; end: number; pending: number[] } {
    if (item.kind === 'block') return this.afterNested(indent, item);
    // Read right after skipToContent fills it, before anything else can: one array for every item.
    const comments = this.comments;
    comments.length = 0;
    const m = this.skipToContent(comments);
    let end = item.end;
    let pending = NONE;
    if (item.kind === 'nullComment' && m < indent) {
      // A null with a comment after it runs up to the next node when its collection ends there.
      if (comments.length > 0 || m < 0) throw BAIL;
      end = this.lineStart(this.ln) + m;
    }
    if (comments.length > 0) {
      if (item.kind === 'null' || item.kind === 'nullComment') throw BAIL;
      for (const [k, l] of comments) {
        if (k > indent) {
          if (pending.length > 0) throw BAIL;
          end = this.afterLine(l);
        } else {
          if (pending === NONE) pending = [];
          pending.push(k);
        }
      }
    }
    return this.continueOrEnd(indent, m, end, pending);
  }

  /** After a nested collection, which already ran into the next content line. */
  private afterNested(indent: number, nested: Parsed & ItemEnd): { done: boolean; end: number; pending: number[] } {
    const m = this.ln < this.lineStarts.length ? this.indentOf(this.ln) : -1;
    return this.continueOrEnd(indent, m, nested.end, nested.pending);
  }

  /** Comment lines skipped after an item, as [indent, line] (see afterItem). */
  private readonly comments: [number, number][] = [];

  /** The end and pending comments of the last item, for a list that ends at its own indent. */
  private lastEnd = 0;
  private lastPending: number[] = [];

  private continueOrEnd(indent: number, m: number, end: number, pending: number[]): { done: boolean; end: number; pending: number[] } {
    if (m === indent) {
      this.lastEnd = end;
      this.lastPending = pending;
      return { done: false, end, pending: NONE };
    }
    if (m > indent) throw BAIL;
    // The collection ends: its trailing comments move to the parent only if all sit left of it.
    if (pending.length > 0 && indent !== 0 && !pending.every((k) => k < indent)) throw BAIL;
    return { done: true, end, pending };
  }

  /**
   * A plain or quoted key at `at` followed by `:` and a space or the line's end; undefined when
   * the line holds no such key there.
   */
  private key(at: number): { key: string; start: number; end: number; after: number } | undefined {
    const t = this.text;
    const c = t.charCodeAt(at);
    const eol = this.lineEnd(this.ln);
    if (c === 0x22 || c === 0x27) {
      const q = this.quoted(at, eol);
      if (!q) return undefined;
      let p = q.end;
      while (p < eol && t.charCodeAt(p) === SPACE) p++;
      if (t.charCodeAt(p) !== COLON || !this.isSpaceOrEol(p + 1)) return undefined;
      return { key: q.value, start: at, end: q.end, after: p + 1 };
    }
    if (PLAIN_START_BAD.has(c)) return undefined;
    let p = at;
    while (p < eol) {
      const ch = t.charCodeAt(p);
      if (ch === COLON && this.isSpaceOrEol(p + 1)) break;
      if (ch === HASH && t.charCodeAt(p - 1) === SPACE) return undefined;
      p++;
    }
    if (p >= eol) return undefined;
    let e = p;
    while (t.charCodeAt(e - 1) === SPACE) e--;
    if (e - at > 1000) throw BAIL;
    const v = resolvePlain(t.slice(at, e));
    if (v === null) throw BAIL;
    const key = String(v);
    if (key === '<<') throw BAIL;
    return { key, start: at, end: e, after: p + 1 };
  }

  /**
   * The value after a key's `:` or an item's `-` (at `p`), in a collection indented `indent`:
   * a one-line value, a nested block on the following lines, or null.
   */
  private value(indent: number, p: number, depth: number, inMap: boolean): Parsed & ItemEnd & { kind: ItemKind } {
    const t = this.text;
    const eol = this.lineEnd(this.ln);
    while (p < eol && t.charCodeAt(p) === SPACE) p++;
    const c = t.charCodeAt(p);
    if (p >= eol || c === HASH) {
      const nullAt = p;
      const nullEnd = p >= eol ? p : this.afterLine(this.ln);
      this.ln++;
      const save = this.ln;
      const m = this.skipToContent(undefined);
      const at = m < 0 ? -1 : this.lineStart(this.ln) + m;
      if (m > indent || (inMap && m === indent && t.charCodeAt(at) === DASH && this.isSpaceOrEol(at + 1))) {
        const nested = this.block(m, at, depth + 1);
        return nested;
      }
      this.ln = save;
      return { node: { kind: 'scalar', value: null, span: this.span(nullAt, nullAt), quoted: false }, end: nullEnd, pending: NONE, kind: p >= eol ? 'null' : 'nullComment' };
    }
    let node: LNode;
    let valueEnd: number;
    if (c === 0x5b || c === 0x7b) {
      node = this.flow(p, eol, depth + 1);
      valueEnd = this.flowEnd;
    } else if (c === 0x22 || c === 0x27) {
      const q = this.quoted(p, eol);
      if (!q) throw BAIL;
      node = { kind: 'scalar', value: q.value, span: this.span(p, q.end), quoted: true };
      valueEnd = q.end;
    } else {
      if (PLAIN_START_BAD.has(c) && !(c === DASH && p + 1 < eol && t.charCodeAt(p + 1) !== SPACE)) throw BAIL;
      let e = p;
      while (e < eol) {
        const ch = t.charCodeAt(e);
        if (ch === HASH && t.charCodeAt(e - 1) === SPACE) break;
        if (ch === COLON && this.isSpaceOrEol(e + 1)) throw BAIL;
        e++;
      }
      while (t.charCodeAt(e - 1) === SPACE) e--;
      node = scalarNode(t.slice(p, e), this.span(p, e));
      valueEnd = e;
    }
    // Only spaces and a comment may follow on the line.
    let q = valueEnd;
    while (q < eol && t.charCodeAt(q) === SPACE) q++;
    if (q < eol && !(t.charCodeAt(q) === HASH && q > valueEnd)) throw BAIL;
    const end = this.afterLine(this.ln);
    this.ln++;
    // A more indented content line would continue a plain scalar (or be an error): not read here.
    const save = this.ln;
    const m = this.skipToContent(undefined);
    this.ln = save;
    if (m > indent) {
      // Comment lines are fine (afterItem sorts them out); a content line is not.
      throw BAIL;
    }
    return { node, end, pending: NONE, kind: 'inline' };
  }

  /** Where the last flow node read (`flow`, `flowItem`, `flowScalar`) ends: not an object per node. */
  private flowEnd = 0;

  /** A one-line flow list or map at `p`; `flowEnd` is set just past its closing bracket. */
  private flow(p: number, eol: number, depth: number): LNode {
    if (depth > MAX_FAST_DEPTH) throw BAIL;
    const t = this.text;
    const isMap = t.charCodeAt(p) === 0x7b;
    const close = isMap ? 0x7d : 0x5d;
    const items: LNode[] = [];
    const entries: LMapEntry[] = [];
    const seen = isMap ? new KeySet(entries) : undefined;
    let i = p + 1;
    for (;;) {
      while (i < eol && t.charCodeAt(i) === SPACE) i++;
      if (i >= eol) throw BAIL;
      if (t.charCodeAt(i) === close) {
        i++;
        break;
      }
      if (isMap) {
        const k = this.flowScalar(i, eol, true);
        if (k.value === null) throw BAIL;
        const key = String(k.value);
        if ((seen as KeySet).has(key) || key === '<<') throw BAIL;
        i = this.flowEnd;
        while (i < eol && t.charCodeAt(i) === SPACE) i++;
        if (t.charCodeAt(i) !== COLON || t.charCodeAt(i + 1) !== SPACE) throw BAIL;
        i += 2;
        while (i < eol && t.charCodeAt(i) === SPACE) i++;
        const v = this.flowItem(i, eol, depth);
        entries.push({ key, keySpan: k.span, value: v });
        i = this.flowEnd;
      } else {
        items.push(this.flowItem(i, eol, depth));
        i = this.flowEnd;
      }
      while (i < eol && t.charCodeAt(i) === SPACE) i++;
      const c = t.charCodeAt(i);
      if (c === 0x2c) i++;
      else if (c !== close) throw BAIL;
    }
    const span = this.span(p, i);
    this.flowEnd = i;
    return isMap ? { kind: 'map', span, entries } : { kind: 'seq', span, items };
  }

  private flowItem(i: number, eol: number, depth: number): LNode {
    const c = this.text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) return this.flow(i, eol, depth + 1);
    return this.flowScalar(i, eol);
  }

  private flowScalar(i: number, eol: number, isKey = false): LScalar {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      const q = this.quoted(i, eol);
      if (!q) throw BAIL;
      this.flowEnd = q.end;
      return { kind: 'scalar', value: q.value, span: this.span(i, q.end), quoted: true };
    }
    if (PLAIN_START_BAD.has(c)) {
      // `-x` is plain; a lone `-` or `- ` is not read here.
      if (!(c === DASH && !FLOW_INDICATORS.has(t.charCodeAt(i + 1)) && t.charCodeAt(i + 1) !== SPACE && i + 1 < eol)) throw BAIL;
    }
    let e = i;
    while (e < eol) {
      const ch = t.charCodeAt(e);
      if (ch === 0x2c || ch === 0x5d || ch === 0x7d) break;
      if (ch === COLON) {
        const after = t.charCodeAt(e + 1);
        if (after === SPACE && isKey) break;
        if (after === SPACE || FLOW_INDICATORS.has(after) || e + 1 >= eol) throw BAIL;
      } else if (ch === 0x5b || ch === 0x7b || (ch === HASH && t.charCodeAt(e - 1) === SPACE)) throw BAIL;
      e++;
    }
    while (t.charCodeAt(e - 1) === SPACE) e--;
    if (e === i) throw BAIL;
    this.flowEnd = e;
    return scalarNode(t.slice(i, e), this.span(i, e));
  }

  /** A one-line quoted scalar at `i` without escapes; undefined when it does not close on the line. */
  private quoted(i: number, eol: number): { value: string; end: number } | undefined {
    const t = this.text;
    const q = t.charCodeAt(i);
    if (q === 0x22) {
      const close = t.indexOf('"', i + 1);
      if (close < 0 || close >= eol) return undefined;
      const body = t.slice(i + 1, close);
      if (body.includes('\\')) throw BAIL;
      return { value: body, end: close + 1 };
    }
    let value = '';
    let j = i + 1;
    for (;;) {
      const close = t.indexOf("'", j);
      if (close < 0 || close >= eol) return undefined;
      value += t.slice(j, close);
      if (t.charCodeAt(close + 1) === 0x27) {
        value += "'";
        j = close + 2;
      } else return { value, end: close + 1 };
    }
  }
}

/** No pending comments (shared: never pushed to). */
const NONE: number[] = [];

/**
 * The keys of a map being read, for the duplicate check: the entries themselves while the map is
 * small (most are), a Set from the ninth key on. The caller checks a key before adding its entry.
 */
class KeySet {
  private set: Set<string> | undefined;

  constructor(private readonly entries: LMapEntry[]) {}

  has(key: string): boolean {
    const entries = this.entries;
    if (this.set === undefined) {
      if (entries.length <= 8) {
        for (let i = 0; i < entries.length; i++) if ((entries[i] as LMapEntry).key === key) return true;
        return false;
      }
      this.set = new Set(entries.map((e) => e.key));
    } else for (let i = this.set.size; i < entries.length; i++) this.set.add((entries[i] as LMapEntry).key);
    return this.set.has(key);
  }
}

type ItemKind = 'inline' | 'null' | 'nullComment' | 'block';

/** A nested block collection, marked as such for afterItem (one object, not a copy with the mark). */
type Block = Parsed & ItemEnd & { kind: 'block' };

/** A plain scalar resolved by the YAML 1.2 core schema, as the full reader's converter shapes it. */
function scalarNode(text: string, span: Span): LScalar {
  const v = resolvePlain(text);
  return typeof v === 'number' ? { kind: 'scalar', value: v, span } : { kind: 'scalar', value: v, span, quoted: false };
}

/**
 * The core schema's reading of a plain scalar. Integers beyond 2^53, non-finite floats and the
 * rarer forms (octal, hex, .inf, .nan) are left to the full reader, which reports or converts them.
 */
function resolvePlain(s: string): string | number | boolean | null {
  const c = s.charCodeAt(0);
  // Most plain scalars start with a letter that begins no null, bool or number.
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x7a && lower !== 0x6e && lower !== 0x74 && lower !== 0x66) return s;
  if (s === '' || NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s.charCodeAt(0) === 0x74 || s.charCodeAt(0) === 0x54;
  if (INT_RE.test(s)) {
    const digits = s.charCodeAt(0) === 0x2b || s.charCodeAt(0) === DASH ? s.length - 1 : s.length;
    if (digits > 15) throw BAIL;
    // BigInt("-0") is 0n, whose number is +0.
    return Number(s) + 0;
  }
  if (OTHER_NUMBER_RE.test(s)) throw BAIL;
  if (FLOAT_RE.test(s)) {
    const f = parseFloat(s);
    if (!Number.isFinite(f)) throw BAIL;
    return f;
  }
  return s;
}
