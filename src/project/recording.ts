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
  readonly parses = new WeakMap<SourceText, { parser: Parser<unknown>; value: unknown; diagnostics: Diagnostic[] }>();
}

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
    let memo = this.shared.parses.get(src);
    if (memo === undefined || memo.parser !== parser) {
      const bag = new DiagnosticBag();
      const value = parser(src, bag);
      // Frozen: a compile that changed a shared tree would change the units after it; it throws
      // instead (FLOWC716), which tests catch, rather than compiling a later unit wrong.
      deepFreeze(value);
      memo = { parser: parser as Parser<unknown>, value, diagnostics: bag.items };
      this.shared.parses.set(src, memo);
    }
    for (const d of memo.diagnostics) diagnostics.add(structuredClone(d));
    return memo.value as T;
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

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
