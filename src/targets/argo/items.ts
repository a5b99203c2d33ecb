import { itemValueAt, valueText as itemText } from '../../ir/items.js';
import type { IRForeach } from '../../ir/types.js';
import { encodeLiteral } from './render-string.js';
import { setOwn } from '../../source/own-keys.js';

/**
 * Static foreach lists as Argo `withItems`.
 *
 * flowc resolves every `${item...}` text at compile time, so `withItems` holds strings only: Argo
 * formats numbers and maps its own way (`fmt.Sprintf("%v")`, Go JSON), and only strings reach the
 * container exactly as flowc formats them. A step that only uses the whole item gets a list of
 * strings and `{{item}}`; a step that also uses paths (`${item.region}`) gets a list of flat maps of
 * strings, one key per path used, read as `{{item.<key>}}` (Argo's map items, see
 * https://argo-workflows.readthedocs.io/en/latest/walk-through/loops/).
 */
export interface ItemPlan {
  /** The `withItems` list. */
  withItems: (string | Record<string, string>)[];
  /** The Argo tag (without braces) for an item path, as used in a DAG task's arguments. */
  tag(path: (string | number)[]): string;
  /** The input parameter name that carries a path into a step's own template (`item`, `item-1`). */
  inputName(path: (string | number)[]): string;
  /** Every path the step uses, the whole item first. */
  paths: (string | number)[][];
}

const WHOLE_KEY = '_';
const SAFE_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Plans `withItems` for a step from its static list and the item paths it uses (`[]` is the whole
 * item, which FLOWC_ITEM always uses).
 */
export function planItems(foreach: IRForeach, paths: (string | number)[][]): ItemPlan {
  const unique = uniquePaths(paths);
  const onlyWhole = unique.every((p) => p.length === 0);
  const keys = assignKeys(unique);
  const keyOf = (path: (string | number)[]): string => keys.get(pathId(path)) as string;
  const inputNames = new Map<string, string>();
  unique.forEach((p, i) => inputNames.set(pathId(p), i === 0 && p.length === 0 ? 'item' : `item-${i}`));
  if (onlyWhole) {
    return {
      withItems: foreach.items.map((item) => encodeItemText(itemText(item))),
      tag: () => 'item',
      inputName: () => 'item',
      paths: unique,
    };
  }
  return {
    withItems: foreach.items.map((item) => {
      const entry: Record<string, string> = {};
      for (const p of unique) setOwn(entry, keyOf(p), encodeItemText(itemText(itemValueAt(item, p))));
      return entry;
    }),
    tag: (path) => `item.${keyOf(path)}`,
    inputName: (path) => inputNames.get(pathId(path)) ?? 'item',
    paths: unique,
  };
}


/**
 * Item text lands inside a longer string at run time, so its end is open: a trailing `{` or `$`
 * could pair with what follows (see `encodeLiteral`). Its start needs no care: whatever static text
 * precedes it already encodes its own trailing `{` and `$`.
 */
function encodeItemText(text: string): string {
  return encodeLiteral(text, { openStart: false, openEnd: true });
}


function pathId(path: (string | number)[]): string {
  return JSON.stringify(path);
}

/** Distinct paths, the whole item first, then in order of first use. */
function uniquePaths(paths: (string | number)[][]): (string | number)[][] {
  const seen = new Set<string>();
  const out: (string | number)[][] = [[]];
  seen.add(pathId([]));
  for (const p of paths) {
    if (seen.has(pathId(p))) continue;
    seen.add(pathId(p));
    out.push(p);
  }
  return out;
}

/**
 * Readable keys (`_` for the whole item, `region`, `a.0`) when every path's segments are simple and
 * the keys are distinct; otherwise positional keys `_0`, `_1`, ... so no two paths ever share one.
 */
function assignKeys(paths: (string | number)[][]): Map<string, string> {
  const readable = paths.map((p) => (p.length === 0 ? WHOLE_KEY : p.map(String).join('.')));
  const ok =
    paths.every((p) => p.every((s) => SAFE_SEGMENT.test(String(s)))) && new Set(readable).size === readable.length;
  const keys = new Map<string, string>();
  paths.forEach((p, i) => keys.set(pathId(p), ok ? (readable[i] as string) : `_${i}`));
  return keys;
}
