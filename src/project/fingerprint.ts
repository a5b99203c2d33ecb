import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { FLOWC_VERSION } from '../version.js';

let memo: string | undefined;

/**
 * Identifies the compiler itself for the build cache: flowc's version plus a hash of the code that
 * runs and the files it reads as part of itself (schemas, built-in templates). The version alone
 * is not enough: between releases (and in this repository, where targets change daily) the same
 * version number compiles differently, and a cache that outlives a code change serves wrong
 * artifacts. Once per process.
 */
export function compilerFingerprint(): string {
  memo ??= fingerprintOf(fingerprintFiles(import.meta.url));
  return memo;
}

/** A folder and the files under it that the fingerprint hashes (each named relative to it), under a name of its own. */
export interface FingerprintPart {
  name: string;
  root: string;
  files: string[];
}

/**
 * What runs when this module is at `moduleUrl`. From the CLI bundle (dist/bundle/*.cjs, which
 * bin/flowc.js loads when it is current; scripts/bundle-cli.mjs), the code that runs is the
 * bundle's chunks, not the ~370 modules of dist it was made from: its few files (the build pool's
 * worker entry and the ajv bundle among them), the generated validators it loads
 * (dist/validators/), and the bin's loader. From the modules themselves (FLOWC_BUNDLE=0, a stale
 * bundle, src/ under the tests), every module file of that tree. In both cases the schemas and
 * the built-in templates (targets/), which are read as part of the compiler.
 * test/project/fingerprint.test.ts checks the bundle case against every file a bundled build reads.
 */
export function fingerprintFiles(moduleUrl: string): FingerprintPart[] {
  const here = dirname(fileURLToPath(moduleUrl));
  const bundled = basename(here) === 'bundle' && moduleUrl.endsWith('.cjs');
  const root = join(here, '..', '..');
  const data: FingerprintPart[] = [
    { name: 'schemas', root: join(root, 'schemas'), files: listFiles(join(root, 'schemas')).filter((p) => p.endsWith('.json')) },
    { name: 'targets', root: join(root, 'targets'), files: listFiles(join(root, 'targets')) },
  ];
  if (!bundled) return [{ name: 'modules', root: join(here, '..'), files: listFiles(join(here, '..')).filter(isCode) }, ...data];
  const validators = join(root, 'dist', 'validators');
  const dist = join(root, 'dist');
  return [
    // Not the code-cache folders: bytecode is taken only when made from the very text hashed here (bin/load-bundle.cjs).
    { name: 'bundle', root: here, files: listFiles(here, false).filter(isCode) },
    { name: 'threads', root: dist, files: moduleClosure(UNBUNDLED_THREADS.map((rel) => join(dist, rel))) },
    { name: 'validators', root: validators, files: [...listFiles(validators, false).filter((p) => p.endsWith('.cjs')), ...listFiles(join(validators, 'generated')).filter(isCode)] },
    { name: 'bin', root: join(root, 'bin'), files: listFiles(join(root, 'bin'), false).filter(isCode) },
    ...data,
  ];
}

/**
 * Thread scripts the bundled CLI starts from dist/ as ES modules, outside the bundle: the write's
 * staging thread (src/cli/stage-helper.ts, stageWorkerEntry). Hashed with the modules they import.
 * test/project/fingerprint.test.ts fails when the bundle runs any other file of dist.
 */
const UNBUNDLED_THREADS = ['cli/stage-worker.js'];

/** `entries` and every module they import by a relative path, transitively, sorted; a file that cannot be read is left out. */
function moduleClosure(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    seen.add(file);
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) visit(join(dirname(file), m[1] as string));
  };
  for (const e of entries) visit(e);
  return [...seen].sort();
}

/** The hash of `parts`: each part's name, then each file's path relative to the part's root and its bytes. */
export function fingerprintOf(parts: FingerprintPart[]): string {
  const hash = createHash('sha256').update(`flowc ${FLOWC_VERSION}\n`);
  for (const { name, root, files } of parts) {
    hash.update(`[${name}]\n`);
    for (const file of files) {
      hash.update(`${relative(root, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  return `${FLOWC_VERSION}+${hash.digest('hex').slice(0, 16)}`;
}

/**
 * What runs: ES modules, and the CommonJS files (the ajv bundle and the validators generated from
 * the schemas) whose code decides diagnostics as much as any module. Type declarations (.d.ts,
 * half of dist's files) change nothing that runs.
 */
export function isCode(path: string): boolean {
  return /\.(?:c|m)?js$/.test(path) || (path.endsWith('.ts') && !path.endsWith('.d.ts'));
}

/** The files under `dir` (in its subfolders too when `deep`), sorted by name; none when it cannot be listed. */
function listFiles(dir: string, deep = true): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (deep) out.push(...listFiles(p));
    } else out.push(p);
  }
  return out;
}
