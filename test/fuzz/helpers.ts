import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * The work of a fuzz test is bounded by its run count; this timeout only keeps a loaded machine
 * (2 cores shared by many test files) from failing a run that is merely slow. FUZZ_RUNS scales it.
 */
export const FUZZ_TIMEOUT = 600_000;

/**
 * Run counts: small in `npm test` (bounded work, not time); `FUZZ_RUNS=N` replaces the default of
 * every property in the fuzz folder.
 */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/**
 * fast-check options shared by the fuzz properties. `npm test` uses a fixed seed, so it checks the
 * same inputs on every machine and a red run always reproduces; a longer run (`FUZZ_RUNS` set)
 * explores with a fresh seed, which fast-check prints on failure; `FUZZ_SEED=S` replays one.
 */
export function fuzzParams(defaultRuns: number): { numRuns: number; seed?: number; endOnFailure: boolean } {
  const given = Number(process.env.FUZZ_SEED);
  const seed = process.env.FUZZ_SEED && Number.isInteger(given) ? given : process.env.FUZZ_RUNS ? undefined : 20261206;
  return { numRuns: fuzzRuns(defaultRuns), ...(seed !== undefined ? { seed } : {}), endOnFailure: true };
}

/** A temp folder removed after the test file. */
export function tempRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Writes files (relative path -> text or bytes) under `dir`. */
export function writeTree(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, contents] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
  }
}

/**
 * Saves a failing generated case as a folder a person can replay by hand: the files, and
 * `case.json` with the command line. Kept outside the repo (FUZZ_FAILURES, default the OS temp
 * folder); a confirmed bug's minimal form is then added under fixtures/fuzz-regressions/.
 */
export function keepFailure(kind: string, c: { files: Record<string, string | Uint8Array>; flowPath: string; configs: { name: string; file: string }[]; sets: string[]; env: Record<string, string> }): string {
  const base = process.env.FUZZ_FAILURES ?? join(tmpdir(), 'flowc-fuzz-failures');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${kind}-`));
  writeTree(dir, c.files);
  const args = ['compile', c.flowPath, '--target', 'all', '--out', 'out', ...c.configs.flatMap((x) => ['--config', `${x.name}=${x.file}`]), ...c.sets.flatMap((s) => ['--set', s])];
  writeFileSync(join(dir, 'case.json'), `${JSON.stringify({ args, env: c.env }, null, 2)}\n`);
  return dir;
}

const explored = new Map<string, { count: number; where: string; args: string[]; first: string }>();

/**
 * `FUZZ_EXPLORE=1`: instead of stopping at the first failure, keep one reproducer per kind of
 * failure (its first problem with paths, numbers and quoted text blurred) and print the list at
 * exit. Returns true when the failure was recorded (the property then carries on).
 */
export function explore(problems: string[], save: () => string, args: string[]): boolean {
  if (!process.env.FUZZ_EXPLORE) return false;
  const first = problems.find((p) => p.startsWith('stderr:') || p.includes('without') || p.includes('JSON') || p.includes('newline')) ?? problems[0] ?? '';
  // Blur what varies between instances of one bug: names, numbers, quoted text, paths.
  const sig = first.replace(/exception escaped the CLI: /, '').split('\n    at ')[0]!.replace(/"[^"]*"|'[^']*'|\/[^\s:]+|\d+|^[^:]*\.(ya?ml|json): (step [^:]+: )?/g, '_').slice(0, 160);
  const hit = explored.get(sig);
  if (hit) hit.count++;
  else explored.set(sig, { count: 1, where: save(), args, first: first.slice(0, 600) });
  return true;
}

afterAll(() => {
  if (explored.size === 0) return;
  const lines = [...explored.entries()].map(([sig, e]) => `${e.count}x ${sig}\n    ${e.where}  (flowc ${e.args.join(' ')})\n    ${e.first.replaceAll('\n', '\n    ')}`);
  console.log(`FUZZ_EXPLORE: ${explored.size} kinds of failure\n${lines.join('\n')}`);
});
