import { type Diagnostic, DiagnosticBag } from '../diagnostics/diagnostic.js';
import { SourceRegistry, SourceText } from '../source/files.js';
import type { ReadFailure } from '../source/read-input.js';
import { sha256Hex } from '../source/canonical-json.js';
import type { UnitDeps } from './unit.js';

type Parser<T> = (src: SourceText, diagnostics: DiagnosticBag) => T;

/**
 * What the units compiled in one thread during one build share: every unit reads the same flow,
 * base config files and schema, and used to read and parse each of them again. Here each file is
 * read once and parsed once; one build is one snapshot of its inputs (as for the cache's hashes,
 * cache.ts), and the cache keys each unit on the text it was compiled from.
 */
export class SharedSources {
  readonly reads = new Map<string, SourceText | ReadFailure>();
  /** Each text's parses, by parser (a flow is parsed as YAML, then as a flow). */
  readonly parses = new WeakMap<SourceText, Map<Parser<unknown>, Memo>>();
  /**
   * What `SourceRegistry.derive` computed, by function, then by input: a string (its content) or a
   * frozen tree from `parses` (so, in effect, a text's content too). Never a unit's own data.
   */
  readonly derived = new Map<object, { byText: Map<string, Memo>; byTree: WeakMap<object, Memo> }>();
}

/** A value computed once, and the diagnostics its computation reported, replayed to every unit. */
interface Memo {
  value: unknown;
  diagnostics: Diagnostic[];
}

/**
 * Entries kept per derived function for string inputs: a sweep of a million distinct `--set`
 * values must not keep a million parses. Past it, new inputs are computed and not kept.
 */
export const DERIVED_TEXTS_MAX = 10_000;

/**
 * A source registry that remembers every path a compile asked for, found or not. The cache keys
 * a unit on exactly these files (the flow, every config file and everything it `extends:`, schemas),
 * so no list of dependencies has to be kept in step with the cascade by hand. With `shared`, texts
 * and parses come from the build's SharedSources; parse diagnostics are replayed as copies.
 */
export class RecordingSources extends SourceRegistry {
  readonly requested = new Set<string>();
  private readonly seen = new Map<string, SourceText>();

  constructor(private readonly shared?: SharedSources) {
    super();
  }

  override read(absPath: string): SourceText | ReadFailure {
    this.requested.add(absPath);
    if (!this.shared) return super.read(absPath);
    let read = this.shared.reads.get(absPath);
    if (read === undefined) {
      read = super.read(absPath);
      this.shared.reads.set(absPath, read);
    }
    if (read instanceof SourceText) this.seen.set(absPath, read);
    return read;
  }

  override get(absPath: string): SourceText | undefined {
    return this.seen.get(absPath) ?? super.get(absPath);
  }

  override parse<T>(src: SourceText, parser: Parser<T>, diagnostics: DiagnosticBag): T {
    if (!this.shared) return super.parse(src, parser, diagnostics);
    let byParser = this.shared.parses.get(src);
    if (byParser === undefined) {
      byParser = new Map();
      this.shared.parses.set(src, byParser);
    }
    let memo = byParser.get(parser as Parser<unknown>);
    if (memo === undefined) {
      memo = compute(parser, src, true);
      byParser.set(parser as Parser<unknown>, memo);
    }
    return replay(memo, diagnostics) as T;
  }

  private tables(table: object): { byText: Map<string, Memo>; byTree: WeakMap<object, Memo> } {
    const shared = this.shared as SharedSources;
    let tables = shared.derived.get(table);
    if (tables === undefined) {
      tables = { byText: new Map(), byTree: new WeakMap() };
      shared.derived.set(table, tables);
    }
    return tables;
  }

  override derive<K extends string | object, T>(fn: (input: K, diagnostics: DiagnosticBag) => T, input: K, diagnostics?: DiagnosticBag, options?: { frozen?: boolean }): T {
    // A tree that is not frozen may still change: only what the shared parses made is a key.
    if (!this.shared || (typeof input === 'object' && !Object.isFrozen(input))) return super.derive(fn, input, diagnostics);
    const tables = this.tables(fn);
    let memo = typeof input === 'string' ? tables.byText.get(input) : tables.byTree.get(input);
    if (memo === undefined) {
      memo = compute(fn, input, options?.frozen !== false);
      if (typeof input !== 'string') tables.byTree.set(input, memo);
      else if (tables.byText.size < DERIVED_TEXTS_MAX) tables.byText.set(input, memo);
    }
    return (diagnostics ? replay(memo, diagnostics) : memo.value) as T;
  }

  /** Each requested file with the hash of the text the compile saw (null when it could not be read). */
  fileDeps(): UnitDeps['files'] {
    return [...this.requested].sort().map((path) => {
      const text = this.get(path)?.text;
      return { path, sha256: text === undefined ? null : sha256Hex(text) };
    });
  }
}

/**
 * Wraps the compile-time environment so the names a compile looked up (`${env:NAME}`) are known:
 * the cache keys on those variables only, not on the whole environment, which changes per shell.
 */
export function recordingEnv(env: Record<string, string | undefined>): { env: Record<string, string | undefined>; read: Set<string> } {
  const read = new Set<string>();
  const note = (key: string | symbol) => {
    if (typeof key === 'string') read.add(key);
  };
  const proxy = new Proxy(env, {
    get: (t, k) => (note(k), Reflect.get(t, k)),
    has: (t, k) => (note(k), Reflect.has(t, k)),
    getOwnPropertyDescriptor: (t, k) => (note(k), Reflect.getOwnPropertyDescriptor(t, k)),
  });
  return { env: proxy, read };
}

export function envDeps(env: Record<string, string | undefined>, names: Iterable<string>): UnitDeps['env'] {
  return [...new Set(names)].sort().map((name) => ({ name, value: envDepValue(env[name]) }));
}

/**
 * What the cache keeps of an env variable: a hash, never the value, which may be a credential
 * (`${env:GITHUB_TOKEN}`, docs/security.md "Secrets and taint"); null when it is not set.
 */
export function envDepValue(value: string | undefined): string | null {
  return value === undefined ? null : `sha256:${sha256Hex(`flowc-env-v1\u0000${value}`)}`;
}

function compute<K>(fn: (input: K, diagnostics: DiagnosticBag) => unknown, input: K, frozen: boolean): Memo {
  const bag = new DiagnosticBag();
  const value = fn(input, bag);
  // Frozen: a compile that changed a shared value would change the units after it; it throws
  // instead (FLOWC716), which tests catch, rather than compiling a later unit wrong.
  if (frozen) deepFreeze(value);
  return { value, diagnostics: bag.items };
}

/** The memo's diagnostics, as copies: a unit's diagnostics are its own (relocated, annotated). */
function replay(memo: Memo, diagnostics: DiagnosticBag): unknown {
  for (const d of memo.diagnostics) diagnostics.add(structuredClone(d));
  return memo.value;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
