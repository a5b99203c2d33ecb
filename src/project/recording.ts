import { SourceRegistry, type SourceText } from '../source/files.js';
import { sha256Hex } from '../source/canonical-json.js';
import type { UnitDeps } from './unit.js';

/**
 * A source registry that remembers every path a compile asked for, found or not. The cache keys
 * a unit on exactly these files (the flow, every config file and everything it `extends:`, schemas),
 * so no list of dependencies has to be kept in step with the cascade by hand.
 */
export class RecordingSources extends SourceRegistry {
  readonly requested = new Set<string>();

  override read(absPath: string): SourceText | { error: string } {
    this.requested.add(absPath);
    return super.read(absPath);
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
