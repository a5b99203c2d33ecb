import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { timerMs } from './retry.js';

/** How one attempt's process ended. */
export type ProcessEnd =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: string }
  | { kind: 'timed-out' }
  | { kind: 'stopped' }
  /** The program could not be started (not found, not executable). */
  | { kind: 'spawn-failed'; error: string };

export interface ProcessSpec {
  /** argv[0] is the program; a `run` script is `['sh', '-c', script]`. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The attempt's log file; stdout and stderr both go there (appended). */
  logPath: string;
  timeoutSeconds: number | null;
  /** Wait after SIGTERM before SIGKILL. */
  graceMs: number;
  /** A line written to the log before the process starts (which attempt, when). */
  header: string;
}

/** A started attempt: `end` settles when the process and its whole group are gone. */
export interface RunningProcess {
  pid: number | undefined;
  end: Promise<ProcessEnd>;
  /** Stops the attempt: SIGTERM to its process group, SIGKILL after the grace period. */
  stop(): void;
  /** SIGKILL to the process group now (a second Ctrl-C). */
  kill(): void;
}

/**
 * Starts one attempt in its own process group (`detached`), so that a timeout or Ctrl-C reaches
 * everything it started, grandchildren included: a shell script's `sleep &` survives a signal
 * sent only to the shell. The terminal's Ctrl-C does not reach the group either; the runner
 * forwards it. Output goes straight to the log file (no pipe to drain, no lost tail).
 */
export function startProcess(spec: ProcessSpec): RunningProcess {
  appendFileSync(spec.logPath, spec.header);
  const log = openSync(spec.logPath, 'a');
  let timedOut = false;
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const [program, ...args] = spec.argv as [string, ...string[]];
  let child;
  try {
    child = spawn(program, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', log, log] });
  } catch (e) {
    closeSync(log);
    return { pid: undefined, end: Promise.resolve({ kind: 'spawn-failed', error: (e as Error).message }), stop: () => {}, kill: () => {} };
  }
  closeSync(log);
  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const terminate = () => {
    if (killTimer) return;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), spec.graceMs);
  };
  if (spec.timeoutSeconds !== null) {
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, timerMs(spec.timeoutSeconds));
  }
  const end = new Promise<ProcessEnd>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = e.message;
      // A program that could not be started has no process to wait for.
      if (pid === undefined) resolve({ kind: 'spawn-failed', error: e.message });
    });
    child.on('close', (code, signal) => {
      if (timeoutTimer) clearTimeout(timeoutTimer);
      // The leader is gone; members of its group that ignored SIGTERM or were never signalled
      // (the leader exited on its own, leaving a background job) must not outlive the attempt.
      if (killTimer) clearTimeout(killTimer);
      signalGroup('SIGKILL');
      if (spawnError !== undefined && pid === undefined) resolve({ kind: 'spawn-failed', error: spawnError });
      else if (timedOut) resolve({ kind: 'timed-out' });
      else if (stopped) resolve({ kind: 'stopped' });
      else if (code !== null) resolve({ kind: 'exited', code });
      else resolve({ kind: 'signalled', signal: signal ?? 'unknown' });
    });
  });
  return {
    pid,
    end,
    stop() {
      stopped = true;
      terminate();
    },
    kill() {
      stopped = true;
      signalGroup('SIGKILL');
    },
  };
}
