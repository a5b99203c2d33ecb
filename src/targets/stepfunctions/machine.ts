import type { Block } from '../../ir/blocks.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { MapMode } from './history.js';
import { itemsState, mapState, planItems } from './map.js';
import { StateNames } from './names.js';
import type { SfnOptions } from './options.js';
import { type Branch, parallelState } from './parallel.js';
import { parameterStates } from './parameters.js';
import { CHILD_RUN_ID_PATH, paramTypes, type RenderContext } from './render-string.js';
import { type AslState, type BuiltTask, taskState } from './task.js';

export interface MachineRequest {
  ir: IR;
  block: Block;
  options: SfnOptions;
  includeConfig: boolean;
  /** Each foreach step's Map mode (history.ts); INLINE when absent. */
  mapModes?: ReadonlyMap<string, MapMode>;
}

export interface Machine {
  definition: AslState;
  /** Each step's built Task (inside its Map for a foreach step), for limit checks. */
  tasks: { step: IRStep; task: BuiltTask }[];
  /** Each foreach step's items Pass state, for the payload limit. */
  itemLists: { step: IRStep; state: AslState }[];
}

/**
 * The whole state machine (https://states-language.net/#toplevelfields): the parameter states
 * when the flow has parameters, then the lowered blocks: a sequence chains states with `Next`, a
 * parallel block is a `Parallel` state with one branch per sub-block, a step is its Task (or, for
 * a foreach step, a Pass with the items and a Map around the Task). States appear in the order
 * they run.
 */
export function buildMachine(req: MachineRequest): Machine {
  const { ir } = req;
  const names = new StateNames();
  const types = paramTypes(ir.parameters);
  const steps = new Map(ir.steps.map((s) => [s.id, s]));
  const tasks: Machine['tasks'] = [];
  const itemLists: Machine['itemLists'] = [];
  const hasParams = ir.parameters.length > 0;

  /** The states of one block, in order; the last one gets `next` (or End). */
  const unit = (block: Block): [string, AslState][] => {
    if (block.kind === 'seq') return block.items.flatMap(unit);
    if (block.kind === 'par') {
      const ids = blockIds(block);
      const name = names.parallel(ids[0] as string, ids[ids.length - 1] as string);
      const branches: Branch[] = block.branches.map((b) => asBranch(unit(b)));
      return [[name, parallelState(branches)]];
    }
    const step = steps.get(block.id) as IRStep;
    const base: Omit<RenderContext, 'itemKey'> = { flowName: ir.flow.name, stepId: step.id, paramTypes: types };
    if (!step.foreach) {
      const task = taskState({ ir, step, options: req.options, includeConfig: req.includeConfig, render: { ...base, itemKey: noItem } });
      tasks.push({ step, task });
      return [[names.step(step.id), task.state]];
    }
    const plan = planItems(step, step.foreach);
    const itemsName = names.fixed(`${step.id}-items`);
    const mapName = names.fixed(`${step.id}-foreach`);
    const taskName = names.step(step.id);
    const mode = req.mapModes?.get(step.id) ?? 'INLINE';
    const render: RenderContext = { ...base, itemKey: plan.keyOf, ...(mode === 'DISTRIBUTED' ? { runIdPath: CHILD_RUN_ID_PATH } : {}) };
    const task = taskState({ ir, step, options: req.options, includeConfig: req.includeConfig, render });
    tasks.push({ step, task });
    const items = itemsState(plan);
    itemLists.push({ step, state: items });
    return [
      [itemsName, items],
      [mapName, mapState({ taskName, task: task.state, parallelism: step.foreach.parallelism, hasParams, mode, label: step.id })],
    ];
  };

  const body = unit(req.block);
  let startAt = (body[0] as [string, AslState])[0];
  const states: [string, AslState][] = [];
  if (hasParams) {
    const init = parameterStates({ params: ir.parameters, names, next: startAt });
    startAt = init.startAt;
    states.push(...init.states);
  }
  states.push(...linked(body));
  const definition: AslState = {
    Comment: comment(ir),
    QueryLanguage: 'JSONPath',
    StartAt: startAt,
    States: Object.fromEntries(states),
  };
  return { definition, tasks, itemLists };
}

/** Sets `Next` on each state that has no successor yet, and `End` on the last; Next/End print last. */
function linked(states: [string, AslState][]): [string, AslState][] {
  return states.map(([name, state], i) => {
    if ('Next' in state || state.Type === 'Choice' || state.Type === 'Fail') return [name, state];
    const next = states[i + 1];
    return [name, next ? { ...state, Next: next[0] } : { ...state, End: true }];
  });
}

function asBranch(states: [string, AslState][]): Branch {
  const ls = linked(states);
  return { StartAt: (ls[0] as [string, AslState])[0], States: Object.fromEntries(ls) };
}

function blockIds(b: Block): string[] {
  return b.kind === 'step' ? [b.id] : b.kind === 'seq' ? b.items.flatMap(blockIds) : b.branches.flatMap(blockIds);
}

const noItem = (): string => {
  throw new Error('internal: ${item} outside a foreach step');
};

/** The flow, its source hash, the config hash and the flowc version (SPEC section 6). */
function comment(ir: IR): string {
  const what = ir.flow.description ? `${ir.flow.name}: ${ir.flow.description}` : ir.flow.name;
  return `${what} | generated by flowc ${ir.flowcVersion} from ${ir.flow.source} (sha256 ${ir.flow.sourceHash}) | config sha256 ${ir.config.hash}`;
}
