import { findSlot as findShellSlot, itemSlots as shellItemSlots, type ItemSlot as ShellItemSlot } from '../../ir/shell.js';
import type { IRParameter } from '../../ir/types.js';
import { valueText } from '../../ir/items.js';

/**
 * Names for the environment variables that carry run-time values into a job's shell, and the
 * matrix keys that carry foreach item values. Run-time values never reach a script as expression
 * text; the script reads them from these variables (SPEC section 6, github-actions column).
 */

export { itemPathsIn, paramVar } from '../../ir/shell.js';

/** The env variable and matrix key of one `${item...}` path in a foreach step. */
export interface ItemSlot extends ShellItemSlot {
  matrixKey: string;
}

/**
 * The shared slots of `src/ir/shell.ts` (`${item}` is FLOWC_ITEM, `${item.a[0]}` FLOWC_ITEM_A_0),
 * each with the matrix key that carries its value: `matrix.item`, `matrix.item_a_0`.
 */
export function itemSlots(paths: readonly (string | number)[][]): ItemSlot[] {
  return shellItemSlots(paths).map((s) => ({ ...s, matrixKey: `item${s.envVar.slice('FLOWC_ITEM'.length).toLowerCase()}` }));
}

export function findSlot(slots: readonly ItemSlot[], path: readonly (string | number)[]): ItemSlot | undefined {
  return findShellSlot(slots, path) as ItemSlot | undefined;
}

/** A parameter's default formatted as text (what its env variable holds when no input is given). */
export function defaultText(p: IRParameter): string | null {
  return p.default === undefined ? null : valueText(p.default);
}

export { itemValueAt as valueAt, valueText } from '../../ir/items.js';
