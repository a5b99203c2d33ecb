import type { Block } from '../../ir/blocks.js';
import { lowerDag } from '../../ir/lower-blocks.js';
import type { IR } from '../../ir/types.js';
import { StateNames } from './names.js';
import { parallelState } from './parallel.js';
import { parameterStates } from './parameters.js';
import { PARAMS_PATH, RUN_ID_PATH } from './render-string.js';
import type { AslState } from './task.js';

/**
 * The parent state machine of a partitioned flow (issue 19, docs/targets/stepfunctions.md
 * "Partitioning"): it checks the flow's parameters as any flowc machine does (parameters.ts), then
 * runs each part's state machine with the Step Functions "Run a Job (.sync)" integration
 * `startExecution.sync:2` and waits for it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html), in the order
 * of the parts' needs, lowered to nested Parallel states as the steps of a flow are (lowerDag).
 */

/** `:2` returns the child's output as JSON rather than a string; the parent discards it anyway. */
export const startExecutionSync = (partition: string): string => `arn:${partition}:states:::states:startExecution.sync:2`;

/**
 * The key Step Functions reads in a child's input to link the child execution to its parent in the
 * console (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html).
 * A flow parameter cannot be named like it (parameter names are lower case).
 */
export const STARTED_BY_KEY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';

/**
 * The child's ARN, built at run time from the parent's own (`$$.StateMachine.Id`,
 * `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION]`): children are deployed next to
 * their parent, so no account or region needs to be configured. Fields are counted from the front,
 * so a version or alias ARN works too.
 */
export function childArnExpression(childName: string): string {
  const field = (i: number) => `States.ArrayGetItem(States.StringSplit($$.StateMachine.Id, ':'), ${i})`;
  return `States.Format('arn:{}:states:{}:{}:stateMachine:${childName}', ${field(1)}, ${field(3)}, ${field(4)})`;
}

/** Events, as history.ts counts them: the execution, the parameter states, a .sync Task, a Parallel. */
const EVENTS = { execution: 2, parameters: 3 * 2 + 2, task: 6, parallel: 4 } as const;

export interface ParentPart {
  /** The part's deployed state machine name. */
  machineName: string;
  /** Indices of the parts it waits for. */
  needs: number[];
}

export interface Parent {
  definition: AslState;
  /** History events of a run where every child succeeds. */
  events: number;
}

export function buildParent(o: { ir: IR; parts: ParentPart[]; partition: string; comment: string }): Parent {
  const { ir } = o;
  const names = new StateNames();
  const width = String(o.parts.length).length;
  const stateOf = o.parts.map((_, i) => `part-${String(i + 1).padStart(width, '0')}`);
  const lowered = lowerDag({ nodes: stateOf, edges: o.parts.flatMap((p, i) => p.needs.map((n) => [stateOf[n] as string, stateOf[i] as string] as const)) });
  const byState = new Map(stateOf.map((s, i) => [s, o.parts[i] as ParentPart]));
  let events = EVENTS.execution + (ir.parameters.length > 0 ? EVENTS.parameters : 0);

  const task = (part: ParentPart): AslState => {
    const input: Record<string, string> = { [`${STARTED_BY_KEY}.$`]: '$$.Execution.Id' };
    // Every parameter, after the parent merged the defaults and checked the values: the child
    // checks them again, and reads them where a flat flow would.
    for (const p of ir.parameters) input[`${p.name}.$`] = `${PARAMS_PATH}.${p.name}`;
    return {
      Type: 'Task',
      Resource: startExecutionSync(o.partition),
      Parameters: {
        'StateMachineArn.$': childArnExpression(part.machineName),
        // The child runs under the parent's execution name, so `${run.id}` (FLOWC_RUN_ID and the
        // datastore keys) reads the same in every part; names are unique per state machine only.
        'Name.$': RUN_ID_PATH,
        Input: input,
      },
      ResultPath: null,
    };
  };

  const unit = (b: Block): [string, AslState][] => {
    if (b.kind === 'step') {
      events += EVENTS.task;
      return [[names.fixed(b.id), task(byState.get(b.id) as ParentPart)]];
    }
    if (b.kind === 'seq') return b.items.flatMap(unit);
    events += EVENTS.parallel;
    const ids = stepIds(b);
    const name = names.parallel(ids[0] as string, ids[ids.length - 1] as string);
    const branches = b.branches.map((x) => {
      const states = chained(unit(x));
      return { StartAt: (states[0] as [string, AslState])[0], States: Object.fromEntries(states) };
    });
    return [[name, parallelState(branches)]];
  };

  const body = unit(lowered.block);
  const states: [string, AslState][] = [];
  let startAt = (body[0] as [string, AslState])[0];
  if (ir.parameters.length > 0) {
    const init = parameterStates({ params: ir.parameters, names, next: startAt });
    startAt = init.startAt;
    states.push(...init.states);
  }
  states.push(...chained(body));
  return { definition: { Comment: o.comment, QueryLanguage: 'JSONPath', StartAt: startAt, States: Object.fromEntries(states) }, events };
}

/** `Next` from each state to the following one, `End` on the last; Choice and Fail states are left as they are. */
function chained(states: [string, AslState][]): [string, AslState][] {
  return states.map(([name, s], i) => {
    if ('Next' in s || s.Type === 'Choice' || s.Type === 'Fail') return [name, s];
    const next = states.slice(i + 1).find(([, x]) => x.Type !== 'Fail');
    return [name, next ? { ...s, Next: next[0] } : { ...s, End: true }];
  });
}

function stepIds(b: Block): string[] {
  return b.kind === 'step' ? [b.id] : b.kind === 'seq' ? b.items.flatMap(stepIds) : b.branches.flatMap(stepIds);
}
