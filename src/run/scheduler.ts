import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IR, IRStep } from '../ir/types.js';
import type { Json } from '../source/tree.js';
import { type OutputValue, outputJson, outputText, readOutputs } from './outputs.js';
import type { ParamValue } from './params.js';
import { type ProcessEnd, type RunningProcess, startProcess } from './process.js';
import type { AttemptRecord, RunRecord, StepRecord, TaskRecord } from './record.js';
import { maxAttempts, retryDelaySeconds, timerMs } from './retry.js';
import { makeSubdir } from './run-dir.js';
import { taskName } from './status.js';
import { taskCommand } from './task-command.js';

/** What the status display is told, in the order things happen. */
export type RunEvent =
  | { kind: 'step-start'; step: string; tasks: number }
  | { kind: 'attempt-start'; step: string; index: number | null; attempt: number; of: number }
  | { kind: 'attempt-end'; step: string; index: number | null; record: AttemptRecord; log: string }
  | { kind: 'retry-wait'; step: string; index: number | null; attempt: number; seconds: number }
  | { kind: 'step-end'; step: string; status: StepRecord['status']; problem?: string }
  | { kind: 'stopping' };

export interface SchedulerOptions {
  ir: IR;
  params: Record<string, ParamValue>;
  runId: string;
  /** The run's folder (.flowc/runs/<id>), already created. */
  runDir: string;
  /** Where the steps' processes start. */
  cwd: string;
  baseEnv: Record<string, string | undefined>;
  /** Processes running at once, across steps. */
  maxParallel: number;
  /** The steps to run; the others are left out (their needs edges ignored). */
  only: ReadonlySet<string> | null;
  /** Wait after SIGTERM before SIGKILL, for a timeout or a stop. */
  graceMs: number;
  /** Run-record timestamps. */
  now: () => Date;
  onEvent: (e: RunEvent) => void;
  /** Called whenever the record changed in a way worth saving; `final` once, at the end. */
  onRecord: (r: RunRecord, final: boolean) => void;
  flowcVersion: string;
}

interface Task {
  step: Step;
  record: TaskRecord;
  item?: Json;
  process?: RunningProcess;
  timer?: NodeJS.Timeout;
  outputs?: Record<string, OutputValue>;
  /** The current attempt's process id, for the record. */
  pid?: number | undefined;
}

interface Step {
  ir: IRStep;
  record: StepRecord;
  tasks: Task[];
  /** Tasks waiting for a slot (first attempt or a retry), in item order. */
  queue: Task[];
  running: number;
}

/**
 * Runs a flow's steps as local processes in dependency order (docs/run.md): each step starts
 * when every step it needs (among those selected) succeeded; foreach tasks fan out up to the
 * step's parallelism, all processes up to `maxParallel`; a failed attempt is retried with the
 * IR's backoff. After the first failure nothing new starts (no step, task or retry) and running
 * processes finish; `stop()` (Ctrl-C) ends running processes too.
 */
export class Scheduler {
  private readonly steps: Step[];
  private readonly byId: Map<string, Step>;
  private readonly published = new Map<string, Record<string, OutputValue | OutputValue[]>>();
  private running = 0;
  private failed = false;
  private stopping = false;
  private readonly record: RunRecord;
  private finish!: () => void;

  constructor(private readonly o: SchedulerOptions) {
    const selected = o.ir.steps.filter((s) => o.only === null || o.only.has(s.id));
    this.steps = selected.map((s) => ({ ir: s, record: { id: s.id, status: 'pending', tasks: [] }, tasks: [], queue: [], running: 0 }));
    this.byId = new Map(this.steps.map((s) => [s.ir.id, s]));
    this.record = {
      runRecordVersion: 1,
      runId: o.runId,
      flow: o.ir.flow.name,
      flowcVersion: o.flowcVersion,
      configHash: o.ir.config.hash,
      status: 'running',
      startedAt: o.now().toISOString(),
      params: { ...o.params },
      only: o.only === null ? null : [...o.only],
      maxParallel: o.maxParallel,
      steps: this.steps.map((s) => s.record),
    };
  }

  /** Runs to the end; resolves with the final record. */
  run(): Promise<RunRecord> {
    return new Promise((resolve) => {
      this.finish = () => {
        this.record.status = this.stopping ? 'interrupted' : this.failed ? 'failed' : 'succeeded';
        this.record.endedAt = this.o.now().toISOString();
        this.o.onRecord(this.record, true);
        resolve(this.record);
      };
      this.o.onRecord(this.record, false);
      this.pump();
    });
  }

  /** Ctrl-C: no new work, running processes stopped (their whole process groups). */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.o.onEvent({ kind: 'stopping' });
    for (const s of this.steps) {
      for (const t of s.tasks) {
        if (t.timer) this.abandonWait(t, 'stopped');
        t.process?.stop();
      }
    }
    this.pump();
  }

  /** A second Ctrl-C: every process group gets SIGKILL now, without the grace period. */
  kill(): void {
    this.stop();
    this.killProcesses();
  }

  /** SIGKILL to every running process group, synchronously and nothing else (safe in an 'exit' handler). */
  killProcesses(): void {
    for (const s of this.steps) for (const t of s.tasks) t.process?.kill();
  }

  private get halted(): boolean {
    return this.failed || this.stopping;
  }

  /** Starts whatever may start now; ends the run when nothing runs or waits. */
  private pump(): void {
    if (!this.halted) {
      for (const s of this.steps) if (s.record.status === 'pending' && this.ready(s)) this.startStep(s);
      for (const s of this.steps) this.launch(s);
    }
    if (this.halted) this.settleHalted();
    // Until something fails, a pending step always may still run: the first one in step
    // (topological) order has every need succeeded once nothing runs, and was just started.
    const active = this.steps.some((s) => s.running > 0 || s.tasks.some((t) => t.timer !== undefined) || (!this.halted && (s.record.status === 'running' || s.record.status === 'pending')));
    if (!active) {
      for (const s of this.steps) if (s.record.status === 'pending') this.endStep(s, 'not-run');
      this.finish();
    }
  }

  private ready(s: Step): boolean {
    return s.ir.needs.every((n) => {
      const need = this.byId.get(n);
      return need === undefined || need.record.status === 'succeeded';
    });
  }

  /** After a failure or a stop: queued tasks never start, and steps with nothing left running end. */
  private settleHalted(): void {
    for (const s of this.steps) {
      // A retry that has not started will not: the task ends with its last attempt's failure.
      for (const t of s.tasks) if (t.timer !== undefined) this.abandonWait(t, this.stopping ? 'stopped' : 'failed');
      for (const t of s.queue) t.record.status = 'not-run';
      s.queue = [];
      if (s.record.status === 'running' && s.running === 0 && !s.tasks.some((t) => t.timer !== undefined)) {
        const anyFailed = s.tasks.some((t) => t.record.status === 'failed');
        this.endStep(s, anyFailed ? 'failed' : s.tasks.every((t) => t.record.status === 'succeeded') ? 'succeeded' : 'stopped');
      }
    }
  }

  private startStep(s: Step): void {
    s.record.status = 'running';
    s.record.startedAt = this.o.now().toISOString();
    const items = this.itemsOf(s);
    if (!items.ok) {
      this.o.onEvent({ kind: 'step-start', step: s.ir.id, tasks: 0 });
      s.record.problem = items.problem;
      this.failed = true;
      this.endStep(s, 'failed');
      return;
    }
    const list = items.items;
    s.tasks = list === null ? [this.newTask(s, null, undefined)] : list.map((item, i) => this.newTask(s, i, item));
    s.record.tasks = s.tasks.map((t) => t.record);
    s.queue = [...s.tasks];
    this.o.onEvent({ kind: 'step-start', step: s.ir.id, tasks: s.tasks.length });
    // An empty dynamic list runs no task: the step succeeded, and dependents see [].
    if (s.tasks.length === 0) this.completeStep(s);
  }

  private itemsOf(s: Step): { ok: true; items: Json[] | null } | { ok: false; problem: string } {
    const fe = s.ir.foreach;
    if (fe === null) return { ok: true, items: null };
    if (fe.from === null) return { ok: true, items: fe.items };
    const value = this.published.get(fe.from.step)?.[fe.from.output];
    const json = value === undefined ? { ok: false as const } : outputJson(value);
    if (!json.ok || !Array.isArray(json.value)) {
      const shown = value === undefined ? 'nothing' : outputText(value).slice(0, 200);
      return { ok: false, problem: `step '${s.ir.id}' iterates over \${steps.${fe.from.step}.outputs.${fe.from.output}}, which is not a JSON list: ${shown}` };
    }
    return { ok: true, items: json.value };
  }

  private newTask(s: Step, index: number | null, item: Json | undefined): Task {
    const log = index === null ? `${s.ir.id}.log` : `${s.ir.id}.${index}.log`;
    const record: TaskRecord = { index, status: 'queued', log, attempts: [] };
    if (index !== null) record.item = item as Json;
    const t: Task = { step: s, record };
    if (index !== null) t.item = item as Json;
    return t;
  }

  private launch(s: Step): void {
    const limit = s.ir.foreach?.parallelism ?? Infinity;
    while (!this.halted && s.queue.length > 0 && s.running < limit && this.running < this.o.maxParallel) {
      const t = s.queue.shift() as Task;
      this.startAttempt(t);
    }
  }

  private startAttempt(t: Task): void {
    const s = t.step;
    const attempt = t.record.attempts.length + 1;
    const of = maxAttempts(s.ir.retry);
    const outputsDir = s.ir.outputs.length > 0 ? this.freshOutputsDir(t) : undefined;
    const cmd = taskCommand({
      ir: this.o.ir,
      step: s.ir,
      baseEnv: this.o.baseEnv,
      ...(outputsDir !== undefined ? { outputsDir } : {}),
      ctx: {
        params: this.o.params,
        runId: this.o.runId,
        flowName: this.o.ir.flow.name,
        stepId: s.ir.id,
        ...(t.item !== undefined ? { item: t.item } : {}),
        output: (step, output) => outputText((this.published.get(step) as Record<string, OutputValue | OutputValue[]>)[output] as OutputValue | OutputValue[]),
      },
    });
    const startedAt = this.o.now().toISOString();
    this.o.onEvent({ kind: 'attempt-start', step: s.ir.id, index: t.record.index, attempt, of });
    const p = startProcess({ argv: cmd.argv, env: cmd.env, cwd: this.o.cwd, logPath: join(this.o.runDir, t.record.log), timeoutSeconds: s.ir.timeoutSeconds, graceMs: this.o.graceMs, header: `--- flowc: attempt ${attempt} of ${of}, started ${startedAt}\n` });
    t.process = p;
    t.pid = p.pid;
    t.record.status = 'running';
    s.running++;
    this.running++;
    void p.end.then((end) => this.endAttempt(t, { attempt, startedAt, end, outputsDir }));
  }

  /** Each attempt starts with an empty $FLOWC_OUTPUTS: a failed attempt's files never count. */
  private freshOutputsDir(t: Task): string {
    const parts = t.record.index === null ? [t.step.ir.id] : [t.step.ir.id, String(t.record.index)];
    rmSync(join(this.o.runDir, 'outputs', ...parts), { recursive: true, force: true });
    return makeSubdir(this.o.runDir, 'outputs', ...parts);
  }

  private endAttempt(t: Task, a: { attempt: number; startedAt: string; end: ProcessEnd; outputsDir: string | undefined }): void {
    const s = t.step;
    s.running--;
    this.running--;
    delete t.process;
    const rec: AttemptRecord = { attempt: a.attempt, startedAt: a.startedAt, endedAt: this.o.now().toISOString(), result: 'failed' };
    if (t.pid !== undefined) rec.pid = t.pid;
    const end = a.end;
    if (end.kind === 'exited') {
      rec.exitCode = end.code;
      if (end.code === 0) {
        const read = a.outputsDir === undefined ? { ok: true as const, values: {} } : readOutputs({ dir: a.outputsDir, outputs: s.ir.outputs, step: taskName(s.ir.id, t.record.index) });
        if (read.ok) {
          rec.result = 'succeeded';
          t.outputs = read.values;
          if (s.ir.outputs.length > 0) t.record.outputs = Object.fromEntries(Object.entries(read.values).map(([k, v]) => [k, v.value]));
        } else rec.problem = read.problem;
      }
    } else if (end.kind === 'signalled') rec.signal = end.signal;
    else if (end.kind === 'timed-out') {
      rec.result = 'timed-out';
      rec.problem = `timed out after ${s.ir.timeoutSeconds}s; its process group was killed`;
    } else if (end.kind === 'stopped') rec.result = 'stopped';
    else rec.problem = `could not start: ${end.error}`;
    t.record.attempts.push(rec);
    this.o.onEvent({ kind: 'attempt-end', step: s.ir.id, index: t.record.index, record: rec, log: t.record.log });

    if (rec.result === 'succeeded') {
      t.record.status = 'succeeded';
      if (s.tasks.every((x) => x.record.status === 'succeeded')) this.completeStep(s);
    } else if (rec.result === 'stopped' || this.stopping) {
      t.record.status = 'stopped';
    } else if (a.attempt < maxAttempts(s.ir.retry) && !this.halted) {
      this.waitToRetry(t, a.attempt);
    } else {
      t.record.status = 'failed';
      this.failed = true;
    }
    this.o.onRecord(this.record, false);
    this.pump();
  }

  private waitToRetry(t: Task, attempt: number): void {
    const seconds = retryDelaySeconds(t.step.ir.retry as NonNullable<IRStep['retry']>, attempt);
    t.record.status = 'waiting';
    t.timer = setTimeout(() => {
      delete t.timer;
      if (this.halted) {
        t.record.status = 'failed';
        this.pump();
        return;
      }
      t.record.status = 'queued';
      t.step.queue.unshift(t);
      this.pump();
    }, timerMs(seconds));
    // After the timer is set, so that a stop() the event leads to also cancels it.
    this.o.onEvent({ kind: 'retry-wait', step: t.step.ir.id, index: t.record.index, attempt, seconds });
  }

  /** A retry that will not happen: the task ends with its last attempt's failure, or as stopped. */
  private abandonWait(t: Task, status: 'failed' | 'stopped'): void {
    clearTimeout(t.timer);
    delete t.timer;
    t.record.status = status;
  }

  private completeStep(s: Step): void {
    const values: Record<string, OutputValue | OutputValue[]> = Object.create(null) as Record<string, OutputValue | OutputValue[]>;
    for (const o of s.ir.outputs) {
      values[o.name] = s.ir.foreach === null ? ((s.tasks[0] as Task).outputs?.[o.name] as OutputValue) : s.tasks.map((t) => t.outputs?.[o.name] as OutputValue);
    }
    this.published.set(s.ir.id, values);
    this.endStep(s, 'succeeded');
  }

  private endStep(s: Step, status: StepRecord['status']): void {
    s.record.status = status;
    if (status !== 'not-run') s.record.endedAt = this.o.now().toISOString();
    for (const t of s.tasks) if (t.record.status === 'queued') t.record.status = 'not-run';
    this.o.onEvent({ kind: 'step-end', step: s.ir.id, status, ...(s.record.problem !== undefined ? { problem: s.record.problem } : {}) });
  }
}
