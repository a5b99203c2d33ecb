import { dirname, resolve } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import { loadTree } from '../source/load-tree.js';
import type { Span } from '../source/span.js';
import type { LMap, LNode } from '../source/tree.js';
import { merge } from './merge.js';
import type { PathGuard } from './path-guard.js';
import { fromLNode, type PMap } from './ptree.js';

/** The top-level key of a config file naming the files it builds on (SPEC §4 layer 2). */
export const EXTENDS_KEY = 'extends';

export interface LoadConfigFileOptions {
  sources: SourceRegistry;
  diagnostics: DiagnosticBag;
  relativize: (absPath: string) => string;
  /** Where the file was named, for "not found". */
  span?: Span;
  /** Files being loaded further up, outermost first, to catch extends cycles. */
  chain?: string[];
  /** Refuses files outside the project root (FLOWC017). */
  guard?: PathGuard;
}

/**
 * Reads one config file (YAML, JSON or TOML) with everything it `extends:`, as one layer: the
 * extended files in order (each with its own extends, recursively), then the file itself on top.
 * The `extends` key itself is dropped from the values. Reports FLOWC401 (not found), FLOWC403
 * (not a map at the top), FLOWC402 (a cycle, with the chain) and FLOWC414 (a bad `extends:`).
 * Returns undefined when anything in the chain failed.
 *
 * An empty file is an empty config (YAML reads it as null): a placeholder variant file is common.
 */
export function loadConfigFile(absPath: string, options: LoadConfigFileOptions): PMap | undefined {
  const { diagnostics } = options;
  const chain = options.chain ?? [];
  if (chain.includes(absPath)) {
    const cycle = [...chain.slice(chain.indexOf(absPath)), absPath].map(options.relativize);
    diagnostics.report('FLOWC402', `extends cycle: ${cycle.join(' -> ')}`, options.span);
    return undefined;
  }
  if (options.guard && !options.guard.allows(absPath, chain.length > 0 ? 'extends target' : 'config file', options.span)) return undefined;
  const tree = loadTree(absPath, {
    sources: options.sources,
    diagnostics,
    span: options.span,
    unreadableCode: 'FLOWC401',
    what: 'config file',
  });
  if (tree === undefined) return undefined;
  let root: LMap;
  if (tree.kind === 'map') root = tree;
  else if (tree.kind === 'scalar' && tree.value === null) root = { kind: 'map', entries: [], span: tree.span };
  else {
    diagnostics.report('FLOWC403', `a config file must hold a map of keys at the top, not ${describe(tree)}`, tree.span);
    return undefined;
  }

  const extendsEntry = root.entries.find((e) => e.key === EXTENDS_KEY);
  let layer: PMap | undefined;
  let failed = false;
  if (extendsEntry) {
    const targets = extendsTargets(extendsEntry.value, diagnostics);
    if (targets === undefined) failed = true;
    for (const t of targets ?? []) {
      const loaded = loadConfigFile(resolve(dirname(absPath), t.path), { ...options, span: t.span, chain: [...chain, absPath] });
      if (loaded === undefined) failed = true;
      else layer = merge(layer, loaded) as PMap;
    }
  }
  if (failed) return undefined;
  // The file's own values depend on its text alone: the units of a build convert it once (the
  // merge below copies it, so no unit changes the shared layer).
  const self = options.sources.derive(ownLayer, root);
  return merge(layer, self) as PMap;
}

/** A config file's own values (without `extends`), each node pointing at where it was written. */
function ownLayer(root: LMap): PMap {
  const extendsEntry = root.entries.find((e) => e.key === EXTENDS_KEY);
  const own: LMap = { ...root, entries: root.entries.filter((e) => e !== extendsEntry) };
  return fromLNode(own, (n) => ({ kind: 'file', span: n.span })) as PMap;
}

/** `extends: base.toml` or `extends: [a.toml, b.yaml]`; anything else is FLOWC414. */
function extendsTargets(node: LNode, diagnostics: DiagnosticBag): { path: string; span: Span }[] | undefined {
  const items = node.kind === 'seq' ? node.items : [node];
  const out: { path: string; span: Span }[] = [];
  let ok = true;
  if (node.kind === 'map') {
    diagnostics.report('FLOWC414', 'extends must be a file path or a list of file paths', node.span);
    return undefined;
  }
  for (const item of items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value.trim() === '') {
      diagnostics.report('FLOWC414', `extends must name files by path (relative to this file), found ${describe(item)}`, item.span);
      ok = false;
      continue;
    }
    out.push({ path: item.value, span: item.span });
  }
  return ok ? out : undefined;
}

function describe(node: LNode): string {
  if (node.kind === 'map') return 'a map';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'null';
  if (typeof node.value === 'string') return node.value.trim() === '' ? 'an empty string' : `the string ${JSON.stringify(node.value)}`;
  return `the ${typeof node.value} ${String(node.value)}`;
}
