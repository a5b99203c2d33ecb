import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, YAMLParseError, type Alias, type CST, type Document, type Node as YNode } from 'yaml';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { checkTree } from './check-tree.js';
import type { SourceText } from './files.js';
import { MAX_NESTING } from './limits.js';
import { scanYamlCst } from './nesting-scan.js';
import { placeOf, type Span } from './span.js';
import type { LMap, LMapEntry, LNode, LScalar } from './tree.js';
import { planAliases } from './yaml-aliases.js';
import { parseYamlFast } from './yaml-fast.js';
import { yamlSyntaxProblems } from './yaml-syntax.js';

export interface ParseYamlOptions {
  /** Most nodes aliases may add (default ALIAS_NODE_BUDGET); tests lower it. */
  aliasBudget?: number;
}

/**
 * Parses YAML (1.2 core schema) into a located tree. Reports syntax errors (FLOWC101), duplicate
 * keys (FLOWC102, with the first one), constructs a config cannot mean (FLOWC105: non-scalar keys,
 * tags outside the core schema, recursive aliases), alias expansion past its budget (FLOWC106),
 * nesting past the limit (FLOWC107), NUL in strings (FLOWC108) and numbers JSON cannot carry
 * exactly (FLOWC419). Returns undefined when anything was reported; an empty document is null.
 */
export function parseYamlTree(src: SourceText, diagnostics: DiagnosticBag, options: ParseYamlOptions = {}): LNode | undefined {
  // Most documents are read without the yaml package; anything else it reads (and reports).
  const fast = parseYamlFast(src);
  // The fast reader takes no control character (NUL included) and nests at most 100 levels, so
  // checkTree can only find a lone surrogate, and only in a text that holds surrogates.
  if (fast) return !fast.surrogates || checkTree(fast.tree, diagnostics) ? fast.tree : undefined;
  return parseYamlFull(src, diagnostics, options);
}

/** parseYamlTree through the yaml package alone (the reference the fast reader is tested against). */
export function parseYamlFull(src: SourceText, diagnostics: DiagnosticBag, options: ParseYamlOptions = {}): LNode | undefined {
  // The CST is built without recursion; its depth is checked before the (recursive) composer runs.
  const tokens = [...new Parser().parse(src.text)];
  const scan = scanYamlCst(tokens);
  if (scan.tooDeepAt !== undefined) {
    diagnostics.report('FLOWC107', `the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`, src.span(scan.tooDeepAt));
    return undefined;
  }
  const doc = compose(tokens, src.text.length);
  for (const p of yamlSyntaxProblems(src, doc.errors)) diagnostics.report(p.code, p.message, p.span, p.notes);
  if (doc.errors.length > 0) return undefined;
  if (doc.contents === null) return { kind: 'scalar', value: null, span: src.span(0) };
  const root = doc.contents as YNode;
  const budget = options.aliasBudget === undefined ? {} : { budget: options.aliasBudget };
  const aliases = scan.aliases ? planAliases(root, { src, diagnostics, ...budget }) : new Map<Alias, YNode>();
  if (!aliases) return undefined;
  const before = diagnostics.items.length;
  const tree = new Converter(src, diagnostics, aliases).convert(root, 0);
  if (diagnostics.items.length > before) return undefined;
  return checkTree(tree, diagnostics) ? tree : undefined;
}

/**
 * Duplicate keys are an error, never "last wins"; the converter finds them with a map per YAML
 * map, because the yaml package's own uniqueKeys check is quadratic in the size of a map (a flow of
 * 10,000 steps spent most of its parse time there). Merge keys stay off (YAML 1.2). Integers are
 * read as bigints so one beyond 2^53 is caught rather than rounded.
 */
function compose(tokens: CST.Token[], length: number): Document.Parsed {
  // The core schema is pinned: a `%YAML 1.1` directive would otherwise switch the yaml package to
  // YAML 1.1 resolution, where `yes` is true, `0777` is octal, `1:20` is 80 and `<<` merges.
  const composer = new Composer({ uniqueKeys: false, strict: true, intAsBigInt: true, schema: 'core' });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; a flowc file holds one YAML document'));
      break;
    }
  }
  return doc as Document.Parsed;
}

/** Tags of the YAML 1.2 core schema, by full name, with the kind of value each stands for. */
const CORE_TAGS: ReadonlyMap<string, 'str' | 'int' | 'float' | 'bool' | 'null' | 'map' | 'seq'> = new Map(
  (['str', 'int', 'float', 'bool', 'null', 'map', 'seq'] as const).map((t) => [`tag:yaml.org,2002:${t}`, t]),
);

const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';

class Converter {
  /** Alias copies report into a bag nobody reads: their anchor already reported the same problem. */
  private readonly muted = new DiagnosticBag();

  constructor(
    private readonly src: SourceText,
    private readonly diagnostics: DiagnosticBag,
    private readonly aliases: Map<Alias, YNode>,
  ) {}

  /**
   * `copyAt`: set while converting the value an alias stands for; every node of the copy points at
   * the alias, so a problem with the value is shown where it is used.
   */
  convert(node: YNode, level: number, copyAt?: Span): LNode {
    const range = node.range ?? [0, 0, 0];
    const span = copyAt ?? this.src.span(range[0], range[1]);
    const report = copyAt ? this.muted : this.diagnostics;
    if (level > MAX_NESTING) {
      // planAliases and the CST scan keep documents within the limit; this only guards the stack.
      report.report('FLOWC107', `the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`, span);
      return { kind: 'scalar', value: null, span };
    }
    if (isAlias(node)) {
      const target = this.aliases.get(node);
      if (!target) {
        // planAliases resolves every alias the CST scan saw; an unresolved one is never silently null.
        report.report('FLOWC101', `unknown alias *${node.source}`, span);
        return { kind: 'scalar', value: null, span };
      }
      return this.convert(target, level, span);
    }
    if (!this.tagAllowed(node, span, report)) return { kind: 'scalar', value: null, span };
    if (isScalar(node)) return this.scalar(node, span, report);
    if (isSeq(node)) {
      return { kind: 'seq', span, items: node.items.map((it) => this.convert(it as YNode, level + 1, copyAt)) };
    }
    if (isMap(node)) return this.map(node, level, span, copyAt);
    report.report('FLOWC105', 'unsupported YAML node', span);
    return { kind: 'scalar', value: null, span };
  }

  private map(node: YNode & { items: unknown[] }, level: number, span: Span, copyAt: Span | undefined): LMap {
    const report = copyAt ? this.muted : this.diagnostics;
    const range = node.range ?? [0, 0, 0];
    const entries: LMapEntry[] = [];
    const seen = new Map<string, Span>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YNode | null;
      if (!k || !isScalar(k)) {
        const kr = k?.range ?? range;
        report.report('FLOWC105', 'map keys must be plain strings', copyAt ?? this.src.span(kr[0], kr[1]));
        continue;
      }
      const kr = k.range ?? range;
      const keySpan = copyAt ?? this.src.span(kr[0], kr[1]);
      if (!this.tagAllowed(k, keySpan, report)) continue;
      if (k.value === null) {
        report.report('FLOWC105', 'map keys must be plain strings', keySpan);
        continue;
      }
      // Numbers JSON cannot carry are reported by `scalar` and come back as null.
      const keyNode = this.scalar(k, keySpan, report);
      if (keyNode.value === null) continue;
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        report.report('FLOWC102', `duplicate key ${JSON.stringify(key)} (each key may appear once in a map)`, keySpan, [
          `first defined at ${placeOf(first)}`,
        ]);
        continue;
      }
      seen.set(key, keySpan);
      const value: LNode = pair.value ? this.convert(pair.value as YNode, level + 1, copyAt) : { kind: 'scalar', value: null, span: copyAt ?? this.src.span(kr[1]) };
      entries.push({ key, keySpan, value });
    }
    return { kind: 'map', span, entries };
  }

  private scalar(node: YNode & { value: unknown; type?: string }, span: Span, report: DiagnosticBag): LScalar {
    const v = node.value;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' || node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    const written = (): string => {
      const r = node.range ?? [0, 0, 0];
      return this.src.text.slice(r[0], r[1]);
    };
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) {
        report.report('FLOWC419', `the integer ${written()} cannot be represented exactly (integers must lie within ±2^53-1); write it as a string`, span);
        return { kind: 'scalar', value: null, span };
      }
      return { kind: 'scalar', value: Number(v), span };
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        report.report('FLOWC419', `${written()} has no JSON form (JSON numbers are finite); write it as a string`, span);
        return { kind: 'scalar', value: null, span };
      }
      return { kind: 'scalar', value: v, span };
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return { kind: 'scalar', value: v, span, quoted };
    report.report('FLOWC105', 'unsupported scalar value', span);
    return { kind: 'scalar', value: null, span };
  }

  /**
   * Only the core schema's tags, on values of their kind. The yaml package also resolves YAML 1.1
   * tags (`!!binary`, `!!set`, `!!timestamp`, `!!omap`) and passes unknown ones (`!!js/function`,
   * `!foo`) through as strings with a warning; a config that relies on either means something
   * flowc cannot honour, so both are errors.
   */
  private tagAllowed(node: YNode, span: Span, report: DiagnosticBag): boolean {
    const tag = node.tag;
    if (tag === undefined) return true;
    const kind = CORE_TAGS.get(tag);
    const shown = tag.startsWith(YAML_TAG_PREFIX) ? `!!${tag.slice(YAML_TAG_PREFIX.length)}` : tag;
    if (!kind) {
      report.report('FLOWC105', `YAML tag ${shown} is not supported`, span, [
        'flowc reads the YAML 1.2 core schema: only !!str !!int !!float !!bool !!null !!map !!seq',
      ]);
      return false;
    }
    const v = isScalar(node) ? node.value : undefined;
    const fits =
      kind === 'map' ? isMap(node)
      : kind === 'seq' ? isSeq(node)
      : !isScalar(node) ? false
      : kind === 'str' ? typeof v === 'string'
      : kind === 'int' ? typeof v === 'bigint'
      : kind === 'float' ? typeof v === 'number'
      : kind === 'bool' ? typeof v === 'boolean'
      : v === null;
    if (!fits) report.report('FLOWC105', `this value is not a valid ${shown}`, span);
    return fits;
  }
}
