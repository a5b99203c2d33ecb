import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode } from 'yaml';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceText } from './files.js';
import type { LMap, LMapEntry, LNode } from './tree.js';

/**
 * Parses YAML (1.2 core schema) into a located tree. Reports syntax errors (FLOWC101), duplicate
 * keys (FLOWC102) and constructs a config cannot mean (FLOWC105: non-scalar keys, custom tags).
 * Returns undefined when the document could not be read as a tree; an empty document is null.
 */
export function parseYamlTree(src: SourceText, diagnostics: DiagnosticBag): LNode | undefined {
  const lineCounter = new LineCounter();
  // Duplicate keys are an error, never "last wins"; `convert` finds them with a set per map,
  // because the yaml package's own uniqueKeys check is quadratic in the size of a map (a flow of
  // 10,000 steps spent most of its parse time there). Merge keys stay off (YAML 1.2).
  const doc = parseDocument(src.text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  let failed = false;
  for (const err of doc.errors) {
    failed = true;
    const code = err.code === 'DUPLICATE_KEY' ? 'FLOWC102' : 'FLOWC101';
    const message = err.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once in a map)' : firstLine(err.message);
    diagnostics.report(code, message, src.span(err.pos[0], err.pos[1]));
  }
  if (failed) return undefined;
  if (doc.contents === null) return { kind: 'scalar', value: null, span: src.span(0) };
  const before = diagnostics.items.length;
  const tree = convert(doc.contents as YNode, src, diagnostics, doc);
  return diagnostics.items.length > before ? undefined : tree;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

type Doc = ReturnType<typeof parseDocument>;

function convert(node: YNode, src: SourceText, diagnostics: DiagnosticBag, doc: Doc, depth = 0): LNode {
  const range = node.range ?? [0, 0, 0];
  const span = src.span(range[0], range[1]);
  if (depth > 200) {
    diagnostics.report('FLOWC105', 'the document nests deeper than 200 levels', span);
    return { kind: 'scalar', value: null, span };
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) {
      diagnostics.report('FLOWC101', `unknown alias *${node.source}`, span);
      return { kind: 'scalar', value: null, span };
    }
    // An alias stands for a copy of its anchor's value; positions point at the alias itself so a
    // problem is reported where the value is used.
    const copy = convert(target, src, diagnostics, doc, depth + 1);
    return respan(copy, span);
  }
  if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
    diagnostics.report('FLOWC105', `custom YAML tag ${node.tag} is not supported`, span);
  }
  if (isScalar(node)) {
    const v = node.value;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' || node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      return { kind: 'scalar', value: v, span, quoted };
    }
    if (typeof v === 'bigint') return { kind: 'scalar', value: Number(v), span };
    diagnostics.report('FLOWC105', 'unsupported scalar value', span);
    return { kind: 'scalar', value: null, span };
  }
  if (isSeq(node)) {
    return { kind: 'seq', span, items: node.items.map((it) => convert(it as YNode, src, diagnostics, doc, depth + 1)) };
  }
  if (isMap(node)) {
    const entries: LMapEntry[] = [];
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YNode | null;
      if (!k || !isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number' && typeof k.value !== 'boolean')) {
        const kr = k?.range ?? range;
        diagnostics.report('FLOWC105', 'map keys must be plain strings', src.span(kr[0], kr[1]));
        continue;
      }
      const kr = k.range ?? range;
      const keySpan = src.span(kr[0], kr[1]);
      const key = String(k.value);
      if (seen.has(key)) {
        diagnostics.report('FLOWC102', 'duplicate key (each key may appear once in a map)', keySpan);
        continue;
      }
      seen.add(key);
      const value: LNode = pair.value
        ? convert(pair.value as YNode, src, diagnostics, doc, depth + 1)
        : { kind: 'scalar', value: null, span: src.span(kr[1]) };
      entries.push({ key, keySpan, value });
    }
    return { kind: 'map', span, entries } satisfies LMap;
  }
  diagnostics.report('FLOWC105', 'unsupported YAML node', span);
  return { kind: 'scalar', value: null, span };
}

function respan(node: LNode, span: LNode['span']): LNode {
  switch (node.kind) {
    case 'scalar':
      return { ...node, span };
    case 'seq':
      return { kind: 'seq', span, items: node.items.map((i) => respan(i, span)) };
    case 'map':
      return { kind: 'map', span, entries: node.entries.map((e) => ({ key: e.key, keySpan: span, value: respan(e.value, span) })) };
  }
}
