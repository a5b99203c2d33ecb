/**
 * "Did you mean …?" for a misspelt name: the closest candidate by edit distance, if it is close
 * enough to be a plausible typo (at most a third of the word's length, at least 1).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** A note line for a diagnostic, or an empty list when nothing is close. */
export function suggestionNotes(word: string, candidates: Iterable<string>): string[] {
  const s = didYouMean(word, candidates);
  return s === undefined ? [] : [`did you mean '${s}'?`];
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}

/**
 * The valid flow name closest to what was typed (`Movie_Stats` -> `movie-stats`): lowercase,
 * separators (`_`, space, `.`) as `-`, other characters dropped, at most 52 characters. Undefined
 * when nothing valid is left or the word is already valid.
 */
export function suggestFlowName(word: string): string | undefined {
  const s = word
    .toLowerCase()
    .replace(/[_\s.]+/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 52)
    .replace(/-+$/, '');
  return s === '' || s === word ? undefined : s;
}

const DURATION_WORDS: Record<string, number> = { d: 86_400, day: 86_400, days: 86_400, h: 3_600, hr: 3_600, hrs: 3_600, hour: 3_600, hours: 3_600, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, s: 1, sec: 1, secs: 1, second: 1, seconds: 1 };

/**
 * A duration written the way people say it, in flowc's form: `1.5h` -> `1h30m`, `90 min` ->
 * `1h30m`, `2 hours` -> `2h`, `1h 30m` -> `1h30m`, `30m1h` -> `1h30m`. Undefined when the text is
 * not a sum of numbers with units or does not come to whole seconds.
 */
export function suggestDuration(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = [...text.trim().toLowerCase().matchAll(/(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim().toLowerCase()) return undefined;
  let seconds = 0;
  for (const [, n, unit] of parts) {
    const size = DURATION_WORDS[unit as string];
    if (size === undefined) return undefined;
    seconds += Number(n) * size;
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return undefined;
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const k = Math.floor(rest / size);
    if (k > 0) out += `${k}${unit}`;
    rest -= k * size;
  }
  return out === text ? undefined : out;
}
