import { parseTOML, ParseError, type AST } from 'toml-eslint-parser';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { checkTree } from './check-tree.js';
import { SourceText } from './files.js';
import { MAX_NESTING } from './limits.js';
import { tomlTooDeepAt } from './nesting-scan.js';
import { placeOf, type Span } from './span.js';
import { describeDuplicate } from './toml-duplicate.js';
import { tomlSyntaxErrors, type TomlSyntaxError } from './toml-syntax.js';
import type { LMap, LMapEntry, LNode, LSeq } from './tree.js';

/**
 * TOML 1.0 is pinned (not the parser's default, 1.1) so a file flowc accepts is also accepted by the
 * TOML readers most pipeline code uses (Python's tomllib reads 1.0), and so upgrading the parser
 * never changes what a config means.
 */
const TOML_VERSION = '1.0';

/**
 * Parses TOML into a located tree: tables, dotted keys, arrays of tables and inline tables become
 * nested maps and lists whose keys and values know their source ranges. Syntax errors are FLOWC104
 * and keys defined twice FLOWC102 (with a note for the first definition), at the position the
 * parser names; integers beyond ±2^53, `inf` and `nan` are FLOWC419 (JSON cannot carry them
 * exactly); nesting past MAX_NESTING is FLOWC107; then the checks every tree gets (`checkTree`).
 * Dates and times stay strings holding
 * their TOML text (`1979-05-27T07:32:00Z`): JSON has no date type and any conversion would invent
 * a time zone or precision the author did not write. Never throws.
 */
export function parseTomlTree(src: SourceText, diagnostics: DiagnosticBag): LNode | undefined {
  // The parser recurses per level of arrays and inline tables; refuse deep text before it runs.
  const deep = tomlTooDeepAt(src.text);
  if (deep !== undefined) {
    diagnostics.report('FLOWC107', `the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`, src.span(deep));
    return undefined;
  }
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(src.text, { tomlVersion: TOML_VERSION });
  } catch (e) {
    if (e instanceof ParseError) {
      // All of the file's syntax errors, not only the first the parser stops at.
      const parse = (text: string) => void parseTOML(text, { tomlVersion: TOML_VERSION });
      for (const err of recoverErrors(src, parse, diagnostics)) {
        const at = src.span(err.index, err.end);
        if (err.duplicate) reportDuplicate(src, err.index, at, diagnostics);
        else diagnostics.report('FLOWC104', err.message, at, err.notes);
      }
      return undefined;
    }
    // Should the scan above ever miss a way to nest, the overflow is still the input's fault.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      diagnostics.report('FLOWC107', `the document nests deeper than the parser can follow (the nesting limit is ${MAX_NESTING} levels)`, src.span(0));
      return undefined;
    }
    // The parser only throws ParseError for bad input; anything else is a bug worth seeing.
    throw e;
  }
  const before = diagnostics.items.length;
  const builder = new TreeBuilder(src, diagnostics);
  const root = builder.build(program.body[0]);
  if (diagnostics.items.length > before) return undefined;
  return checkTree(root, diagnostics) ? root : undefined;
}

/** tomlSyntaxErrors, with a parser overflow on a re-parse reported like the first parse's. */
function recoverErrors(src: SourceText, parse: (text: string) => void, diagnostics: DiagnosticBag): TomlSyntaxError[] {
  try {
    return tomlSyntaxErrors(src.text, parse);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      diagnostics.report('FLOWC107', `the document nests deeper than the parser can follow (the nesting limit is ${MAX_NESTING} levels)`, src.span(0));
      return [];
    }
    throw e;
  }
}

function reportDuplicate(src: SourceText, index: number, at: Span, diagnostics: DiagnosticBag): void {
  const dup = describeDuplicate({
    text: src.text,
    index,
    tomlVersion: TOML_VERSION,
    // The prefix is read as if it were the file, so positions in it are the file's own; the
    // parser accepted it, so nothing it would report matters here.
    build: (program, text) => new TreeBuilder(new SourceText(src.file, text), new DiagnosticBag()).build(program.body[0]),
  });
  diagnostics.report('FLOWC102', `duplicate key ${JSON.stringify(dup.key)} (each key may be defined once in a table)`, at, dup.first ? [`first defined at ${placeOf(dup.first)}`] : undefined);
}

class TreeBuilder {
  constructor(
    private readonly src: SourceText,
    private readonly diagnostics: DiagnosticBag,
  ) {}

  private span(range: [number, number]): Span {
    return this.src.span(range[0], range[1]);
  }

  build(top: AST.TOMLTopLevelTable): LMap {
    const root: LMap = { kind: 'map', entries: [], span: this.src.span(0, this.src.text.length) };
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') this.addKeyValue(root, item);
      else this.addTable(root, item);
    }
    return root;
  }

  /** `[a.b]` and `[[a.b]]`: walk `resolvedKey` (numbers index arrays of tables) and fill the table. */
  private addTable(root: LMap, table: AST.TOMLTable): void {
    const path = table.resolvedKey;
    const keyNodes = table.key.keys;
    let current: LMap | LSeq = root;
    let keyIndex = 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as string | number;
      const isLast = i === path.length - 1;
      if (typeof seg === 'number') {
        // Only arrays of tables have numeric segments; the parser numbers them in file order.
        if (current.kind !== 'seq') return this.bug(table);
        let item: LNode | undefined = current.items[seg];
        if (!item) {
          item = { kind: 'map', entries: [], span: this.span(table.range) };
          current.items[seg] = item;
        }
        if (item.kind !== 'map') return this.bug(table);
        current = item;
        continue;
      }
      if (current.kind !== 'map') return this.bug(table);
      const keyNode = keyNodes[keyIndex++] ?? table.key;
      const nextIsIndex = typeof path[i + 1] === 'number';
      let entry: LMapEntry | undefined = current.entries.find((e) => e.key === seg);
      if (!entry) {
        const span = isLast || nextIsIndex ? this.span(table.range) : this.span(keyNode.range);
        const value: LNode = nextIsIndex ? { kind: 'seq', items: [], span } : { kind: 'map', entries: [], span };
        entry = { key: seg, keySpan: this.span(keyNode.range), value };
        current.entries.push(entry);
      }
      if (entry.value.kind === 'scalar') return this.bug(table);
      current = entry.value;
    }
    if (current.kind !== 'map') return this.bug(table);
    for (const kv of table.body) this.addKeyValue(current, kv);
  }

  /** `a.b.c = v`: dotted keys create (or extend) nested tables. */
  private addKeyValue(table: LMap, kv: AST.TOMLKeyValue): void {
    const keys = kv.key.keys;
    let current = table;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as AST.TOMLBare | AST.TOMLQuoted;
      const name = keyName(k);
      let entry = current.entries.find((e) => e.key === name);
      if (!entry) {
        entry = { key: name, keySpan: this.span(k.range), value: { kind: 'map', entries: [], span: this.span(k.range) } };
        current.entries.push(entry);
      }
      if (entry.value.kind !== 'map') return this.bug(kv);
      current = entry.value;
    }
    const last = keys[keys.length - 1] as AST.TOMLBare | AST.TOMLQuoted;
    current.entries.push({ key: keyName(last), keySpan: this.span(last.range), value: this.value(kv.value) });
  }

  private value(node: AST.TOMLContentNode): LNode {
    const span = this.span(node.range);
    switch (node.type) {
      case 'TOMLArray':
        return { kind: 'seq', span, items: node.elements.map((e) => this.value(e)) };
      case 'TOMLInlineTable': {
        const map: LMap = { kind: 'map', span, entries: [] };
        for (const kv of node.body) this.addKeyValue(map, kv);
        return map;
      }
      case 'TOMLValue':
        return this.scalar(node, span);
    }
  }

  private scalar(node: AST.TOMLValue, span: Span): LNode {
    switch (node.kind) {
      case 'string':
        return { kind: 'scalar', value: node.value, quoted: true, span };
      case 'boolean':
        return { kind: 'scalar', value: node.value, span };
      case 'integer': {
        const big = node.bigint;
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(-Number.MAX_SAFE_INTEGER)) {
          this.diagnostics.report(
            'FLOWC419',
            `the integer ${node.number} cannot be represented exactly (integers must lie within ±2^53-1); write it as a string`,
            span,
          );
          return { kind: 'scalar', value: null, span };
        }
        return { kind: 'scalar', value: Number(big), span };
      }
      case 'float':
        if (!Number.isFinite(node.value)) {
          this.diagnostics.report('FLOWC419', `${node.number} has no JSON form (JSON numbers are finite)`, span);
          return { kind: 'scalar', value: null, span };
        }
        return { kind: 'scalar', value: node.value, span };
      default:
        // offset-date-time, local-date-time, local-date, local-time: kept as written (see above).
        return { kind: 'scalar', value: this.src.text.slice(node.range[0], node.range[1]), span };
    }
  }

  private bug(node: AST.TOMLNode): void {
    // The parser already rejects redefinitions; reaching here means the two disagree.
    this.diagnostics.report('FLOWC104', 'this table conflicts with an earlier definition of the same key', this.span(node.range));
  }
}

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === 'TOMLBare' ? k.name : k.value;
}
