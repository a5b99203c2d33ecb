import { isAlias, isMap, isPair, isSeq, type Alias, type Node as YNode } from 'yaml';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceText } from './files.js';
import { ALIAS_NODE_BUDGET, MAX_NESTING } from './limits.js';

export interface AliasPlanOptions {
  src: SourceText;
  diagnostics: DiagnosticBag;
  /** Most nodes all aliases together may add (default ALIAS_NODE_BUDGET). */
  budget?: number;
}

class Stop extends Error {}

/**
 * Resolves every alias of a composed YAML document to its anchored node and proves, before any
 * copy is made, that expanding them is bounded: each alias adds as many nodes as its anchor's
 * value holds once expanded, and the sum over all aliases must stay within the node budget
 * (FLOWC106), so a "billion laughs" document is refused after one linear pass instead of being
 * copied. An alias that stands inside its own anchor (`&a [*a]`) would expand forever (FLOWC105);
 * an alias to an unknown anchor is FLOWC101; a copy that would nest deeper than MAX_NESTING is
 * FLOWC107. Returns the alias targets, or undefined when anything was reported.
 *
 * One pass in document order, keeping the last node seen for each anchor name, is also what the
 * YAML spec asks for (an alias names the closest preceding anchor), and it avoids the yaml
 * package's `Alias.resolve`, which walks the whole document for every alias.
 */
export function planAliases(root: YNode, options: AliasPlanOptions): Map<Alias, YNode> | undefined {
  const planner = new Planner(options);
  try {
    planner.visit(root, 0);
  } catch (e) {
    if (e instanceof Stop) return undefined;
    throw e;
  }
  return planner.failed ? undefined : planner.targets;
}

class Planner {
  readonly targets = new Map<Alias, YNode>();
  failed = false;
  private readonly anchors = new Map<string, YNode>();
  private readonly open = new Set<YNode>();
  /** Nodes each node stands for once its aliases are expanded (itself included). */
  private readonly size = new Map<YNode, number>();
  /** Levels of maps and lists below each node once expanded (0 for a scalar). */
  private readonly height = new Map<YNode, number>();
  private copied = 0;
  private readonly budget: number;

  constructor(private readonly options: AliasPlanOptions) {
    this.budget = options.budget ?? ALIAS_NODE_BUDGET;
  }

  /** Post-order: returns [size, height] of `node` expanded; `level` counts enclosing collections. */
  visit(node: YNode, level: number): [number, number] {
    if (isAlias(node)) return this.alias(node, level);
    if (node.anchor) this.anchors.set(node.anchor, node);
    this.open.add(node);
    let size = 1;
    let height = 0;
    const child = (n: unknown) => {
      if (!n || typeof n !== 'object') return;
      const [s, h] = this.visit(n as YNode, level + 1);
      size += s;
      height = Math.max(height, h + 1);
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        child(pair.key);
        child(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) child(item);
    }
    this.open.delete(node);
    this.size.set(node, size);
    this.height.set(node, height);
    return [size, height];
  }

  private alias(node: Alias, level: number): [number, number] {
    const { src, diagnostics } = this.options;
    const range = node.range ?? [0, 0, 0];
    const span = src.span(range[0], range[1]);
    const target = this.anchors.get(node.source);
    if (!target) {
      this.failed = true;
      diagnostics.report('FLOWC101', `unknown alias *${node.source} (no anchor &${node.source} before it)`, span);
      return [1, 0];
    }
    if (this.open.has(target)) {
      this.failed = true;
      diagnostics.report('FLOWC105', `alias *${node.source} stands inside the value it names, so it would expand forever`, span);
      return [1, 0];
    }
    this.targets.set(node, target);
    const size = this.size.get(target) ?? 1;
    const height = this.height.get(target) ?? 0;
    this.copied += size;
    if (this.copied > this.budget) {
      diagnostics.report(
        'FLOWC106',
        `aliases expand to more than ${this.budget.toLocaleString('en-US')} nodes (the alias node budget); this alias alone copies ${size.toLocaleString('en-US')}`,
        span,
        ['each use of an alias copies its anchored value; write the values out, or reference configs with ${...} instead'],
      );
      throw new Stop();
    }
    // The deepest node of the copy sits `height` levels below the alias, at level `level + height`.
    if (level + height > MAX_NESTING) {
      diagnostics.report('FLOWC107', `alias *${node.source} makes the document nest deeper than ${MAX_NESTING} levels (the nesting limit)`, span);
      throw new Stop();
    }
    return [size, height];
  }
}
