import { parseTOML, type AST } from 'toml-eslint-parser';
import type { Span } from './span.js';
import type { LMap, LNode } from './tree.js';

export interface DuplicateKey {
  /** The key as written at the second definition. */
  key: string;
  /** Where it was first defined, when that could be found. */
  first?: Span;
}

/**
 * toml-eslint-parser names only the second definition of a key. To point at the first one too,
 * the text before the line of the second definition (which the parser accepted) is read as a tree,
 * the statement on that line is read alone for its key path, and the path is followed in the tree.
 * Only on the error path; when the duplicate sits inside an inline table or a multi-line value
 * the first definition is not searched for and only the key is named.
 */
export function describeDuplicate(options: {
  text: string;
  /** Offset of the second definition's key, as the parser reported it. */
  index: number;
  tomlVersion: '1.0';
  build: (program: AST.TOMLProgram, text: string) => LMap;
}): DuplicateKey {
  const { text, index } = options;
  const key = keyTextAt(text, index);
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const nl = text.indexOf('\n', index);
  const lineEnd = nl < 0 ? text.length : nl;
  const prefixText = text.slice(0, lineStart);
  const prefix = tryParse(prefixText, options.tomlVersion);
  const statement = tryParse(text.slice(lineStart, lineEnd), options.tomlVersion)?.body[0]?.body[0];
  if (!prefix || !statement) return { key };

  let path: (string | number)[];
  if (statement.type === 'TOMLTable') {
    path = keyPath(statement.key.keys, index - lineStart);
  } else {
    const tables = (prefix.body[0]?.body ?? []).filter((b): b is AST.TOMLTable => b.type === 'TOMLTable');
    const current = tables[tables.length - 1];
    path = [...(current?.resolvedKey ?? []), ...keyPath(statement.key.keys, index - lineStart)];
  }
  const tree = options.build(prefix, prefixText);
  const first = follow(tree, path);
  return first ? { key, first } : { key };
}

function tryParse(text: string, tomlVersion: '1.0'): AST.TOMLProgram | undefined {
  try {
    return parseTOML(text, { tomlVersion });
  } catch {
    return undefined;
  }
}

/** The key segments up to the one at `offset` (the parser's index points at the offending segment). */
function keyPath(keys: (AST.TOMLBare | AST.TOMLQuoted)[], offset: number): string[] {
  const out: string[] = [];
  for (const k of keys) {
    out.push(k.type === 'TOMLBare' ? k.name : k.value);
    if (k.range[0] >= offset) break;
  }
  return out;
}

/** The key span of the entry at `path`, or of the first entry on the way that is not a table. */
function follow(root: LNode, path: (string | number)[]): Span | undefined {
  let node: LNode = root;
  let found: Span | undefined;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (node.kind !== 'seq') return found;
      const item = node.items[seg];
      if (!item) return found;
      node = item;
      continue;
    }
    if (node.kind !== 'map') return found;
    const entry = node.entries.find((e) => e.key === seg);
    if (!entry) return undefined;
    found = entry.keySpan;
    node = entry.value;
  }
  return found;
}

function keyTextAt(text: string, index: number): string {
  const bare = /^[A-Za-z0-9_-]+/.exec(text.slice(index, index + 200));
  if (bare) return bare[0];
  const quoted = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/.exec(text.slice(index, index + 1000));
  if (quoted) {
    const raw = quoted[0];
    if (raw.startsWith("'")) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  }
  return text.slice(index, index + 20).split(/[\s=.\]]/)[0] ?? '';
}
