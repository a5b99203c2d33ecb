import type { Block } from '../../ir/blocks.js';
import { itemPathsIn } from '../../ir/shell.js';
import type { IR, IRStep, IRString } from '../../ir/types.js';
import type { Datastore } from './datastore.js';
import type { MapMode } from './history.js';
import { itemsState, mapState, planItems } from './map.js';
import { StateNames } from './names.js';
import type { SfnOptions } from './options.js';
import { type Branch, parallelState } from './parallel.js';
import { parameterStates } from './parameters.js';
import { emptyResult, itemTextStates, listCheckStates, mapResultSelector, OUTPUTS_PATH, parallelResult, planOutputs, type ReadContext, readStates, rejoinState } from './outputs.js';
import { CHILD_RUN_ID_PATH, paramTypes, type RenderContext, RUN_ID_PATH } from './render-string.js';
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
  const datastore = req.options.datastore;
  const plan = planOutputs(ir);
  // Without a datastore nothing is read (FLOWC674 refuses such a flow); the plan still renders.
  const readsOf = (id: string) => (datastore === null ? [] : plan.readsOf(id));
  const readCtx = (runIdPath: string): ReadContext => ({ datastore: datastore as Datastore, flowName: ir.flow.name, partition: req.options.partition, names, runIdPath });

  /**
   * The states of one block, in order; the last one gets `next` (or End). `avail` holds the steps
   * whose outputs are in `$.outputs` when the block starts; the result, when it ends.
   */
  const unit = (block: Block, avail: ReadonlySet<string>): { states: [string, AslState][]; avail: Set<string> } => {
    if (block.kind === 'seq') {
      let cur = new Set(avail);
      const states: [string, AslState][] = [];
      for (const b of block.items) {
        const u = unit(b, cur);
        states.push(...u.states);
        cur = u.avail;
      }
      return { states, avail: cur };
    }
    if (block.kind === 'par') {
      const ids = blockIds(block);
      const name = names.parallel(ids[0] as string, ids[ids.length - 1] as string);
      const units = block.branches.map((b) => unit(b, avail));
      const branches: Branch[] = units.map((u) => asBranch(u.states));
      const gathered = parallelResult(
        units.map((u) => u.avail),
        avail,
      );
      const after = new Set(avail);
      for (const u of units) for (const id of u.avail) after.add(id);
      return { states: [[name, parallelState(branches, gathered)]], avail: after };
    }
    const step = steps.get(block.id) as IRStep;
    const reads = readsOf(step.id);
    const after = new Set(avail);
    if (reads.length > 0) after.add(step.id);
    const base: Omit<RenderContext, 'itemKey'> = { flowName: ir.flow.name, stepId: step.id, paramTypes: types, outputs: plan };
    if (!step.foreach) {
      const task = taskState({ ir, step, options: req.options, includeConfig: req.includeConfig, render: { ...base, itemKey: noItem } });
      tasks.push({ step, task });
      const states: [string, AslState][] = [[names.step(step.id), task.state]];
      if (reads.length > 0) states.push(...readStates(step, reads, readCtx(RUN_ID_PATH), false));
      return { states, avail: after };
    }
    const foreach = step.foreach;
    const dynamic = foreach.from;
    const mode = req.mapModes?.get(step.id) ?? 'INLINE';
    const runIdPath = mode === 'DISTRIBUTED' ? CHILD_RUN_ID_PATH : RUN_ID_PATH;
    const dynamicPaths = dynamic ? itemPaths(step) : [];
    const itemKey = dynamic
      ? (path: (string | number)[]) => `${dynamicPaths.find((p) => JSON.stringify(p.path) === JSON.stringify(path))?.key ?? fail(path)}.t`
      : planItems(step, foreach).keyOf;
    const prefix = dynamic ? names.fixed(`${step.id}-list`) : names.fixed(`${step.id}-items`);
    const choice = dynamic ? names.fixed(`${step.id}-is-list`) : null;
    const notAList = dynamic ? names.fixed(`${step.id}-not-a-list`) : null;
    const empty = dynamic && reads.length > 0 ? names.fixed(`${step.id}-empty`) : null;
    const mapName = names.fixed(`${step.id}-foreach`);
    const rejoin = dynamic ? names.fixed(`${step.id}-done`) : null;
    const render: RenderContext = { ...base, itemKey, ...(mode === 'DISTRIBUTED' ? { runIdPath: CHILD_RUN_ID_PATH } : {}) };
    // The item texts' states come first in the iteration, so their names come before the Task's.
    const itemStates = dynamic ? itemTextStates({ step, paths: dynamicPaths, names, after: step.id }) : [];
    const taskName = names.step(step.id);
    const task = taskState({ ir, step, options: req.options, includeConfig: req.includeConfig, render });
    tasks.push({ step, task });
    const iteration: [string, AslState][] = [...itemStates, [taskName, task.state]];
    if (reads.length > 0) iteration.push(...readStates(step, reads, readCtx(runIdPath), true));
    const processor = iteration.length > 1 ? asBranch(iteration) : undefined;
    const staticEmpty = !dynamic && foreach.items.length === 0;
    const map = mapState({
      taskName,
      task: task.state,
      parallelism: foreach.parallelism,
      hasParams,
      mode,
      label: step.id,
      ...(processor ? { processor: { startAt: processor.StartAt, states: processor.States } } : {}),
      ...(dynamic ? { itemsPath: plan.valuePath(dynamic) } : {}),
      passOutputs: avail.size > 0,
      passIndex: step.outputs.length > 0 && datastore !== null,
      ...(reads.length > 0 && !staticEmpty ? { result: { selector: mapResultSelector(reads), path: `${OUTPUTS_PATH}.${step.id}` } } : {}),
    });
    if (!dynamic) {
      const plan = planItems(step, foreach);
      const items = itemsState(plan);
      itemLists.push({ step, state: items });
      const states: [string, AslState][] = [
        [prefix, items],
        [mapName, map],
      ];
      // A Map over no item has no result to select from: its outputs are empty lists.
      if (reads.length > 0 && staticEmpty) states.push([names.fixed(`${step.id}-empty`), { Type: 'Pass', Result: emptyResult(reads), ResultPath: `${OUTPUTS_PATH}.${step.id}` }]);
      return { states, avail: after };
    }
    const check = listCheckStates({ step, from: dynamic, plan, map: mapName, empty, names: { prefix, choice: choice as string, fail: notAList as string } });
    const states: [string, AslState][] = [...check];
    if (empty !== null) states.push([empty, { Type: 'Pass', Result: emptyResult(reads), ResultPath: `${OUTPUTS_PATH}.${step.id}`, Next: rejoin }]);
    states.push([mapName, { ...map, Next: rejoin }]);
    states.push([rejoin as string, rejoinState(hasParams)]);
    return { states, avail: after };
  };

  const body = unit(req.block, new Set()).states;
  let startAt = firstLinkable(body);
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

/** Every item path a dynamic foreach step's strings use, FLOWC_ITEM's whole item first, with its key. */
function itemPaths(step: IRStep): { key: string; path: (string | number)[] }[] {
  const strings: IRString[] = [...(step.exec.kind === 'run' ? [step.exec.script] : step.exec.argv), ...step.env.map((e) => e.value)];
  const seen = new Map<string, (string | number)[]>([['[]', []]]);
  for (const p of strings.flatMap(itemPathsIn)) if (!seen.has(JSON.stringify(p))) seen.set(JSON.stringify(p), p);
  return [...seen.values()].map((path, i) => ({ key: `_${i}`, path }));
}

function fail(path: (string | number)[]): never {
  throw new Error(`internal: item path ${JSON.stringify(path)} was not planned`);
}

/** Fail states end a branch of their own: linking skips them. */
const detached = (s: AslState): boolean => s.Type === 'Fail';

function firstLinkable(states: [string, AslState][]): string {
  return (states.find(([, s]) => !detached(s)) as [string, AslState])[0];
}

/**
 * Sets `Next` on each state that has no successor yet (the next state in the list that is not a
 * Fail state), and `End` on the last; Next/End print last.
 */
function linked(states: [string, AslState][]): [string, AslState][] {
  return states.map(([name, state], i) => {
    if ('Next' in state || state.Type === 'Choice' || detached(state)) return [name, state];
    const next = states.slice(i + 1).find(([, s]) => !detached(s));
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
export function comment(ir: IR): string {
  const what = ir.flow.description ? `${ir.flow.name}: ${ir.flow.description}` : ir.flow.name;
  return `${what} | generated by flowc ${ir.flowcVersion} from ${ir.flow.source} (sha256 ${ir.flow.sourceHash}) | config sha256 ${ir.config.hash}`;
}
