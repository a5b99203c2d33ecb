import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/run/record.js';
import { runCli } from '../cli/run-cli.js';

/** A fresh folder holding `flow.yaml` with `text`. */
export function project(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-run-'));
  writeFileSync(join(dir, 'flow.yaml'), text);
  return dir;
}

/** `flowc run flow.yaml ...args` in-process from `dir`, with only PATH from this environment. */
export function flowcRun(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  return runCli(['run', 'flow.yaml', ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });
}

export function record(dir: string, runId: string): RunRecord {
  return JSON.parse(readFileSync(join(dir, '.flowc/runs', runId, 'run.json'), 'utf8')) as RunRecord;
}

export function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/**
 * Whether a process still runs. A zombie counts as gone: it has exited, and in a container whose
 * init does not reap orphans, a killed grandchild stays a zombie of init forever.
 */
export function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/**
 * Waits for SIGKILLed processes to be gone. SIGKILL is delivered asynchronously, so a just-killed
 * process can be seen alive for an instant; the wait is bounded by a count of checks, and the
 * test then asserts that none is alive.
 */
export async function settle(pids: number[]): Promise<void> {
  for (let i = 0; i < 500 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 10));
}

/** The most tasks running at once, from `start`/`end` lines each task appended. */
export function maxConcurrency(events: string[]): number {
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.startsWith('start') ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}
