import { itemValueAt, valueText } from '../../ir/items.js';
import type { IRString } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import { paramRef } from './render-string.js';

/**
 * Upper bounds on what process-limits.ts measures, from lengths alone: a step whose bound is within
 * a limit is within it, so only the rare step near a limit is rendered and measured exactly. Each
 * bound is certain, never an estimate (test/targets/argo/size-bounds.test.ts checks it against the
 * exact measure).
 */

/** The most UTF-16 units of a step's foreach item text at one path, over the items given. */
export type ItemTextLength = (path: (string | number)[]) => number;

/** `ItemTextLength` for a list of items, computed once per path. */
export function itemTextLengths(items: readonly (Json | undefined)[]): ItemTextLength {
  const known = new Map<string, number>();
  return (path) => {
    const key = JSON.stringify(path);
    let n = known.get(key);
    if (n === undefined) {
      n = 0;
      for (const item of items) n = Math.max(n, valueText(itemValueAt(item as Json, path)).length);
      known.set(key, n);
    }
    return n;
  };
}

export interface TextContext {
  flowName: string;
  stepId: string;
  itemLength: ItemTextLength;
}

/**
 * The most UTF-16 units the process can receive for `s` (process-limits.ts `decoded`): literal
 * text, the flow's name, the step's id and item text; every other run-time value counts as empty.
 * UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair's 4 bytes are 2 per unit).
 */
export function decodedLengthBound(s: IRString, c: TextContext): number {
  let n = 0;
  for (const p of s) {
    if (p.kind === 'lit') n += p.value.length;
    else if (p.kind === 'flow') n += c.flowName.length;
    else if (p.kind === 'step') n += c.stepId.length;
    else if (p.kind === 'item') n += c.itemLength(p.path);
  }
  return n;
}

/** At least `utf8Bytes(decoded) + 1` (the argument with its NUL). */
export function argBytesBound(s: IRString, c: TextContext): number {
  return 3 * decodedLengthBound(s, c) + 1;
}

/** At least `envStringBytes(name, decoded)` (NAME=value with its NUL). */
export function envBytesBound(name: string, value: IRString, c: TextContext): number {
  return 3 * (name.length + 1 + decodedLengthBound(value, c)) + 1;
}

/**
 * At least `goJsonBytes` of the args as process-limits.ts renders them (item text and the run's
 * empty name as literals): `encodeLiteral` turns one UTF-16 unit into at most 15
 * (`{` -> `$(FLOWC_LBRACE)`), a parameter is `$(FLOWC_PARAM_X)`, an output `$(NAME)`; Go's JSON
 * writes one unit as at most 6 bytes (`\u00XX`, `\u2028`, HTML-safe `<`), and adds two quotes per
 * string, commas and brackets. Infinity for an output the step has no variable for (rendering it
 * throws, so the exact path must see it).
 */
export function argsJsonBound(args: IRString[], c: TextContext, outputVar: (step: string, output: string) => string | undefined): number {
  let bytes = 2 + Math.max(0, args.length - 1);
  for (const s of args) {
    let units = 0;
    for (const p of s) {
      if (p.kind === 'lit') units += 15 * p.value.length;
      else if (p.kind === 'flow') units += 15 * c.flowName.length;
      else if (p.kind === 'step') units += 15 * c.stepId.length;
      else if (p.kind === 'item') units += 15 * c.itemLength(p.path);
      else if (p.kind === 'param') units += paramRef(p.name).length;
      else if (p.kind === 'output') {
        const name = outputVar(p.step, p.output);
        if (name === undefined) return Infinity;
        units += name.length + 3;
      } else if (p.kind !== 'run') return Infinity;
    }
    bytes += 2 + 6 * units;
  }
  return bytes;
}
