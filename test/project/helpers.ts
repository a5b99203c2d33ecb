import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { TARGETS } from '../../src/targets/index.js';

export const PROJECT = resolve(import.meta.dirname, '../../fixtures/projects/content-model');

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
