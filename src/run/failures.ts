import { join } from 'node:path';
import type { Code } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';
import type { AttemptRecord, RunRecord } from './record.js';
import { taskName } from './status.js';

/**
 * One diagnostic per failed step, at the step in the flow file, saying how its first failed task
 * ended and where its log is: the summary a user reads after the status lines scrolled by.
 */
export function failureDiagnostics(options: { ir: IR; record: RunRecord; flowDir: string; logDir: string }): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of options.record.steps) {
    if (s.status !== 'failed') continue;
    const step = options.ir.steps.find((x) => x.id === s.id);
    const span = step ? { file: join(options.flowDir, step.origin.file), line: step.origin.line, col: step.origin.col } : undefined;
    const d = (code: Code, message: string, notes: string[] = []): Diagnostic => ({ code, severity: 'error', message, ...(span ? { span } : {}), ...(notes.length > 0 ? { notes } : {}) });
    if (s.problem !== undefined) {
      out.push(d('FLOWC863', s.problem, ['a dynamic foreach runs one task per element of a JSON list; no task started']));
      continue;
    }
    const task = s.tasks.find((t) => t.status === 'failed');
    const last = task?.attempts[task.attempts.length - 1];
    if (!task || !last) continue;
    const who = `step '${taskName(s.id, task.index)}'`;
    const attempts = task.attempts.length === 1 ? '' : ` (after ${task.attempts.length} attempts)`;
    const log = [`log: ${options.logDir}/${task.log}`];
    // An output problem names the task and output itself.
    const message = last.exitCode === 0 && last.problem !== undefined ? last.problem : `${who} ${describe(last)}`;
    out.push(d(codeOf(last), `${message}${attempts}`, log));
  }
  return out;
}

function codeOf(a: AttemptRecord): Code {
  if (a.result === 'timed-out') return 'FLOWC861';
  if (a.exitCode === 0) return 'FLOWC862';
  if (a.problem?.startsWith('could not start')) return 'FLOWC864';
  return 'FLOWC860';
}

function describe(a: AttemptRecord): string {
  if (a.result === 'timed-out') return a.problem ?? 'timed out';
  if (a.exitCode === 0) return 'exited 0 but its outputs could not be read';
  if (a.problem !== undefined) return a.problem;
  if (a.signal !== undefined) return `was killed by ${a.signal}`;
  return `exited with status ${a.exitCode}`;
}
