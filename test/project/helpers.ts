import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { TARGETS } from '../../src/targets/index.js';
import { afterEach } from 'vitest';

export const PROJECT = resolve(import.meta.dirname, '../../fixtures/projects/content-model');

/** The repository, and the bundled CLI's entry chunk in it. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BUNDLE = join(ROOT, 'dist/bundle/flowc.cjs');
const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : undefined);
/**
 * As bin/flowc.js decides: the bundle runs when made after the last `tsc`. `npm test` builds both;
 * a run of one test file after a `tsc` builds the bundle again rather than test modules it would not run.
 */
export const bundleCurrent = (): boolean => (mtime(BUNDLE) ?? -1) >= (mtime(join(ROOT, 'dist/cli/main.js')) ?? 0);

/** Every registered target, so the tests cover whatever targets exist (at least `ir`). */
export const ALL_TARGETS = TARGETS.map((t) => t.id).join(',');

/** A fresh copy of the fixture project in a temp folder (without its goldens), for tests that edit it. */
export function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-project-'));
  cpSync(PROJECT, dir, { recursive: true, filter: (src) => !src.includes('/expected') && !src.includes('.flowc-cache') });
  return dir;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowc-out-'));
}

/** Files under `dir`, relative, sorted; `.flowc-cache` left out. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== '.flowc-cache') walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every file's contents under `dir`, to prove a failed run changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/**
 * Temporary folders removed after each test of the calling file: `temp()` an empty one,
 * `project()` a fresh copy of the fixture project; `track(path)` removes other paths too.
 */
export function tempFolders(): { temp: () => string; project: () => string; track: (...paths: string[]) => void } {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const track = (d: string) => (made.push(d), d);
  return { temp: () => track(tempDir()), project: () => track(copyProject()), track: (...paths) => void made.push(...paths) };
}
