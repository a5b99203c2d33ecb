import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../source/tree.js';

/** How one attempt ended, as the run record (run.json) and the status display state it. */
export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  endedAt: string;
  pid?: number;
  result: 'succeeded' | 'failed' | 'timed-out' | 'stopped';
  exitCode?: number;
  signal?: string;
  /** Why a finished attempt failed besides its exit status (a missing output, a program not found). */
  problem?: string;
}

export type TaskStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'stopped' | 'not-run';

export interface TaskRecord {
  /** The item's 0-based index in item order; null for a step without foreach. */
  index: number | null;
  item?: Json;
  status: TaskStatus;
  /** The task's log, relative to the run folder. */
  log: string;
  attempts: AttemptRecord[];
  /** The values the task published (a string output's text, a json output's value). */
  outputs?: Record<string, Json>;
}

/**
 * `not-run`: never started (a step it needs failed, or the run stopped first); `stopped`: started,
 * then cut short by Ctrl-C or left unfinished because another step failed.
 */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'not-run';

export interface StepRecord {
  id: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** Why the step failed when no single attempt says it (a dynamic foreach over a value that is not a list). */
  problem?: string;
  tasks: TaskRecord[];
}

/** `.flowc/runs/<run-id>/run.json` (docs/run.md, "The run record"). */
export interface RunRecord {
  runRecordVersion: 1;
  runId: string;
  flow: string;
  flowcVersion: string;
  configHash: string;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  startedAt: string;
  endedAt?: string;
  params: Record<string, string | number | boolean>;
  /** The steps `--only` selected, or null for all. */
  only: string[] | null;
  maxParallel: number;
  steps: StepRecord[];
}

/**
 * Saves run.json by writing a temporary sibling and renaming it over, so a reader (or a run killed
 * mid-write) never sees half a record.
 */
export function saveRunRecord(dir: string, record: RunRecord): void {
  const tmp = join(dir, '.run.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, join(dir, 'run.json'));
}

/**
 * Saves the record as the run goes, at most once per `intervalMs` (a big foreach ends thousands
 * of attempts; rewriting the whole record after each would write quadratically many bytes), and
 * always at once when `final`.
 */
export function recordSaver(options: { dir: string; intervalMs: number; now: () => number }): (record: RunRecord, final: boolean) => void {
  let last = -Infinity;
  let pending: NodeJS.Timeout | undefined;
  return (record, final) => {
    if (pending) clearTimeout(pending);
    pending = undefined;
    const wait = last + options.intervalMs - options.now();
    if (final || wait <= 0) {
      last = options.now();
      saveRunRecord(options.dir, record);
      return;
    }
    pending = setTimeout(() => {
      pending = undefined;
      last = options.now();
      saveRunRecord(options.dir, record);
    }, wait);
    pending.unref();
  };
}
