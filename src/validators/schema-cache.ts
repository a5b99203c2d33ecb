import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, constants as fsConstants, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { ValidateFunction } from 'ajv';

/**
 * A per-user cache of compiled user config schemas (issue 19): compiling a config schema with ajv,
 * and loading ajv to do it, was a quarter of a cold `flowc compile`. The first compile of a schema
 * stores ajv's standalone code for it; later processes load that code and never load ajv.
 *
 * An entry is JavaScript that flowc runs, so it is taken only from a folder and a file that belong
 * to the user running flowc and that no one else can write (docs/decisions.md). Its name is a
 * SHA-256 of everything the code depends on (the schema's exact text, ajv's options and version,
 * GENERATION), so an entry is never used for another schema; its first line carries a SHA-256 of
 * the rest, so a damaged entry is a miss. Off unless the CLI turns it on (setSchemaCacheDir): the
 * library and the in-process tests never touch the user's files.
 */

/** Bump when the code flowc adds around ajv's (the secret keyword, the module wrapper) changes. */
const GENERATION = 1;

/** Larger entries are not read (a miss): the biggest real schemas give a few hundred KB. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

/** What a cached validator gets from the process that loads it (see src/config/schema.ts). */
export interface CachedValidatorImports {
  /** The `secret: true` keyword's collector call. */
  secret: (instancePath: string) => void;
  /** Rebuilds a schema object as the compile saw it (const and enum values without a prototype). */
  bare: (schema: unknown) => unknown;
}

type Factory = (imports: CachedValidatorImports, require: NodeJS.Require) => ValidateFunction;

let cacheDir: string | undefined;

/** What this process did with the cache, for tests: entries taken and entries written. */
export const schemaCacheStats = { hits: 0, stores: 0 };
const requireCjs = createRequire(import.meta.url);

/** Turns the cache on in this folder, or off (undefined). The CLI's process entry does this. */
export function setSchemaCacheDir(dir: string | undefined): void {
  cacheDir = dir;
}

export function schemaCacheDir(): string | undefined {
  return cacheDir;
}

/**
 * The default folder: `$FLOWC_SCHEMA_CACHE_DIR`, else `$XDG_CACHE_HOME/flowc/schemas`, else
 * `~/.cache/flowc/schemas`; none with `FLOWC_SCHEMA_CACHE=off`, without a home, or where the
 * owner of a file cannot be checked (no getuid: Windows).
 */
export function defaultSchemaCacheDir(env: Record<string, string | undefined>): string | undefined {
  if (env.FLOWC_SCHEMA_CACHE === 'off' || typeof process.getuid !== 'function') return undefined;
  if (env.FLOWC_SCHEMA_CACHE_DIR) return env.FLOWC_SCHEMA_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base === undefined ? undefined : join(base, 'flowc', 'schemas');
}

/** The entry name of a schema compiled with these options (`schema` as JSON text). */
export function schemaCacheKey(dialect: string, options: object, schemaText: string): string {
  const versions = ['ajv', 'ajv-formats'].map((p) => (requireCjs(`${p}/package.json`) as { version: string }).version);
  const text = `${GENERATION}\0${versions.join('\0')}\0${dialect}\0${JSON.stringify(options)}\0${schemaText}`;
  return createHash('sha256').update(text).digest('hex');
}

/** Only what this user owns and no one else may change. */
function trusted(stat: { uid: number; mode: number }): boolean {
  return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

function entryPath(key: string): string | undefined {
  return cacheDir === undefined ? undefined : join(cacheDir, `${key}.cjs`);
}

const sealOf = (body: string): string => `// flowc schema validator sha256:${createHash('sha256').update(body).digest('hex')}\n`;

/** The cached validator of `key`, or undefined (a miss) when there is none that can be trusted. */
export function loadCachedValidator(key: string, imports: CachedValidatorImports): ValidateFunction | undefined {
  const path = entryPath(key);
  if (path === undefined || cacheDir === undefined) return undefined;
  let text: string;
  try {
    const dir = lstatSync(cacheDir);
    if (!dir.isDirectory() || !trusted(dir)) return undefined;
    // O_NOFOLLOW and fstat: the file read is the file checked, never a link planted in its place.
    const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || !trusted(stat) || stat.size > MAX_ENTRY_BYTES) return undefined;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  const body = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline + 1) !== sealOf(body)) return undefined;
  const factory = runInThisContext(body, { filename: path }) as Factory;
  schemaCacheStats.hits++;
  return factory(imports, requireCjs);
}

/**
 * Stores ajv's standalone code of a compiled schema (a CommonJS module body; see
 * cachedModuleBody). Best effort: a folder that cannot be made or written just means no cache.
 */
export function storeCachedValidator(key: string, standaloneCode: string): void {
  const path = entryPath(key);
  if (path === undefined || cacheDir === undefined) return;
  const body = cachedModuleBody(standaloneCode);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const dir = lstatSync(cacheDir);
    if (!dir.isDirectory() || !trusted(dir)) return;
    const fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, sealOf(body) + body);
    } finally {
      closeSync(fd);
    }
    // Atomic: a process reading at the same time sees the whole entry or none.
    renameSync(tmp, path);
    schemaCacheStats.stores++;
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** The factory the entry evaluates to: ajv's code gets the imports and a `require` for ajv's runtime helpers. */
export function cachedModuleBody(standaloneCode: string): string {
  return `(function (imports, require) {\nconst module = { exports: {} };\n${standaloneCode}\nreturn module.exports;\n})\n`;
}
