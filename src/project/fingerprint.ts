import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { FLOWC_VERSION } from '../version.js';

let memo: string | undefined;

/**
 * Identifies the compiler itself for the build cache: flowc's version plus a hash of its own
 * module files and schemas. The version alone is not enough: between releases (and in this
 * repository, where targets change daily) the same version number compiles differently, and a
 * cache that outlives a code change serves wrong artifacts. Hashing the ~370 compiled modules
 * (3 MB) costs tens of milliseconds, once per process.
 */
export function compilerFingerprint(): string {
  if (memo !== undefined) return memo;
  const codeRoot = fileURLToPath(new URL('..', import.meta.url));
  const schemas = fileURLToPath(new URL('../../schemas', import.meta.url));
  const hash = createHash('sha256').update(`flowc ${FLOWC_VERSION}\n`);
  for (const [root, keep] of [
    [codeRoot, isCode],
    [schemas, (p: string) => p.endsWith('.json')],
  ] as const) {
    for (const file of listFiles(root).filter(keep)) {
      hash.update(`${relative(root, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  memo = `${FLOWC_VERSION}+${hash.digest('hex').slice(0, 16)}`;
  return memo;
}

/**
 * What runs: ES modules, and the CommonJS files (the ajv bundle and the validators generated from
 * the schemas) whose code decides diagnostics as much as any module. Type declarations (.d.ts,
 * half of dist's files) change nothing that runs.
 */
export function isCode(path: string): boolean {
  return /\.(?:c|m)?js$/.test(path) || (path.endsWith('.ts') && !path.endsWith('.d.ts'));
}

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}
