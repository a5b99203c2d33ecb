import { StateMachine } from 'aws-local-stepfunctions';
import type { RunResult, TaskRecord } from './helpers.js';

/**
 * A simulated AWS Batch queue behind a Batch DAG state machine run in aws-local-stepfunctions,
 * as https://docs.aws.amazon.com/batch/latest/userguide/job_dependencies.html and job_states.html
 * describe it: SubmitJob refuses unknown dependency ids and more than 20 of them; a job is
 * PENDING until every dependency SUCCEEDED, then runs; it FAILS without running when one of them
 * failed. Time is a logical clock that advances one tick per DescribeJobs call (each look is
 * followed by a Wait), and a job runs for `ticks(step)` ticks. Each step's Task state is named by
 * its step id; a `<sink>-look` Task calls DescribeJobs.
 */
export interface SimJob {
  id: string;
  step: string;
  input: any;
  deps: string[];
  attempts: number;
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  start?: number;
  end?: number;
  /** Attempts made (a failing job runs RetryStrategy.Attempts times). */
  ran: number;
}

export interface SimResult extends RunResult {
  jobs: SimJob[];
  /** Problems the queue saw: what real Batch would refuse. */
  refused: string[];
  looks: number;
}

export async function runBatchDag(
  definition: Record<string, any>,
  input: unknown,
  o: { runId: string; ticks?: (step: string) => number; fails?: ReadonlySet<string>; maxLooks?: number },
): Promise<SimResult> {
  const jobs = new Map<string, SimJob>();
  const refused: string[] = [];
  let now = 0;
  let looks = 0;
  const ticks = o.ticks ?? (() => 1);
  /** Moves every job as far as it gets by time `now`. */
  const advance = () => {
    let moved = true;
    while (moved) {
      moved = false;
      for (const j of jobs.values()) {
        if (j.status === 'PENDING') {
          const deps = j.deps.map((d) => jobs.get(d) as SimJob);
          if (deps.some((d) => d.status === 'FAILED')) {
            j.status = 'FAILED';
            moved = true;
          } else if (deps.every((d) => d.status === 'SUCCEEDED')) {
            j.status = 'RUNNING';
            // Batch dispatches a job some time after its last dependency succeeded: half a tick.
            j.start = Math.max(...deps.map((d) => (d.end as number) + 0.5), j.start ?? 0);
            moved = true;
          }
        }
        if (j.status === 'RUNNING') {
          const failing = o.fails?.has(j.step) ?? false;
          const end = (j.start as number) + ticks(j.step) * (failing ? j.attempts : 1);
          if (end <= now) {
            j.end = end;
            j.ran = failing ? j.attempts : 1;
            j.status = failing ? 'FAILED' : 'SUCCEEDED';
            moved = true;
          }
        }
      }
    }
  };
  const submit = (name: string) => async (p: any) => {
    const deps: { JobId: string }[] = p.DependsOn ?? [];
    if (deps.length > 20) refused.push(`${name}: ${deps.length} dependencies`);
    for (const d of deps) if (!jobs.has(d.JobId)) refused.push(`${name}: depends on unknown job ${JSON.stringify(d.JobId)}`);
    const id = `00000000-0000-4000-8000-${String(jobs.size).padStart(12, '0')}`;
    jobs.set(id, { id, step: name, input: p, deps: deps.map((d) => d.JobId), attempts: p.RetryStrategy?.Attempts ?? 1, status: 'PENDING', ran: 0, start: now });
    advance();
    return { JobId: id, JobName: p.JobName, JobArn: `arn:aws:batch:us-east-1:123456789012:job/${id}` };
  };
  const describe = async (p: any) => {
    looks++;
    if (looks > (o.maxLooks ?? 10_000)) throw new Error('too many looks: the run does not end');
    advance();
    const out = { Jobs: (p.Jobs as string[]).map((id) => ({ JobId: id, Status: jobs.get(id)?.status ?? 'UNKNOWN' })) };
    now++;
    return out;
  };
  const handlers: Record<string, (input: any) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  for (const [name, s] of Object.entries(definition.States as Record<string, any>)) {
    if (s.Type === 'Wait') waits[name] = 0;
    if (s.Type !== 'Task') continue;
    if (String(s.Resource).endsWith(':batch:submitJob')) handlers[name] = submit(name);
    else if (String(s.Resource).endsWith(':aws-sdk:batch:describeJobs')) handlers[name] = describe;
    else throw new Error(`unexpected Task ${name}: ${s.Resource}`);
  }
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { noValidate: true } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits },
    context: { Execution: { Name: o.runId } },
  } as never);
  // The records checkExecution reads: one per job that ran, with its submitted parameters.
  const records = (): TaskRecord[] =>
    [...jobs.values()].filter((j) => j.ran > 0).map((j) => ({ state: j.step, input: j.input, start: j.start as number, end: j.end as number }));
  try {
    const output = await execution.result;
    return { records: records(), output, jobs: [...jobs.values()], refused, looks };
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    const error = { name: cause?.name ?? (e as Error).name, message: cause?.message ?? (e as Error).message };
    return { records: records(), error, jobs: [...jobs.values()], refused, looks };
  }
}

/**
 * The definition without each submission's `DependsOn.$`, which reads job ids from the state: for
 * specProblems, whose input holds only the parameters. The simulator checks the dependencies.
 */
export function withoutDependsOn(definition: Record<string, any>): Record<string, any> {
  const copy = structuredClone(definition);
  for (const s of Object.values(copy.States as Record<string, any>)) if (s.Parameters) delete s.Parameters['DependsOn.$'];
  return copy;
}

/** A machine that submits its jobs with Batch job dependencies (batch-dag.ts) rather than nested Parallel states. */
export const isBatchDag = (def: Record<string, any>): boolean => Object.values(def.States).some((s: any) => String(s.Resource).endsWith(':batch:submitJob'));
