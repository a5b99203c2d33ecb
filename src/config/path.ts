/**
 * Paths into a config: dotted keys and `[n]` list indexes (SPEC §3, §4). The same grammar serves
 * `--set` overrides (`app.train.cpu`), `${train.cpu}` references and provenance output, so a path
 * printed by `flowc config --explain` can be pasted into `--set`.
 *
 *   path    := key ( '.' key | '[' digits ']' )*
 *   key     := plain+ | '"' json-string-body '"' | "'" any-but-quote* "'"
 *   plain   := a letter, a digit, '_' or '-'
 */
export type Segment = string | number;

const PLAIN = /[\p{L}\p{N}_-]/u;
const PLAIN_KEY = /^[\p{L}\p{N}_-]+$/u;

export type PathParse = { ok: true; segments: Segment[] } | { ok: false; error: string; at: number };

/** Parses a whole string as a path. `at` is the 0-based offset of the problem. */
export function parsePath(text: string): PathParse {
  const segments: Segment[] = [];
  let i = 0;
  const key = (): string | { error: string; at: number } => {
    const c = text[i];
    if (c === '"') {
      // A JSON string body: the usual escapes; the closing quote is the first unescaped one.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return { error: 'unterminated "quoted" key', at: i };
      try {
        const k = JSON.parse(text.slice(i, j + 1)) as string;
        i = j + 1;
        return k;
      } catch {
        return { error: 'invalid escape in a "quoted" key', at: i };
      }
    }
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) return { error: "unterminated 'quoted' key", at: i };
      const k = text.slice(i + 1, j);
      i = j + 1;
      return k;
    }
    const start = i;
    while (i < text.length && PLAIN.test(text[i] as string)) i++;
    if (i === start) {
      return { error: i >= text.length ? 'a key is missing at the end' : `unexpected ${JSON.stringify(text[i])} where a key should start`, at: i };
    }
    return text.slice(start, i);
  };
  const first = key();
  if (typeof first !== 'string') return { ok: false, ...first };
  segments.push(first);
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      const k = key();
      if (typeof k !== 'string') return { ok: false, ...k };
      segments.push(k);
    } else if (c === '[') {
      const m = /^\[(0|[1-9][0-9]*)\]/.exec(text.slice(i));
      if (!m) return { ok: false, error: 'a list index must be a non-negative integer in [ ]', at: i };
      const n = Number(m[1]);
      if (!Number.isSafeInteger(n)) return { ok: false, error: 'list index too large', at: i };
      segments.push(n);
      i += m[0].length;
    } else {
      return { ok: false, error: `unexpected ${JSON.stringify(c)} in a key path (quote keys holding it)`, at: i };
    }
  }
  return { ok: true, segments };
}

/** Prints a path so that `parsePath` reads it back: plain keys bare, others in double quotes. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += (out === '' ? '' : '.') + (PLAIN_KEY.test(s) ? s : JSON.stringify(s));
  }
  return out;
}

/** Orders paths segment by segment: keys by UTF-16 code units, indexes numerically, indexes first. */
export function comparePaths(a: readonly Segment[], b: readonly Segment[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as Segment;
    const y = b[i] as Segment;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
