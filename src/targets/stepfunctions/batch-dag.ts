import type { BatchDagPlan } from './batch-dag-plan.js';
import { comment, type Machine, type MachineRequest } from './machine.js';
import { StateNames } from './names.js';
import { parameterStates } from './parameters.js';
import { paramTypes } from './render-string.js';
import { type AslState, submissionRetrier, taskState } from './task.js';

/** Where each submitted job's `{ JobId }` sits in the state: exactly a Batch JobDependency. */
export const JOBS_PATH = '$.jobs';
/** Where the last look at a sink leaves its status. */
const LOOK_PATH = '$.look';
/** The error a run fails with when a sink job failed. */
export const DAG_STEP_FAILED = 'FLOWC.StepFailed';

/** Batch SubmitJob without `.sync`: returns JobId at once (https://docs.aws.amazon.com/step-functions/latest/dg/connect-batch.html). */
export const batchSubmitJob = (partition: string): string => `arn:${partition}:states:::batch:submitJob`;
/** DescribeJobs through the AWS SDK integration (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html). */
export const batchDescribeJobs = (partition: string): string => `arn:${partition}:states:::aws-sdk:batch:describeJobs`;

const noItem = (): string => {
  throw new Error('internal: ${item} in a Batch DAG, which has no foreach step');
};

/**
 * The state machine of a Batch DAG (batch-dag-plan.ts decides when): the parameter states, a
 * Pass that opens `$.jobs`, one `batch:submitJob` Task per step in topological order, named by
 * the step id, whose `DependsOn` lists the `{ JobId }` of the steps it needs (transitively
 * reduced), then, for each sink in turn, DescribeJobs, a Choice on its status and a Wait. Batch
 * fails a job whose dependency failed, so a failure anywhere reaches a sink (unless nothing
 * depends on it: then it is a sink itself), and the run fails with FLOWC.StepFailed.
 *
 * The step's container, job queue, definition and timeout are those of the `.sync` Task
 * (task.ts); its retry becomes the job's RetryStrategy (batch-dag-plan.ts admits only retries
 * without delay), and the Task itself retries only submission errors.
 */
export function buildBatchDagMachine(req: Omit<MachineRequest, 'block'> & { plan: BatchDagPlan }): Machine {
  const { ir, options, plan } = req;
  const names = new StateNames();
  const types = paramTypes(ir.parameters);
  const hasParams = ir.parameters.length > 0;
  const partition = options.partition;
  const tasks: Machine['tasks'] = [];
  const body: [string, AslState][] = [];
  const open = names.fixed('flowc-jobs');
  // Without parameters the input is not read: the state starts as `{ jobs: {} }`.
  body.push([open, hasParams ? { Type: 'Pass', Result: {}, ResultPath: JOBS_PATH } : { Type: 'Pass', Result: { jobs: {} } }]);
  for (const step of plan.order) {
    const built = taskState({ ir, step, options, includeConfig: req.includeConfig, render: { flowName: ir.flow.name, stepId: step.id, paramTypes: types, itemKey: noItem } });
    tasks.push({ step, task: built });
    const parameters: Record<string, unknown> = { ...(built.state.Parameters as Record<string, unknown>) };
    const deps = plan.dependsOn.get(step.id) ?? [];
    if (deps.length > 0) parameters['DependsOn.$'] = `States.Array(${deps.map((d) => `${JOBS_PATH}.${d}`).join(', ')})`;
    if (step.retry && step.retry.limit > 0) parameters.RetryStrategy = { Attempts: step.retry.limit + 1 };
    body.push([
      names.step(step.id),
      { Type: 'Task', Resource: batchSubmitJob(partition), Parameters: parameters, ResultSelector: { 'JobId.$': '$.JobId' }, ResultPath: `${JOBS_PATH}.${step.id}`, Retry: [submissionRetrier('batch')] },
    ]);
  }
  const done = 'flowc-succeeded';
  const sinkStates = plan.sinks.map((id) => ({ id, look: names.fixed(`${id}-look`), status: names.fixed(`${id}-status`), wait: names.fixed(`${id}-wait`), failed: names.fixed(`${id}-failed`) }));
  names.fixed(done);
  sinkStates.forEach((s, i) => {
    const next = sinkStates[i + 1]?.look ?? done;
    body.push([
      s.look,
      {
        Type: 'Task',
        Resource: batchDescribeJobs(partition),
        Parameters: { 'Jobs.$': `States.Array(${JOBS_PATH}.${s.id}.JobId)` },
        ResultSelector: { 'Status.$': '$.Jobs[0].Status' },
        ResultPath: LOOK_PATH,
        Retry: [submissionRetrier('batch')],
      },
    ]);
    body.push([
      s.status,
      {
        Type: 'Choice',
        Choices: [
          { Variable: `${LOOK_PATH}.Status`, StringEquals: 'SUCCEEDED', Next: next },
          { Variable: `${LOOK_PATH}.Status`, StringEquals: 'FAILED', Next: s.failed },
        ],
        Default: s.wait,
      },
    ]);
    body.push([s.wait, { Type: 'Wait', Seconds: options.dagPollSeconds, Next: s.look }]);
    body.push([
      s.failed,
      {
        Type: 'Fail',
        Error: DAG_STEP_FAILED,
        Cause: `the AWS Batch job of step '${s.id}' failed: it or a step it needs (whose failure fails every job that depends on it) exited non-zero, timed out or was terminated; the jobs' statusReason says which`,
      },
    ]);
  });
  body.push([done, { Type: 'Succeed' }]);
  // Chain what has no successor yet, in order; Choice, Fail and Succeed states end or branch themselves.
  const chained = body.map(([name, state], i): [string, AslState] => {
    if ('Next' in state || state.Type === 'Choice' || state.Type === 'Fail' || state.Type === 'Succeed') return [name, state];
    const next = body[i + 1]?.[0] as string;
    return [name, { ...state, Next: next }];
  });
  let startAt = open;
  const states: [string, AslState][] = [];
  if (hasParams) {
    const init = parameterStates({ params: ir.parameters, names, next: open });
    startAt = init.startAt;
    states.push(...init.states);
  }
  states.push(...chained);
  const definition: AslState = { Comment: comment(ir), QueryLanguage: 'JSONPath', StartAt: startAt, States: Object.fromEntries(states) };
  return { definition, tasks, itemLists: [] };
}
