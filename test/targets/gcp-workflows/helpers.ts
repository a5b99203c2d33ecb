import { makeIR as makeBaseIR } from '../../helpers/ir-builders.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { gcpWorkflowsTarget } from '../../../src/targets/gcp-workflows/index.js';
import type { Artifact } from '../../../src/targets/target.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { VirtualClock } from './interpreter/clock.js';
import { Interpreter } from './interpreter/engine.js';
import type { Value } from './interpreter/expr.js';
import { type Deletion, fakeBatch, type FakeBatchOptions, type JobRecord, type RefusedSubmission } from './interpreter/fake-batch.js';
import { fakeStorage, type StorageRead } from './interpreter/fake-storage.js';

export { lit, ORIGIN, param, step } from '../../helpers/ir-builders.js';

/** An IR from steps (edges from their `needs`) and extras, with this target's options. */
export function makeIR(steps: IRStep[], over: Partial<IR> = {}): IR {
  return makeBaseIR(steps, { targets: { 'gcp-workflows': { project: 'my-project', region: 'us-central1', serviceAccount: 'runner@my-project.iam.gserviceaccount.com' } }, ...over });
}

export function compile(ir: IR): { artifacts: Artifact[]; diagnostics: DiagnosticBag; yaml: string } {
  const diagnostics = new DiagnosticBag();
  const artifacts = gcpWorkflowsTarget.compile(ir, { diagnostics });
  const yaml = artifacts.find((a) => a.primary)?.contents ?? '';
  return { artifacts, diagnostics, yaml };
}

export interface Execution {
  jobs: JobRecord[];
  /** jobs.create calls that raised before creating a job (FakeBatchOptions.submitError). */
  submissions: RefusedSubmission[];
  /** jobs.delete calls, in order. */
  deletions: Deletion[];
  result: Value;
  error: unknown;
  clock: VirtualClock;
  /** Steps the execution ran (Workflows counts them against 100,000 per execution). */
  steps: number;
  /** Calls of `sys.sleep`: an exact DAG schedule's polls (each 2 steps the estimate cannot know). */
  sleeps?: number;
  /** The fake Cloud Storage after the run (`bucket/object` to text), and the objects.get calls made. */
  objects: Map<string, string>;
  reads: StorageRead[];
}

/** Runs a definition in the interpreter with the fake Batch connector. */
export async function execute(
  yaml: string,
  args: Value,
  fake: Omit<FakeBatchOptions, 'clock' | 'storage'> = {},
): Promise<Execution> {
  const clock = new VirtualClock();
  const storage = fakeStorage();
  const { connector, remove, jobs, submissions, deletions } = fakeBatch({ clock, storage: storage.objects, ...fake });
  const interp = Interpreter.fromYaml(yaml, {
    clock,
    connectors: {
      'googleapis.batch.v1.projects.locations.jobs.create': connector,
      'googleapis.batch.v1.projects.locations.jobs.delete': remove,
      'googleapis.storage.v1.objects.get': storage.get,
    },
    env: {
      GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab',
      GOOGLE_CLOUD_PROJECT_ID: 'env-project',
      GOOGLE_CLOUD_LOCATION: 'europe-west4',
    },
  });
  try {
    const result = await interp.run(args);
    return { jobs, submissions, deletions, result, error: null, clock, steps: interp.stepCount, sleeps: interp.sleepCount, objects: storage.objects, reads: storage.reads };
  } catch (error) {
    return { jobs, submissions, deletions, result: null, error, clock, steps: interp.stepCount, sleeps: interp.sleepCount, objects: storage.objects, reads: storage.reads };
  }
}

/** What every `json` output holds in `sampleWrites`: a list, so a dynamic foreach over it has this many tasks. */
export const SAMPLE_LIST = [{ id: 0 }, { id: 1 }];

/**
 * Output files for any flow: each `json` output is `SAMPLE_LIST`, each `string` output
 * `<step>-<output>` with a trailing newline (the wrapper removes it).
 */
export function sampleWrites(ir: IR): NonNullable<FakeBatchOptions['writes']> {
  return (id) => {
    const s = ir.steps.find((x) => x.id === id);
    return Object.fromEntries((s?.outputs ?? []).map((o) => [o.name, o.type === 'json' ? JSON.stringify(SAMPLE_LIST) : `${id}-${o.name}\n`]));
  };
}

/**
 * The IR with `maxDynamicItems` set to `SAMPLE_LIST`'s length when a step has a dynamic foreach,
 * so the step estimate counts exactly the tasks a run with `sampleWrites` makes.
 */
export function boundToSample(ir: IR): IR {
  if (!ir.steps.some((s) => s.foreach?.from)) return ir;
  const own = ir.targets['gcp-workflows'];
  const options = own !== null && typeof own === 'object' && !Array.isArray(own) ? own : {};
  return { ...ir, targets: { ...ir.targets, 'gcp-workflows': { ...options, maxDynamicItems: SAMPLE_LIST.length } } };
}

/** The successful jobs of an execution: one per step, one per foreach item. */
export const succeeded = (e: Execution): JobRecord[] => e.jobs.filter((j) => !j.failed);

/**
 * Checks an execution against the IR: every step ran exactly once (foreach steps once per item)
 * and every needs edge held in virtual time. Returns problems (empty when all is well).
 */
export function checkExecution(ir: IR, e: Execution): string[] {
  const problems: string[] = [];
  if (e.error) problems.push(`execution failed: ${String((e.error as Error).message ?? e.error)}`);
  const ok = succeeded(e);
  const spans = new Map<string, { start: number; end: number }>();
  for (const s of ir.steps) {
    const jobs = ok.filter((j) => j.step === s.id);
    // A dynamic foreach runs once per element of the list its source wrote (sampleWrites).
    const expected = s.foreach ? (s.foreach.from ? SAMPLE_LIST.length : s.foreach.items.length) : 1;
    if (jobs.length !== expected) problems.push(`step ${s.id} ran ${jobs.length} times, expected ${expected}`);
    if (jobs.length > 0) spans.set(s.id, { start: Math.min(...jobs.map((j) => j.start)), end: Math.max(...jobs.map((j) => j.end)) });
  }
  for (const [from, to] of ir.edges) {
    const a = spans.get(from);
    const b = spans.get(to);
    // Any attempt of `to` (failed ones too) must start after `from` finished.
    const firstTo = Math.min(...e.jobs.filter((j) => j.step === to).map((j) => j.start));
    if (a && b && firstTo < a.end) problems.push(`edge ${from} -> ${to}: ${to} started at ${firstTo}, before ${from} ended at ${a.end}`);
  }
  return problems;
}

/** An execution argument: required parameters get a value of their type, the rest keep defaults. */
export function sampleArgs(ir: IR): Record<string, Value> {
  const args: Record<string, Value> = {};
  for (const p of ir.parameters) {
    if (!p.required) continue;
    args[p.name] = p.enum?.[0] ?? (p.type === 'string' ? 'sample' : p.type === 'boolean' ? true : 1);
  }
  return args;
}
