import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { compileToIR } from '../../pipeline/compile.js';
import { failureDiagnostics } from '../../run/failures.js';
import { runParameters } from '../../run/params.js';
import { preflight } from '../../run/preflight.js';
import { recordSaver } from '../../run/record.js';
import { createRunDir, newRunId, RUN_ID } from '../../run/run-dir.js';
import { Scheduler } from '../../run/scheduler.js';
import { liveStatus, plainStatus, type StatusDisplay } from '../../run/status.js';
import { SourceRegistry } from '../../source/files.js';
import { FLOWC_VERSION } from '../../version.js';
import { checkFlowArgument } from '../flow-argument.js';
import { type CliIO, EXIT } from '../io.js';
import { type CascadeOptions, parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';
import { signalExitCode } from '../signal-guard.js';

export interface RunOptions extends CascadeOptions {
  param: string[];
  maxParallel?: string;
  only?: string[];
  runId?: string;
}

/** How often run.json is rewritten while the run goes (it is always written at the end). */
const RECORD_INTERVAL_MS = 500;

/** Wait after SIGTERM before SIGKILL: long enough to flush and exit, short for a Ctrl-C. */
const GRACE_MS = 5000;

/** `flowc run` (docs/run.md): compile to the IR, then run every step as a local process. */
export async function runRun(io: CliIO, flow: string, opts: RunOptions): Promise<number> {
  checkFlowArgument({ cwd: io.cwd, flow, command: 'run' });
  const usage = usageProblems(opts);
  if (usage.length > 0) {
    reportDiagnostics({ io, diagnostics: usage, sources: new SourceRegistry(), format: opts.diagnostics });
    return EXIT.usage;
  }
  const configs = parseConfigArgs(opts.config);
  const compiled = compileToIR({ flowPath: flow, configs: configs.configs, sets: opts.set, env: io.env, cwd: io.cwd, allowOutside: opts.allowOutside === true });
  const diagnostics: Diagnostic[] = [...configs.diagnostics, ...compiled.diagnostics];
  const ir = compiled.ir;
  const flowDir = dirname(compiled.flowFile);
  let params: ReturnType<typeof runParameters> | undefined;
  let checked: ReturnType<typeof preflight> | undefined;
  if (ir) {
    params = runParameters({ params: ir.parameters, given: opts.param, flowDir });
    checked = preflight({ ir, only: opts.only ?? null, env: io.env, flowDir });
    diagnostics.push(...params.diagnostics, ...checked.diagnostics);
    if (ir.steps.length > 0) diagnostics.push({ code: 'FLOWC859', severity: 'warning', message: 'flowc run ignores step images: every step runs on this machine, with the programs found on its PATH' });
  }
  const failedEarly = diagnostics.some((d) => d.severity === 'error') || !ir || !params || !checked;
  // `--diagnostics json` prints one document, at the end; text shows the warnings before the run.
  const deferred = !failedEarly && opts.diagnostics === 'json' ? diagnostics : [];
  if (deferred.length === 0) reportDiagnostics({ io, diagnostics, sources: compiled.sources, format: opts.diagnostics });
  if (failedEarly || !ir || !params || !checked) return EXIT.inputErrors;

  const runId = opts.runId ?? newRunId(new Date());
  const dir = createRunDir(io.cwd, runId);
  if (!dir.ok) {
    reportDiagnostics({ io, diagnostics: [...deferred, { code: 'FLOWC857', severity: 'error', message: `cannot start run ${runId}: ${dir.problem}`, notes: ['flowc run writes logs and the run record only under .flowc/runs/ in the working folder, through real folders'] }], sources: new SourceRegistry(), format: opts.diagnostics });
    return EXIT.inputErrors;
  }
  const logDir = relative(io.cwd, dir.dir) || '.';
  const selected = ir.steps.filter((s) => checked.only === null || checked.only.has(s.id)).map((s) => s.id);
  io.stdout(`run ${runId}: ${selected.length} step${selected.length === 1 ? '' : 's'} of flow ${ir.flow.name}; logs in ${logDir}/\n`);
  const display: StatusDisplay =
    io.stdoutIsTTY === true && io.progress !== false ? liveStatus({ write: io.stdout, steps: selected, now: () => Date.now() }) : plainStatus(io.stdout, logDir);
  const scheduler = new Scheduler({
    ir,
    params: params.values,
    runId,
    runDir: dir.dir,
    cwd: io.cwd,
    baseEnv: io.env,
    maxParallel: opts.maxParallel === undefined ? availableParallelism() : Number(opts.maxParallel),
    only: checked.only,
    graceMs: GRACE_MS,
    now: () => new Date(),
    onEvent: (e) => display.onEvent(e),
    onRecord: recordSaver({ dir: dir.dir, intervalMs: RECORD_INTERVAL_MS, now: () => Date.now() }),
    flowcVersion: FLOWC_VERSION,
  });

  // The children run in process groups of their own, out of reach of the terminal's Ctrl-C:
  // flowc stops them itself, then exits as the shell would after SIGINT (130) or SIGTERM (143).
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled !== undefined) scheduler.kill();
    signalled ??= signal;
    scheduler.stop();
  };
  // If flowc itself ends early (a closed stdout pipe exits at once), no child outlives it.
  const onExit = () => scheduler.killProcesses();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  let record;
  try {
    record = await scheduler.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    display.close();
  }

  const failures = failureDiagnostics({ ir, record, flowDir, logDir });
  if (record.status === 'interrupted') {
    failures.push({ code: 'FLOWC865', severity: 'error', message: `run ${runId} was interrupted by ${signalled ?? 'a signal'}: every running step was stopped`, notes: [`record: ${join(logDir, 'run.json')}`] });
  }
  if (deferred.length > 0 || failures.length > 0) reportDiagnostics({ io, diagnostics: [...deferred, ...failures], sources: compiled.sources, format: opts.diagnostics });
  const counts = countSteps(record.steps.map((s) => s.status));
  io.stdout(`run ${runId} ${record.status}: ${counts}; record: ${join(logDir, 'run.json')}\n`);
  if (record.status === 'interrupted') return signalExitCode(signalled ?? 'SIGINT');
  return record.status === 'succeeded' ? EXIT.ok : EXIT.inputErrors;
}

function usageProblems(opts: RunOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (opts.maxParallel !== undefined && !/^[1-9]\d{0,5}$/.test(opts.maxParallel)) {
    out.push({ code: 'FLOWC858', severity: 'error', message: `--max-parallel ${opts.maxParallel}: expected a whole number of processes, 1 or more` });
  }
  if (opts.runId !== undefined && !RUN_ID.test(opts.runId)) {
    out.push({ code: 'FLOWC858', severity: 'error', message: `--run-id ${JSON.stringify(opts.runId)}: letters, digits, '.', '_' and '-' only, starting with a letter or digit, at most 100 characters`, notes: ['the id names the run folder .flowc/runs/<run-id>'] });
  }
  return out;
}

function countSteps(statuses: string[]): string {
  const n = new Map<string, number>();
  for (const s of statuses) n.set(s, (n.get(s) ?? 0) + 1);
  return [...n].map(([s, c]) => `${c} ${s}`).join(', ') || 'no steps';
}
