import { escapeRawUnsafe, scalarNeedsDoubleQuotes } from './yaml-text.js';
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
 * object where yaml would write an alias, a key over 1,024 characters) `writeYaml` returns
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
  /**
   * yaml's `aliasDuplicateObjects`: when on, yaml writes an object met twice as an anchor and
   * alias; the writer does not, so it gives up on such a document.
   */
  aliasDuplicateObjects: boolean;
  /** True for a collection the target writes in flow style; `key` is the key it is the value of. */
  flow?: (value: object, key: string | undefined) => boolean;
  /** The quoting a target asks for a string value or list item (not keys); `key` as above. */
  valueType?: (value: string, key: string | undefined) => QuoteType | undefined;
}

type Plain = Record<string, unknown>;

const isPlainObject = (v: object): v is Plain => {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as Plain).toJSON !== 'function';
};

/** The defined entries of a plain object: yaml leaves out keys whose value is undefined. */
function entries(obj: Plain): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== undefined) out.push([k, v]);
  }
  return out;
}

/**
 * `enabled` off makes `writeYaml` decline every document, so targets take the `yaml` path (the
 * differential tests compare the two that way); `fallbacks` counts documents declined on content.
 */
export const yamlWriter = { enabled: true, fallbacks: 0 };

class Writer {
  private readonly seen = new Set<object>();
  private readonly pad: string;

  constructor(private readonly rules: YamlWriteRules) {
    this.pad = rules.flowPadding ? ' ' : '';
  }

  /** The node for `value` at `indent` (the indent of its own lines), as yaml's `stringify`. */
  node(value: unknown, key: string | undefined, indent: string, inFlow: boolean, implicitKey: boolean): string {
    if (value === null) return this.rules.nullStr;
    switch (typeof value) {
      case 'string':
        return this.string(value, implicitKey ? undefined : this.rules.valueType?.(value, key), { indent, implicitKey, inFlow });
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        // yaml writes a finite number as JSON does (its int and float tags agree there); -0 and
        // the infinities differ per version and tag, so are left to it.
        if (!Number.isFinite(value) || Object.is(value, -0)) throw new FallBack('-0, NaN or an infinity');
        return String(value);
      case 'object':
        return this.collection(value, indent, inFlow || this.isFlow(value, key));
      default:
        throw new FallBack(`a ${typeof value}`);
    }
  }

  private string(value: string, type: QuoteType | undefined, ctx: ScalarContext): string {
    // quoteUnsafeScalars (yaml-text.ts) marks keys and values alike.
    return stringScalar(value, scalarNeedsDoubleQuotes(value) ? 'QUOTE_DOUBLE' : type, ctx, this.rules.version);
  }

  /** True when the collection `value` (the value of `key`) is written in flow style. */
  private isFlow(value: object, key: string | undefined): boolean {
    return this.rules.flow?.(value, key) === true;
  }

  private collection(value: object, indent: string, flow: boolean): string {
    if (this.rules.aliasDuplicateObjects) {
      if (this.seen.has(value)) throw new FallBack('an object met twice (yaml writes an alias)');
      this.seen.add(value);
    }
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw new FallBack('an array subclass');
      return flow ? this.flowSeq(value, indent) : this.blockSeq(value, indent);
    }
    if (!isPlainObject(value)) throw new FallBack('an object that is not plain');
    return flow ? this.flowMap(entries(value), indent) : this.blockMap(entries(value), indent);
  }

  private blockSeq(items: unknown[], indent: string): string {
    if (items.length === 0) return '[]';
    const itemIndent = `${indent}  `;
    let out = '';
    for (const item of items) {
      if (item === undefined) throw new FallBack('an undefined list item');
      if (out) out += `\n${indent}`;
      out += `- ${this.node(item, undefined, itemIndent, false, false)}`;
    }
    return out;
  }

  private blockMap(pairs: [string, unknown][], indent: string): string {
    if (pairs.length === 0) return '{}';
    let out = '';
    for (const [k, v] of pairs) {
      if (out) out += `\n${indent}`;
      out += this.blockPair(k, v, indent);
    }
    return out;
  }

  /** yaml's stringifyPair in a block map whose items sit at `indent`. */
  private blockPair(key: string, value: unknown, indent: string): string {
    const inner = indent + '  ';
    const k = this.string(key, undefined, { indent: inner, implicitKey: true, inFlow: false });
    if (k.length > 1024) throw new FallBack('a key yaml writes as an explicit key');
    if (value !== null && typeof value === 'object') {
      const flow = this.isFlow(value, key);
      const v = this.collection(value, inner, flow);
      // yaml: a collection goes on the next line unless it is flow style (or empty) and one line.
      return v.includes('\n') || !(flow || v === '[]' || v === '{}') ? `${k}:\n${inner}${v}` : `${k}: ${v}`;
    }
    const v = this.node(value, key, inner, false, false);
    return v === '' || v[0] === '\n' ? `${k}:${v}` : `${k}: ${v}`;
  }

  private flowSeq(items: unknown[], indent: string): string {
    if (items.length === 0) return '[]';
    const itemIndent = `${indent}    `;
    const lines: string[] = [];
    for (const item of items) {
      if (item === undefined) throw new FallBack('an undefined list item');
      lines.push(this.node(item, undefined, itemIndent, true, false));
    }
    return this.flowLines(lines, indent, '[', ']');
  }

  private flowMap(pairs: [string, unknown][], indent: string): string {
    if (pairs.length === 0) return '{}';
    const itemIndent = `${indent}  `;
    const inner = `${itemIndent}  `;
    const lines: string[] = [];
    for (const [key, value] of pairs) {
      const k = this.string(key, undefined, { indent: inner, implicitKey: true, inFlow: true });
      const v = this.node(value, key, inner, true, false);
      let ws = ' ';
      if (value !== null && typeof value === 'object') {
        if (v.includes('\n')) ws = `\n${inner}`;
      } else if (v === '' || v[0] === '\n') ws = '';
      lines.push(`${k}:${ws}${v}`);
    }
    return this.flowLines(lines, indent, '{', '}');
  }

  /** yaml's stringifyFlowCollection: one line unless an item spans lines. */
  private flowLines(lines: string[], indent: string, start: string, end: string): string {
    const multiLine = lines.some((l) => l.includes('\n'));
    for (let i = 0; i < lines.length - 1; i++) lines[i] += ',';
    if (!multiLine) return `${start}${this.pad}${lines.join(' ')}${this.pad}${end}`;
    let out = start;
    for (const line of lines) out += line ? `\n  ${indent}${line}` : '\n';
    return `${out}\n${indent}${end}`;
  }
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
  try {
    if (value === null || typeof value !== 'object') throw new FallBack('a scalar document');
    body = new Writer(rules).node(value, undefined, '', false, false);
  } catch (e) {
    if (!(e instanceof FallBack)) throw e;
    yamlWriter.fallbacks++;
    return undefined;
  }
  const head = commentBefore ? `${/^\n+$/.test(commentBefore) ? commentBefore.substring(1) : commentLines(commentBefore)}\n\n` : '';
  return escapeRawUnsafe(`${head}${body}\n`);
}
