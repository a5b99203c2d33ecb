import { planItemTable } from '../../ir/items.js';
import { itemPathsIn } from '../../ir/shell.js';
import type { IRForeach, IRStep, IRString } from '../../ir/types.js';
import type { MapMode } from './history.js';
import type { AslState } from './task.js';
import { PARAMS_PATH, RUN_ID_PATH } from './render-string.js';

/**
 * Static foreach as an inline `Map` state (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html).
 *
 * The items are known at compile time, so flowc formats every `${item...}` text itself (strings as
 * written, anything else as JSON, as every flowc target does) and a `Pass` state puts the list of
 * texts into the state's input (`Result` is copied verbatim, never interpreted). Each iteration gets
 * `{ params, item }` through `ItemSelector`, the item being a map from keys (`_0` is the whole item,
 * FLOWC_ITEM) to texts. So Step Functions never has to turn JSON into text, and item text cannot
 * be read as a path or an intrinsic function.
 */
export interface ItemPlan {
  /** The key of an item path's text in `$.item`. */
  keyOf(path: (string | number)[]): string;
  /** One map of texts per item. */
  texts: Record<string, string>[];
}

/** Where the items' texts sit in the input of the Map state. */
export const ITEMS_PATH = '$.items';

export function planItems(step: IRStep, foreach: IRForeach): ItemPlan {
  const strings: IRString[] = [...(step.exec.kind === 'run' ? [step.exec.script] : step.exec.argv), ...step.env.map((e) => e.value)];
  const table = planItemTable(foreach.items, strings.flatMap(itemPathsIn));
  return {
    keyOf: (path) => {
      const i = table.indexOf(path);
      if (i < 0) throw new Error(`internal: item path ${JSON.stringify(path)} was not planned`);
      return `_${i}`;
    },
    texts: table.texts.map((texts) => Object.fromEntries(texts.map((t, i) => [`_${i}`, t]))),
  };
}



/** The Pass state that places the item texts where the Map state reads them. */
export function itemsState(plan: ItemPlan): AslState {
  return { Type: 'Pass', Result: plan.texts, ResultPath: ITEMS_PATH };
}

export interface MapRequest {
  taskName: string;
  task: AslState;
  parallelism: number | null;
  hasParams: boolean;
  mode?: MapMode;
  label?: string;
  /**
   * The iteration's states when it is more than the Task (outputs.ts: a dynamic item's texts
   * before it, output reads after it), linked, starting with `startAt`. Absent: the Task alone,
   * whose iteration returns `{}`.
   */
  processor?: { startAt: string; states: Record<string, AslState> };
  /** A dynamic foreach: the path of the list in the state; the element goes to `$.value`. */
  itemsPath?: string;
  /** Pass `$.outputs` into each iteration (the step reads earlier steps' outputs). */
  passOutputs?: boolean;
  /** Pass the task index as `index` (the step uploads outputs under it). */
  passIndex?: boolean;
  /** Collect the iterations' results (outputs.ts) at `resultPath`; else the results are discarded. */
  result?: { selector: Record<string, unknown>; path: string };
}

/**
 * The Map state running `task` (named `taskName`) once per item, at most `parallelism` at once
 * (0: no limit of flowc's). `hasParams` says whether the state input carries `params`.
 *
 * Each iteration's output is `{}` (the Task's `OutputPath: null`) unless the step's outputs are
 * read, so the list of outputs the Map collects stays small however many items there are, far
 * under the 256 KiB payload limit (it is discarded, `ResultPath: null`, unless `result` is given).
 *
 * `DISTRIBUTED` (history.ts decides) runs each item as a child Standard execution (`.sync`
 * integrations need Standard), named by the step (`Label`). Its ItemSelector also passes the
 * parent's run id as `run`.
 */
export function mapState(o: MapRequest): AslState {
  const distributed = o.mode === 'DISTRIBUTED';
  const selector: Record<string, unknown> = {};
  if (o.hasParams) selector['params.$'] = PARAMS_PATH;
  if (o.passOutputs) selector['outputs.$'] = '$.outputs';
  if (o.itemsPath !== undefined) {
    selector['value.$'] = '$$.Map.Item.Value';
    selector.item = {};
  } else selector['item.$'] = '$$.Map.Item.Value';
  if (o.passIndex) selector['index.$'] = '$$.Map.Item.Index';
  if (distributed) selector['run.$'] = RUN_ID_PATH;
  const state: AslState = {
    Type: 'Map',
    ItemsPath: o.itemsPath ?? ITEMS_PATH,
    ItemSelector: selector,
    ItemProcessor: {
      ProcessorConfig: distributed ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } : { Mode: 'INLINE' },
      StartAt: o.processor?.startAt ?? o.taskName,
      States: o.processor?.states ?? { [o.taskName]: { ...o.task, OutputPath: null, End: true } },
    },
    MaxConcurrency: o.parallelism ?? 0,
  };
  if (distributed && o.label !== undefined) state.Label = o.label;
  if (o.result) {
    state.ResultSelector = o.result.selector;
    state.ResultPath = o.result.path;
  } else state.ResultPath = null;
  return state;
}
