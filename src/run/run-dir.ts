import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeEntry } from '../project/output-paths.js';

/** A run id: safe as one path segment and in an env value. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A fresh id: UTC time to the second (sorts by start), then random hex against collisions. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const suffix = Math.floor(random() * 0x1000000).toString(16).padStart(6, '0');
  return `${stamp}-${suffix}`;
}

export type RunDirResult = { ok: true; dir: string } | { ok: false; problem: string };

/**
 * Creates `<cwd>/.flowc/runs/<runId>/` (docs/run.md, "Where a run writes"). Every component is
 * created by flowc or must already be a real folder: a symbolic link anywhere on the way is
 * refused, as in output folders (src/project/output-paths.ts), since logs written through it
 * would land elsewhere. The run's own folder must not exist: a run never writes into another's.
 */
export function createRunDir(cwd: string, runId: string): RunDirResult {
  let path = cwd;
  const parts = ['.flowc', 'runs', runId];
  for (let i = 0; i < parts.length; i++) {
    path = join(path, parts[i] as string);
    const last = i === parts.length - 1;
    const existing = lstatQuietly(path);
    if (existing !== undefined) {
      const shown = parts.slice(0, i + 1).join('/');
      if (last) return { ok: false, problem: `${shown} already exists: give another --run-id` };
      if (!existing.isDirectory()) return { ok: false, problem: `${shown} is ${describeEntry(path, existing)}, not a folder` };
      continue;
    }
    try {
      mkdirSync(path);
    } catch (e) {
      return { ok: false, problem: `cannot create ${parts.slice(0, i + 1).join('/')}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
  }
  return { ok: true, dir: path };
}

/** Creates a folder below the run's own (which flowc made, so no link can be on the way). */
export function makeSubdir(dir: string, ...parts: string[]): string {
  const path = join(dir, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

function lstatQuietly(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
