import type { IRParameter, IRPart, IRString } from '../../ir/types.js';
import { valueText } from '../../ir/items.js';

/**
 * Names for the environment variables that carry run-time values into a job's shell, and the
 * matrix keys that carry foreach item values. Run-time values never reach a script as expression
 * text; the script reads them from these variables (SPEC section 6, github-actions column).
 */

/** `FLOWC_PARAM_<NAME>`: the parameter's name upper-cased, other characters as `_`. */
export function paramVar(name: string): string {
  return `FLOWC_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The env variable and matrix key of one `${item...}` path in a foreach step. */
export interface ItemSlot {
  path: (string | number)[];
  envVar: string;
  matrixKey: string;
}

/**
 * Slots for every item path the step uses: `${item}` is FLOWC_ITEM / `matrix.item`; a path such
 * as `${item.a[0]}` is FLOWC_ITEM_A_0 / `matrix.item_a_0`. Paths that would share a name get a
 * numeric suffix, in order of first use, so names are stable.
 */
export function itemSlots(paths: readonly (string | number)[][]): ItemSlot[] {
  const slots: ItemSlot[] = [{ path: [], envVar: 'FLOWC_ITEM', matrixKey: 'item' }];
  const byKey = new Map<string, ItemSlot>([[pathKey([]), slots[0] as ItemSlot]]);
  const used = new Set(['FLOWC_ITEM']);
  for (const path of paths) {
    if (byKey.has(pathKey(path))) continue;
    const base = `FLOWC_ITEM_${path.map((s) => String(s).toUpperCase().replace(/[^A-Z0-9]/g, '_')).join('_')}`;
    let envVar = base;
    for (let n = 2; used.has(envVar); n++) envVar = `${base}_${n}`;
    used.add(envVar);
    const slot = { path, envVar, matrixKey: `item${envVar.slice('FLOWC_ITEM'.length).toLowerCase()}` };
    slots.push(slot);
    byKey.set(pathKey(path), slot);
  }
  return slots;
}

export function findSlot(slots: readonly ItemSlot[], path: readonly (string | number)[]): ItemSlot | undefined {
  const key = pathKey(path);
  return slots.find((s) => pathKey(s.path) === key);
}

function pathKey(path: readonly (string | number)[]): string {
  return JSON.stringify(path);
}

/** Every item path a string uses, in order. */
export function itemPathsIn(s: IRString): (string | number)[][] {
  return s.filter((p): p is Extract<IRPart, { kind: 'item' }> => p.kind === 'item').map((p) => p.path);
}


/** A parameter's default formatted as text (what its env variable holds when no input is given). */
export function defaultText(p: IRParameter): string | null {
  return p.default === undefined ? null : valueText(p.default);
}

export { itemValueAt as valueAt, valueText } from '../../ir/items.js';
