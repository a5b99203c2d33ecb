import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node as YNode } from 'yaml';
import type { Code } from '../diagnostics/codes.js';
import { setOwn } from '../source/own-keys.js';
import type { Json } from '../source/tree.js';

/**
 * Limits on one `--set` value (docs/security.md, "Config and interpolation limits"). A command
 * line argument is at most 128 KiB on Linux; a binding's `set:` in a project file is not, and the
 * YAML reader's memory grows with nesting, so both are bounded before it runs.
 */
export const OVERRIDE_VALUE_LIMITS = {
  /** UTF-8 bytes of one value. */
  bytes: 128 * 1024,
  /** Levels of `[`/`{` nesting in one value. */
  depth: 64,
} as const;

/** `quote`: the same characters would pass as text if quoted, so the message shows that form. */
export type ValueParse = { ok: true; value: Json } | { ok: false; code: Code; error: string; quote?: boolean };

/** Tags of YAML 1.2's core schema: plain data. Anything else is a custom tag. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * A `--set` value as YAML 1.2 core-schema data (SPEC section 4), refused unless it is plain JSON
 * data exactly as written: integers beyond 2^53, `.inf`, `.nan` and `1e400` are FLOWC419 (JSON
 * and TOML files refuse them the same way); custom tags (`!!js/function`, `!foo`), anchors and
 * aliases, and map keys that are maps or lists (`{{x}}` reads as a map keyed by a map) are
 * FLOWC422, with the quoted form to write when text was meant; NUL is FLOWC423. The YAML reader
 * never converts to JavaScript itself, so nothing it would warn about reaches stderr.
 */
export function parseOverrideValue(text: string): ValueParse {
  if (text === '') return { ok: true, value: '' };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > OVERRIDE_VALUE_LIMITS.bytes) return { ok: false, code: 'FLOWC422', error: `the value is ${bytes} bytes long; a --set value holds at most ${OVERRIDE_VALUE_LIMITS.bytes}` };
  if (flowDepth(text) > OVERRIDE_VALUE_LIMITS.depth) {
    return { ok: false, code: 'FLOWC422', error: `the value nests lists and maps more than ${OVERRIDE_VALUE_LIMITS.depth} levels deep`, quote: true };
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, intAsBigInt: true });
  const err = doc.errors[0];
  if (err) return { ok: false, code: 'FLOWC405', error: `the value is not valid YAML: ${err.message.split('\n')[0]}`, quote: true };
  if (doc.contents === null) return { ok: true, value: null };
  const out = convert(doc.contents as YNode);
  return 'error' in out ? { ok: false, ...out } : { ok: true, value: out.value };
}

type Converted = { value: Json } | { code: Code; error: string; quote?: boolean };

function convert(node: YNode): Converted {
  if (isAlias(node) || node.anchor) return { code: 'FLOWC422', error: 'anchors and aliases (&a, *a) are not supported in a --set value', quote: true };
  if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
    return { code: 'FLOWC422', error: `custom YAML tag ${node.tag.replace(/^tag:yaml\.org,2002:/, '!!')} is not supported; a --set value is plain data`, quote: true };
  }
  if (isScalar(node)) return scalar(node.value);
  if (isSeq(node)) {
    const items: Json[] = [];
    for (const item of node.items) {
      const c = convert(item as YNode);
      if (!('value' in c)) return c;
      items.push(c.value);
    }
    return { value: items };
  }
  if (isMap(node)) {
    const out: { [key: string]: Json } = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YNode | null;
      if (k === null || !isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number' && typeof k.value !== 'bigint' && typeof k.value !== 'boolean')) {
        return { code: 'FLOWC422', error: 'the value reads as a YAML map whose key is not text (a map, a list or null)', quote: true };
      }
      const key = String(k.value);
      if (key.includes('\0')) return nul();
      const v = pair.value === null ? { value: null } : convert(pair.value as YNode);
      if (!('value' in v)) return v;
      setOwn(out, key, v.value);
    }
    return { value: out };
  }
  return { code: 'FLOWC422', error: 'the value is not plain data', quote: true };
}

function scalar(v: unknown): Converted {
  if (v === null || typeof v === 'boolean') return { value: v };
  if (typeof v === 'string') return v.includes('\0') ? nul() : { value: v };
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      return { code: 'FLOWC419', error: `the integer ${v} is beyond ±2^53 and would lose digits in JSON`, quote: true };
    }
    return { value: Number(v) };
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { code: 'FLOWC419', error: `the number reads as ${String(v)}, which JSON cannot represent (JSON numbers are finite)`, quote: true };
    return { value: v };
  }
  return { code: 'FLOWC422', error: 'the value holds something JSON cannot represent (binary, a date?)', quote: true };
}

function nul(): Converted {
  return { code: 'FLOWC423', error: 'the value holds a NUL character, which no process argument or environment value can carry' };
}

/** The deepest `[`/`{` nesting outside quotes (an over-estimate is fine: it only bounds work). */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return max;
}
