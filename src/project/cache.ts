import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson, sha256Hex } from '../source/canonical-json.js';
import type { Json } from '../source/tree.js';
import type { CompileUnit, UnitDeps, UnitOutput } from './unit.js';

/** Bump when the layout of cache entries changes; old entries are then simply never found. */
const CACHE_FORMAT = 1;

/**
 * The content-addressed build cache (docs/project.md, "Cache"). Two levels, as ccache's direct
 * mode does it:
 * - `deps/<request key>.json`: for a unit's request (flow path, binding files, overrides, targets,
 *   name, compiler fingerprint), the files and env variables its last compile read;
 * - `out/<content key>.json`: the compiled files, keyed by the request key plus the SHA-256 of every
 *   one of those files and the value of every one of those variables.
 * A lookup re-hashes the recorded files, so editing any config file (or a file it `extends:`)
 * misses, and changing it back hits again. Failed compiles are never stored.
 */
export class BuildCache {
  constructor(
    readonly dir: string,
    private readonly fingerprint: string,
  ) {}

  /** The cached output of a unit, or undefined on a miss (or an unreadable entry). */
  lookup(unit: CompileUnit, env: Record<string, string | undefined>): UnitOutput | undefined {
    const requestKey = this.requestKey(unit);
    const deps = readJson(join(this.dir, 'deps', `${requestKey}.json`)) as UnitDeps | undefined;
    if (!deps || !Array.isArray(deps.files) || !Array.isArray(deps.env)) return undefined;
    const current: UnitDeps = {
      files: deps.files.map((f) => ({ path: f.path, sha256: hashFile(f.path) })),
      env: deps.env.map((e) => ({ name: e.name, value: env[e.name] ?? null })),
    };
    const entry = readJson(this.outPath(requestKey, current)) as { files: UnitOutput['files']; configHash: string; diagnostics: UnitOutput['diagnostics'] } | undefined;
    if (!entry || !Array.isArray(entry.files)) return undefined;
    return { name: unit.name, ok: true, diagnostics: entry.diagnostics ?? [], files: entry.files, configHash: entry.configHash, deps: current, fromCache: true };
  }

  /** Stores a successful compile. Entries are written whole (temp file + rename), so a concurrent build never reads half of one. */
  store(unit: CompileUnit, output: UnitOutput): void {
    if (!output.ok || !output.deps || output.configHash === undefined) return;
    const requestKey = this.requestKey(unit);
    this.ensureDir();
    writeWhole(join(this.dir, 'deps', `${requestKey}.json`), JSON.stringify(output.deps));
    writeWhole(this.outPath(requestKey, output.deps), JSON.stringify({ files: output.files, configHash: output.configHash, diagnostics: output.diagnostics }));
  }

  private requestKey(unit: CompileUnit): string {
    const request: Json = {
      format: CACHE_FORMAT,
      compiler: this.fingerprint,
      name: unit.name,
      flowPath: unit.flowPath,
      bindingFiles: unit.bindingFiles.map((b) => ({ name: b.name, file: b.file })),
      configs: unit.configs,
      sets: unit.sets,
      // Spans reach lockfile provenance, so where a `set:` stands is part of the request.
      setSpans: (unit.setSpans ?? []).map((s) => (s ? { file: s.file, line: s.line, col: s.col } : null)),
      targets: unit.targets,
      cwd: unit.cwd,
    };
    return sha256Hex(canonicalJson(request));
  }

  private outPath(requestKey: string, deps: UnitDeps): string {
    const key = sha256Hex(canonicalJson({ requestKey, files: deps.files, env: deps.env } as unknown as Json));
    return join(this.dir, 'out', key.slice(0, 2), `${key}.json`);
  }

  // The cache folder ignores itself in git (as .pytest_cache and .ruff_cache do), so living next
  // to flowc.yaml never dirties a working tree.
  private ensureDir(): void {
    const ignore = join(this.dir, '.gitignore');
    if (existsSync(ignore)) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(ignore, '# created by flowc: the build cache is safe to delete\n*\n');
  }
}

function hashFile(path: string): string | null {
  try {
    return sha256Hex(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch {
    return null;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeWhole(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
