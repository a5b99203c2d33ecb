/**
 * Makes a `--check` diff readable when one config value changed (docs/decisions.md, "Diagnostics
 * and CLI"): every step carries `FLOWC_CONFIG` (the whole config as one JSON line) and
 * `FLOWC_CONFIG_HASH`, so one changed number used to print two long lines per step.
 * - a changed pair of long lines shows only what changed: the keys of an embedded JSON document
 *   (`FLOWC_CONFIG: '{… train.epochs: 10 …}'`), else the changed window of the line;
 * - a hunk whose changed lines repeat a hunk already shown is left out and counted.
 */

type Op = { op: ' ' | '-' | '+'; line: string };

/** A line longer than this is summarized when it changed. */
export const LONG_LINE = 160;
/** Keys named per summarized JSON line. */
const KEYS_SHOWN = 5;

/** Pairs of long changed lines (n removals followed by n additions) replaced by short ones. */
export function shortenLongPairs(body: Op[]): Op[] {
  const out: Op[] = [];
  let i = 0;
  while (i < body.length) {
    if ((body[i] as Op).op !== '-') {
      out.push(body[i++] as Op);
      continue;
    }
    let j = i;
    while (j < body.length && (body[j] as Op).op === '-') j++;
    let k = j;
    while (k < body.length && (body[k] as Op).op === '+') k++;
    const removed = body.slice(i, j);
    const added = body.slice(j, k);
    if (removed.length === added.length) {
      const pairs = removed.map((r, n) => summarizePair(r.line, (added[n] as Op).line));
      out.push(...pairs.map(([a]) => ({ op: '-' as const, line: a })), ...pairs.map(([, b]) => ({ op: '+' as const, line: b })));
    } else out.push(...removed, ...added);
    i = k;
  }
  return out;
}

function summarizePair(a: string, b: string): [string, string] {
  if (a.length <= LONG_LINE && b.length <= LONG_LINE) return [a, b];
  return jsonPair(a, b) ?? windowPair(a, b);
}

/** The changed part of two lines, with 30 characters of context and `…` for what is left out. */
function windowPair(a: string, b: string): [string, string] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const lead = /^\s*/.exec(a)?.[0] ?? '';
  const from = Math.max(lead.length, p - 30);
  const cut = (t: string) => `${lead}${from > lead.length ? '…' : ''}${t.slice(from, Math.min(t.length, t.length - s + 30))}${s > 30 ? '…' : ''}`;
  return [cut(a), cut(b)];
}

/** Two lines embedding a JSON document after the same prefix, as that prefix and the changed keys. */
function jsonPair(a: string, b: string): [string, string] | undefined {
  const start = a.search(/[[{]/);
  if (start < 0 || a.slice(0, start) !== b.slice(0, start)) return undefined;
  const x = embeddedJson(a, start);
  const y = embeddedJson(b, start);
  if (x === undefined || y === undefined) return undefined;
  const left = leaves(x);
  const right = leaves(y);
  const keys = [...new Set([...left.keys(), ...right.keys()])].filter((k) => left.get(k) !== right.get(k)).sort();
  if (keys.length === 0) return undefined;
  const more = keys.length > KEYS_SHOWN ? `, and ${keys.length - KEYS_SHOWN} more` : '';
  // What follows the document (a closing quote), when both lines end alike.
  const tailA = a.slice(Math.max(a.lastIndexOf('}'), a.lastIndexOf(']')) + 1);
  const tail = b.endsWith(tailA) ? tailA : '';
  const show = (m: Map<string, string>) => `${a.slice(0, start)}{… ${keys.slice(0, KEYS_SHOWN).map((k) => `${k}: ${m.get(k) ?? '(absent)'}`).join(', ')}${more} …}${tail}`;
  return [show(left), show(right)];
}

/** The JSON at `start`: bare, in a YAML single-quoted scalar, or in a JSON string literal. */
function embeddedJson(line: string, start: number): unknown {
  const end = Math.max(line.lastIndexOf('}'), line.lastIndexOf(']')) + 1;
  const bare = line.slice(start, end);
  const candidates = [() => JSON.parse(bare), () => JSON.parse(bare.replaceAll("''", "'")), () => JSON.parse(JSON.parse(line.slice(start - 1, line.lastIndexOf('"') + 1)) as string)];
  for (const parse of candidates) {
    try {
      const v = parse() as unknown;
      if (typeof v === 'object' && v !== null) return v;
    } catch {
      // Not this form.
    }
  }
  return undefined;
}

function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    const text = JSON.stringify(value);
    out.set(prefix, text.length > 40 ? `${text.slice(0, 37)}...` : text);
  }
  return out;
}
