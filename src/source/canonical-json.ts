import { createHash } from 'node:crypto';
import type { Json } from './tree.js';

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers as JSON.stringify
 * writes them. Two equal values always give the same text, so the hash of a resolved config
 * identifies it on every machine.
 */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  // Built in one string rather than arrays of parts joined (the config merge compares values this
  // way for every leaf). An entry JSON cannot write (undefined) reads as join would print it.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item = canonicalJson(value[i] as Json) as string | undefined;
      if (item !== undefined) out += item;
    }
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(value[k] as Json)}`;
  }
  return `${out}}`;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `canonicalJson(a) === canonicalJson(b)`, without writing either text when the values are maps
 * and scalars (the config cascade compares origins and values this way): the same keys, and each
 * value equal in the same sense. The canonical text of a map, a list and a scalar each start with
 * their own character, and a map's text is its sorted keys and values in a form that reads back
 * one way only, so comparing part by part gives the same answer. Lists compare by their text.
 */
export function canonicalEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  const aObject = a !== null && typeof a === 'object';
  const bObject = b !== null && typeof b === 'object';
  if (!aObject || !bObject) return aObject === bObject && JSON.stringify(a) === JSON.stringify(b);
  const aList = Array.isArray(a);
  const bList = Array.isArray(b);
  if (aList || bList) return aList === bList && canonicalJson(a) === canonicalJson(b);
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  aKeys.sort();
  bKeys.sort();
  for (let i = 0; i < aKeys.length; i++) if (aKeys[i] !== bKeys[i]) return false;
  for (const k of aKeys) if (!canonicalEqual(a[k] as Json, b[k] as Json)) return false;
  return true;
}
