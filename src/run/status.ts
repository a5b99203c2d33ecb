import { visibleText } from '../source/visible-text.js';
import type { RunEvent } from './scheduler.js';

/** Shows a run's progress: `onEvent` for each scheduler event, `close` at the end. */
export interface StatusDisplay {
  onEvent(e: RunEvent): void;
  close(): void;
}

/** `step` or `step[2]` for a foreach task. */
export function taskName(step: string, index: number | null): string {
  return index === null ? step : `${step}[${index}]`;
}

/** Problems can quote what a step wrote (a dynamic foreach value): shown escaped, never as terminal control. */
function attemptOutcome(e: Extract<RunEvent, { kind: 'attempt-end' }>): string {
  return visibleText(rawOutcome(e));
}

function rawOutcome(e: Extract<RunEvent, { kind: 'attempt-end' }>): string {
  const r = e.record;
  if (r.result === 'succeeded') return 'ok';
  if (r.result === 'stopped') return 'stopped';
  if (r.problem !== undefined) return r.problem;
  if (r.signal !== undefined) return `killed by ${r.signal}`;
  return `exit ${r.exitCode}`;
}

/**
 * One line per event, for logs and pipes (CI, `| tee`): nothing is redrawn, every line is
 * final. Durations are left out so two runs of the same flow print the same lines.
 */
export function plainStatus(write: (text: string) => void, logDir: string): StatusDisplay {
  return {
    onEvent(e) {
      switch (e.kind) {
        case 'step-start':
          write(`start     ${e.step}${e.tasks === 1 ? '' : ` (${e.tasks} tasks)`}\n`);
          break;
        case 'attempt-start':
          if (e.attempt > 1) write(`retry     ${taskName(e.step, e.index)} attempt ${e.attempt}/${e.of}\n`);
          break;
        case 'attempt-end':
          if (e.record.result === 'stopped') write(`stopped   ${taskName(e.step, e.index)} attempt ${e.record.attempt} (log: ${logDir}/${e.log})\n`);
          else if (e.record.result !== 'succeeded') write(`failed    ${taskName(e.step, e.index)} attempt ${e.record.attempt}: ${attemptOutcome(e)} (log: ${logDir}/${e.log})\n`);
          break;
        case 'retry-wait':
          write(`waiting   ${taskName(e.step, e.index)} ${e.seconds}s before attempt ${e.attempt + 1}\n`);
          break;
        case 'step-end':
          write(`${e.status.padEnd(9)} ${e.step}${e.problem !== undefined ? `: ${visibleText(e.problem)}` : ''}\n`);
          break;
        case 'stopping':
          write('stopping: interrupted; stopping every running step\n');
          break;
      }
    },
    close() {},
  };
}

interface Row {
  step: string;
  state: 'waiting' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'not-run';
  tasks: number;
  done: number;
  running: number;
  note: string;
  startedMs?: number;
  endedMs?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<Exclude<Row['state'], 'running'>, string> = { waiting: '·', succeeded: '✓', failed: '✗', stopped: '■', 'not-run': '-' };

/**
 * A live table on a terminal: one line per step, redrawn in place (cursor up, clear line) on
 * every event and a few times a second for the spinner and elapsed times.
 */
export function liveStatus(options: { write: (text: string) => void; steps: string[]; now: () => number; intervalMs?: number }): StatusDisplay {
  const rows = options.steps.map((step): Row => ({ step, state: 'waiting', tasks: 1, done: 0, running: 0, note: '' }));
  const byStep = new Map(rows.map((r) => [r.step, r]));
  const width = Math.max(...options.steps.map((s) => s.length), 4);
  let drawn = 0;
  let frame = 0;
  const draw = () => {
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const r of rows) text += `\x1b[2K${line(r)}\n`;
    drawn = rows.length;
    options.write(text);
  };
  const line = (r: Row) => {
    const mark = r.state === 'running' ? (SPINNER[frame % SPINNER.length] as string) : MARK[r.state];
    const elapsed = r.startedMs === undefined ? '' : ` ${(((r.endedMs ?? options.now()) - r.startedMs) / 1000).toFixed(1)}s`;
    const progress = r.tasks > 1 && r.state === 'running' ? ` ${r.done}/${r.tasks} done, ${r.running} running` : '';
    return `${mark} ${r.step.padEnd(width)} ${r.state}${progress}${elapsed}${r.note ? `  ${r.note}` : ''}`;
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, options.intervalMs ?? 125);
  timer.unref();
  draw();
  return {
    onEvent(e) {
      const r = 'step' in e ? byStep.get(e.step) : undefined;
      if (e.kind === 'step-start' && r) {
        Object.assign(r, { state: 'running', tasks: e.tasks, startedMs: options.now() });
      } else if (e.kind === 'attempt-start' && r) {
        r.running++;
        r.note = e.attempt > 1 ? `attempt ${e.attempt}/${e.of}` : r.note;
      } else if (e.kind === 'attempt-end' && r) {
        r.running--;
        if (e.record.result === 'succeeded') r.done++;
        else r.note = `${taskName(e.step, e.index)}: ${attemptOutcome(e)}`;
      } else if (e.kind === 'retry-wait' && r) {
        r.note = `${taskName(e.step, e.index)}: retry in ${e.seconds}s`;
      } else if (e.kind === 'step-end' && r) {
        r.state = e.status === 'pending' || e.status === 'running' ? 'running' : e.status;
        r.endedMs = options.now();
        if (e.problem !== undefined) r.note = visibleText(e.problem);
        else if (e.status === 'succeeded') r.note = '';
      }
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
