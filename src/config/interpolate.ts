import type { Code } from '../diagnostics/codes.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { Origin } from '../source/span.js';
import type { Scalar } from '../source/tree.js';
import { originNotes, originSpan } from './origin.js';
import { INTERPOLATION_LIMITS, OutputBudget, textBytes, type Cost } from './limits.js';
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
 *
 * Bounded (docs/security.md): the text and values interpolation produces in one config count
 * against a budget (FLOWC420), and references nested in references, or whole-value copies that
 * nest the tree too deep, stop at a fixed depth (FLOWC421); either stops the config's
 * interpolation at once. A value read from the environment may not hold NUL (FLOWC423): a process
 * argument or environment string ends at the first NUL.
 */
export function interpolateConfig(root: PMap, options: InterpolateOptions): boolean {
  const run = new Interpolation(root, options);
  try {
    return run.run();
  } catch (e) {
    // The depth limits keep the recursion far from the stack's end; this is the backstop for a
    // tree deeper than any parser should hand over.
    if (!(e instanceof RangeError)) throw e;
    options.diagnostics.report('FLOWC421', `config ${options.name}: interpolation nests too deep to resolve (${e.message})`, originSpan(root.origin), [
      `at most ${INTERPOLATION_LIMITS.referenceDepth} references resolve inside one another, and a config nests at most ${INTERPOLATION_LIMITS.configDepth} levels`,
    ]);
    return false;
  }
}

class Interpolation {
  /** Nodes already final: the result of interpolation, or strings with nothing left to resolve. */
  private readonly done = new WeakSet<PNode>();
  private readonly active = new Set<string>();
  private readonly failed = new Set<string>();
  /** Paths being resolved, outermost first, to show a cycle's chain. */
  private readonly trail: string[] = [];
  private ok = true;
  /** Set once a limit is hit: everything left unresolved stays so, silently. */
  private stopped = false;
  private readonly budget = new OutputBudget({ bytes: INTERPOLATION_LIMITS.configBytes, nodes: INTERPOLATION_LIMITS.configNodes });

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
    if (this.stopped) return undefined;
    const key = formatPath(path);
    if (this.failed.has(key)) return undefined;
    if (this.active.has(key)) {
      this.reportCycle(key, node);
      return undefined;
    }
    if (this.active.size >= INTERPOLATION_LIMITS.referenceDepth) {
      this.stop(
        'FLOWC421',
        `interpolation in config ${this.options.name} nests more than ${INTERPOLATION_LIMITS.referenceDepth} references inside one another (at ${this.where(key)})`,
        node.origin,
        [`the chain starts ${this.trail.slice(0, 3).map((k) => this.where(k)).join(' -> ')} -> ...`],
      );
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
      if (value !== undefined && this.affordCopy(value.node, path, node, key)) result = this.typedCopy(value.node, node, template, sourceOf(only.source, value));
    } else {
      const pieces: string[] = [];
      const sources: InterpolationSource[] = [];
      let good = true;
      for (const part of parsed.parts) {
        if (part.kind === 'text') {
          pieces.push(part.text);
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
        pieces.push(asText(value.node.value));
        sources.push(sourceOf(part.source, value));
      }
      // Charged before the text is built: the pieces are already in memory, their sum may not fit.
      const cost: Cost = { bytes: pieces.reduce((n, p) => n + textBytes(p), 0), nodes: 1 };
      if (good && !this.budget.charge(cost)) {
        this.reportBudget(cost, key, node);
        good = false;
      }
      if (good) result = { ...node, value: pieces.join(''), overrode: [...node.overrode], interpolated: { template, sources } };
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
      if (value !== undefined && value.includes('\0')) {
        this.report('FLOWC423', `environment variable ${ref.name} holds a NUL character, which no process argument or environment value can carry (in ${this.where(ownerKey)})`, owner.origin, [
          'the text would be cut at the NUL when the step starts',
        ]);
        return undefined;
      }
      if (value !== undefined) return { node: { kind: 'scalar', value, origin: { kind: 'env', name: ref.name }, overrode: [] }, origin: { kind: 'env', name: ref.name } };
      if (ref.default !== undefined) {
        return { node: { kind: 'scalar', value: ref.default, origin: owner.origin, overrode: [] }, origin: owner.origin, defaulted: true };
      }
      this.report('FLOWC411', `environment variable ${ref.name} is not set and \${${source}} has no default (in ${this.where(ownerKey)})`, owner.origin, [
        `give a default: \${env:${ref.name},VALUE}`,
      ]);
      return undefined;
    }
    if (ref.segments[0] === 'secrets' && !this.root.entries.has('secrets')) {
      // No config key of that name: the user means the flow's secrets, which no config can hold.
      this.report(
        'FLOWC426',
        `\${${source}}: a config file cannot use a secret (in ${this.where(ownerKey)}); the engine resolves a secret when a task starts, and flowc never sees its value to put in a config`,
        owner.origin,
        ['declare it in the flow\'s secrets: and use it as a whole env value of a step: env: { NAME: "${secrets.NAME}" }'],
      );
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

  /**
   * Whether a whole-value copy of `value` to `path` fits: the tree stays within the depth limit
   * and the copy within the budget. Reports and stops when not.
   */
  private affordCopy(value: PNode, path: Segment[], owner: PNode, key: string): boolean {
    const size = measure(value, INTERPOLATION_LIMITS.configDepth - path.length);
    if (size === undefined) {
      this.stop(
        'FLOWC421',
        `\${...} at ${this.where(key)} copies a value that would nest the config deeper than ${INTERPOLATION_LIMITS.configDepth} levels`,
        owner.origin,
      );
      return false;
    }
    if (!this.budget.charge(size)) {
      this.reportBudget(size, key, owner);
      return false;
    }
    return true;
  }

  private reportBudget(cost: Cost, key: string, node: PNode): void {
    this.stop('FLOWC420', `interpolation in config ${this.options.name} would produce ${this.budget.describeOverrun(cost)} (at ${this.where(key)})`, node.origin, [
      `limits per config: ${INTERPOLATION_LIMITS.configBytes} bytes of text and ${INTERPOLATION_LIMITS.configNodes} values produced by \${...}`,
      'every \${...} copies what it reads: references that repeat references grow exponentially',
    ]);
  }

  private stop(code: Code, message: string, origin: Origin, notes: string[] = []): void {
    this.report(code, message, origin, notes);
    this.stopped = true;
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

/**
 * The bytes (strings and keys) and nodes of a value, or undefined when it nests deeper than
 * `room` levels (a scalar is one level).
 */
function measure(node: PNode, room: number): Cost | undefined {
  if (room < 1) return undefined;
  if (node.kind === 'scalar') return { bytes: typeof node.value === 'string' ? textBytes(node.value) : 0, nodes: 1 };
  const cost: Cost = { bytes: 0, nodes: 1 };
  const add = (c: Cost | undefined): boolean => {
    if (c === undefined) return false;
    cost.bytes += c.bytes;
    cost.nodes += c.nodes;
    return true;
  };
  if (node.kind === 'seq') {
    for (const item of node.items) if (!add(measure(item, room - 1))) return undefined;
  } else {
    for (const [k, v] of node.entries) {
      cost.bytes += textBytes(k);
      if (!add(measure(v, room - 1))) return undefined;
    }
  }
  return cost;
}

function asText(v: Scalar): string {
  return typeof v === 'string' ? v : v === null ? 'null' : String(v);
}

function markDone(node: PNode, done: WeakSet<PNode>): void {
  done.add(node);
  if (node.kind === 'map') for (const c of node.entries.values()) markDone(c, done);
  else if (node.kind === 'seq') for (const c of node.items) markDone(c, done);
}
