import type { Code } from '../diagnostics/codes.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { Origin } from '../source/span.js';
import type { Scalar } from '../source/tree.js';
import { originNotes, originSpan } from './origin.js';
import { formatPath, type Segment } from './path.js';
import { clonePNode, type PMap, type PNode, type PSeq } from './ptree.js';
import { mayBeTemplate, parseTemplate, type Ref } from './template.js';
import type { InterpolationSource } from './types.js';

/** Roots that mean something in a flow but not in a config file, for a helpful note. */
const RUN_TIME_ROOTS = new Set(['params', 'item', 'run', 'steps', 'step', 'flow']);

export interface InterpolateOptions {
  /** The config's name, for messages. */
  name: string;
  env: Record<string, string | undefined>;
  diagnostics: DiagnosticBag;
}

/**
 * Resolves every `${...}` in one merged config, in place (SPEC §3 "Config files may interpolate
 * within their own config"). A string that is exactly one `${...}` takes the referenced value with
 * its type (number, list, map); inside a longer string the value must be a scalar (FLOWC415) and is
 * written as text (numbers as JSON writes them, `true`, `null`). References may point at values
 * that are themselves interpolated; a loop is FLOWC410 with the chain. Unknown keys are FLOWC409
 * with a did-you-mean, unset variables without a default FLOWC411, bad syntax FLOWC418.
 *
 * A produced value keeps the origin of the string that held the `${...}` (that is where the user
 * changes it) and records what it read in `interpolated`. Returns false when it reported.
 */
export function interpolateConfig(root: PMap, options: InterpolateOptions): boolean {
  const run = new Interpolation(root, options);
  return run.run();
}

class Interpolation {
  /** Nodes already final: the result of interpolation, or strings with nothing left to resolve. */
  private readonly done = new WeakSet<PNode>();
  private readonly active = new Set<string>();
  private readonly failed = new Set<string>();
  /** Paths being resolved, outermost first, to show a cycle's chain. */
  private readonly trail: string[] = [];
  private ok = true;

  constructor(
    private readonly root: PMap,
    private readonly options: InterpolateOptions,
  ) {}

  run(): boolean {
    this.resolveDeep([], this.root);
    return this.ok;
  }

  /** Resolves every string under `node` (a container already in the tree). */
  private resolveDeep(path: Segment[], node: PNode): boolean {
    let good = true;
    if (node.kind === 'map') {
      for (const key of [...node.entries.keys()]) if (!this.resolveChild(node, key, [...path, key], true)) good = false;
    } else if (node.kind === 'seq') {
      for (let i = 0; i < node.items.length; i++) if (!this.resolveChild(node, i, [...path, i], true)) good = false;
    }
    return good;
  }

  /** Resolves the node at `parent[seg]` (deeply when asked), stores the result, returns it. */
  private resolveChild(parent: PMap | PSeq, seg: Segment, path: Segment[], deep: boolean): PNode | undefined {
    const node = parent.kind === 'map' ? parent.entries.get(seg as string) : parent.items[seg as number];
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar') {
      if (!deep) return node;
      const key = formatPath(path);
      this.trail.push(key);
      const good = this.resolveDeep(path, node);
      this.trail.pop();
      return good ? node : undefined;
    }
    const resolved = this.resolveString(path, node);
    if (resolved !== undefined && resolved !== node) {
      if (parent.kind === 'map') parent.entries.set(seg as string, resolved);
      else parent.items[seg as number] = resolved;
    }
    return resolved;
  }

  private resolveString(path: Segment[], node: PNode & { kind: 'scalar' }): PNode | undefined {
    if (this.done.has(node) || typeof node.value !== 'string' || !mayBeTemplate(node.value)) return node;
    const key = formatPath(path);
    if (this.failed.has(key)) return undefined;
    if (this.active.has(key)) {
      this.reportCycle(key, node);
      return undefined;
    }
    const template = node.value;
    const parsed = parseTemplate(template);
    if (!parsed.ok) {
      this.report('FLOWC418', `${parsed.error} (in ${this.where(key)})`, node.origin);
      this.failed.add(key);
      return undefined;
    }
    if (!parsed.hasRefs) {
      // Only `$${` escapes: the literal text, final from now on.
      const text = parsed.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
      const out: PNode = { ...node, value: text };
      this.done.add(out);
      return out;
    }

    this.active.add(key);
    this.trail.push(key);
    let result: PNode | undefined;
    const only = parsed.parts.length === 1 ? parsed.parts[0] : undefined;
    if (only !== undefined && only.kind === 'ref') {
      const value = this.evaluate(only.ref, only.source, node, key);
      if (value !== undefined) result = this.typedCopy(value.node, node, template, sourceOf(only.source, value));
    } else {
      let text = '';
      const sources: InterpolationSource[] = [];
      let good = true;
      for (const part of parsed.parts) {
        if (part.kind === 'text') {
          text += part.text;
          continue;
        }
        const value = this.evaluate(part.ref, part.source, node, key);
        if (value === undefined) {
          good = false;
          continue;
        }
        if (value.node.kind !== 'scalar') {
          this.report(
            'FLOWC415',
            `\${${part.source}} is a ${value.node.kind === 'map' ? 'map' : 'list'}; only a scalar can be written inside a longer string (in ${this.where(key)})`,
            node.origin,
            ['a string that is exactly one ${...} takes the value whole, with its type'],
          );
          good = false;
          continue;
        }
        text += asText(value.node.value);
        sources.push(sourceOf(part.source, value));
      }
      if (good) result = { ...node, value: text, overrode: [...node.overrode], interpolated: { template, sources } };
    }
    this.trail.pop();
    this.active.delete(key);
    if (result === undefined) {
      this.failed.add(key);
      return undefined;
    }
    markDone(result, this.done);
    return result;
  }

  /** The value a reference reads, resolved all the way down, and where it came from. */
  private evaluate(ref: Ref, source: string, owner: PNode, ownerKey: string): { node: PNode; origin: Origin; defaulted?: boolean } | undefined {
    if (ref.kind === 'env') {
      const value = this.options.env[ref.name];
      if (value !== undefined) return { node: { kind: 'scalar', value, origin: { kind: 'env', name: ref.name }, overrode: [] }, origin: { kind: 'env', name: ref.name } };
      if (ref.default !== undefined) {
        return { node: { kind: 'scalar', value: ref.default, origin: owner.origin, overrode: [] }, origin: owner.origin, defaulted: true };
      }
      this.report('FLOWC411', `environment variable ${ref.name} is not set and \${${source}} has no default (in ${this.where(ownerKey)})`, owner.origin, [
        `give a default: \${env:${ref.name},VALUE}`,
      ]);
      return undefined;
    }
    let node: PNode = this.root;
    const walked: Segment[] = [];
    for (const seg of ref.segments) {
      const container = node;
      const next = container.kind === 'map' && typeof seg === 'string' ? container.entries.get(seg) : container.kind === 'seq' && typeof seg === 'number' ? container.items[seg] : undefined;
      if (next === undefined || container.kind === 'scalar') {
        this.report('FLOWC409', `\${${source}}: ${this.missing(container, seg, walked)} (in ${this.where(ownerKey)})`, owner.origin, this.missingNotes(container, seg, walked));
        return undefined;
      }
      walked.push(seg);
      const resolved = this.resolveChild(container as PMap | PSeq, seg, [...walked], false);
      if (resolved === undefined) return undefined;
      node = resolved;
    }
    if (node.kind !== 'scalar') {
      this.trail.push(formatPath(walked));
      const good = this.resolveDeep(walked, node);
      this.trail.pop();
      if (!good) return undefined;
    }
    return { node, origin: node.origin };
  }

  /** The referenced value, standing where the `${...}` string stood. */
  private typedCopy(value: PNode, owner: PNode, template: string, source: InterpolationSource): PNode {
    const copy = clonePNode(value);
    const restamp = (n: PNode): void => {
      const readFrom = n.origin;
      n.origin = owner.origin;
      n.overrode = [...owner.overrode];
      delete n.replaces;
      n.interpolated = { template, sources: [n === copy ? source : { ref: source.ref, origin: readFrom }] };
      if (n.kind === 'map') for (const c of n.entries.values()) restamp(c);
      else if (n.kind === 'seq') for (const c of n.items) restamp(c);
    };
    restamp(copy);
    return copy;
  }

  private reportCycle(key: string, node: PNode): void {
    const start = this.trail.indexOf(key);
    const chain = [...this.trail.slice(start < 0 ? 0 : start), key];
    this.report('FLOWC410', `interpolation cycle in config ${this.options.name}: ${chain.join(' -> ')}`, node.origin);
    for (const k of chain) this.failed.add(k);
  }

  private missing(container: PNode, seg: Segment, walked: Segment[]): string {
    const at = walked.length === 0 ? `config ${this.options.name}` : formatPath(walked);
    if (container.kind === 'scalar') return `${at} is a ${container.value === null ? 'null' : typeof container.value}, not a map or list`;
    if (container.kind === 'seq') {
      return typeof seg === 'number' ? `${at} has ${container.items.length} item(s); there is no index ${seg}` : `${at} is a list; index it as [n]`;
    }
    return typeof seg === 'number' ? `${at} is a map, not a list` : `${at} has no key ${JSON.stringify(seg)}`;
  }

  private missingNotes(container: PNode, seg: Segment, walked: Segment[]): string[] {
    if (container.kind !== 'map' || typeof seg !== 'string') return [];
    const notes = suggestionNotes(seg, container.entries.keys());
    if (walked.length === 0 && seg === this.options.name) notes.push(`paths inside a config start at its top: write \${KEY}, not \${${this.options.name}.KEY}`);
    if (walked.length === 0 && RUN_TIME_ROOTS.has(seg)) {
      notes.push(`config files resolve at compile time; \${${seg}...} is a run-time value, usable in the flow's commands and env only`);
    }
    return notes;
  }

  private where(key: string): string {
    return `${this.options.name}.${key}`;
  }

  private report(code: Code, message: string, origin: Origin, notes: string[] = []): void {
    this.ok = false;
    this.options.diagnostics.report(code, message, originSpan(origin), [...originNotes(origin), ...notes]);
  }
}

function sourceOf(source: string, value: { origin: Origin; defaulted?: boolean }): InterpolationSource {
  const s: InterpolationSource = { ref: source.trim(), origin: value.origin };
  if (value.defaulted) s.defaulted = true;
  return s;
}

function asText(v: Scalar): string {
  return typeof v === 'string' ? v : v === null ? 'null' : String(v);
}

function markDone(node: PNode, done: WeakSet<PNode>): void {
  done.add(node);
  if (node.kind === 'map') for (const c of node.entries.values()) markDone(c, done);
  else if (node.kind === 'seq') for (const c of node.items) markDone(c, done);
}
