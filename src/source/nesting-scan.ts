import type { CST } from 'yaml';
import { MAX_NESTING } from './limits.js';

/**
 * Cheap scans that find a document nested deeper than MAX_NESTING before a recursive parser sees
 * it. The yaml package's composer and toml-eslint-parser recurse once (or more) per level and die
 * with "Maximum call stack size exceeded" a few thousand levels down; these scans use an explicit
 * stack or a counter, so they are safe on any input. Each returns the offset of the first node
 * past the limit, or undefined.
 */

/**
 * Over the yaml package's CST (built without recursion): the level of a token is the number of
 * flow or block collections around it, as in the composed tree. Also says whether the document
 * uses any alias, so a document without one skips alias planning.
 */
export function scanYamlCst(tokens: readonly CST.Token[]): { tooDeepAt?: number; aliases: boolean } {
  const stack: [CST.Token, number][] = [];
  let aliases = false;
  for (const t of tokens) if (t.type === 'document' && t.value) stack.push([t.value, 0]);
  while (stack.length > 0) {
    const [token, level] = stack.pop() as [CST.Token, number];
    if (level > MAX_NESTING) return { tooDeepAt: token.offset, aliases };
    if (token.type === 'alias') aliases = true;
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if (item.key && typeof item.key === 'object') stack.push([item.key, level + 1]);
        if (item.value) stack.push([item.value, level + 1]);
      }
    }
  }
  return { aliases };
}

/**
 * Over TOML text: counts `[` and `{` outside strings and comments. Table headers (`[a]`, `[[a]]`)
 * count too, which only ever overestimates by two; every value a bracket count of `n` opens sits
 * at least `n` levels down in the tree, so this never refuses what the tree check would accept.
 */
export function tomlTooDeepAt(text: string): number | undefined {
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      i = skipTomlString(text, i);
    } else if (c === '[' || c === '{') {
      depth++;
      if (depth > MAX_NESTING) return i;
      i++;
    } else if (c === ']' || c === '}') {
      if (depth > 0) depth--;
      i++;
    } else {
      i++;
    }
  }
  return undefined;
}

/** Index just past the string starting at `i` (basic or literal, one line or multi-line). */
function skipTomlString(text: string, i: number): number {
  const q = text[i] as string;
  const triple = q + q + q;
  const n = text.length;
  if (text.startsWith(triple, i)) {
    let j = i + 3;
    while (j < n) {
      if (q === '"' && text[j] === '\\') j += 2;
      else if (text.startsWith(triple, j)) {
        j += 3;
        // Up to two more quotes may close the string together with the delimiter.
        if (text[j] === q) j++;
        if (text[j] === q) j++;
        return j;
      } else j++;
    }
    return n;
  }
  let j = i + 1;
  while (j < n && text[j] !== '\n') {
    if (q === '"' && text[j] === '\\') j += 2;
    else if (text[j] === q) return j + 1;
    else j++;
  }
  return j;
}
