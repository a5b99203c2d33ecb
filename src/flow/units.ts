import { memoByText } from '../source/text-memo.js';

/**
 * Units of the flow language (SPEC section 2, "Durations", "Memory", "CPU", "GPU"): pure parsers from
 * what a user wrote (a number or a string, literal or already interpolated) to the normalized
 * numbers the IR keeps (seconds, MiB, millicores, GPUs), and formatters back to the shortest
 * written form. Parsers never throw; they return `{ ok: false, error }` with a short lowercase
 * message that the caller reports under its own code (FLOWC305..FLOWC308) and span.
 *
 * See docs/language.md#units.
 */

export type UnitResult = { ok: true; value: number } | { ok: false; error: string };

const ok = (value: number): UnitResult => ({ ok: true, value });
const fail = (error: string): UnitResult => ({ ok: false, error });

/** How a value the user wrote is named in an error message ("got a list"). */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

// ---------------------------------------------------------------- durations

const DURATION_UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const DURATION_HINT = 'use whole seconds or units d, h, m, s in that order, e.g. 90s, 1h30m or 1d';

/**
 * A duration in whole seconds: a non-negative integer (seconds), a string of digits (seconds), or
 * units `d h m s` combined in that order, each at most once (`1h30m`, `2h30m`, `90s`, `1d`).
 * Zero is accepted here; fields where zero makes no sense (a timeout) say so when lowering.
 */
export function parseDuration(v: unknown): UnitResult {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail(`invalid duration ${describeValue(v)}: ${DURATION_HINT}`);
    if (v < 0) return fail(`a duration must not be negative, got ${v}`);
    if (!Number.isInteger(v)) return fail(`a duration in seconds must be a whole number, got ${v}; ${DURATION_HINT}`);
    if (!Number.isSafeInteger(v)) return fail(`duration ${v} is too large`);
    return ok(v);
  }
  if (typeof v !== 'string') return fail(`expected a duration (${DURATION_HINT}), got ${describeValue(v)}`);
  if (v.startsWith('-')) return fail(`a duration must not be negative, got '${v}'`);
  if (/^\d+$/.test(v)) return parseDuration(Number(v));
  const m = v === '' ? null : DURATION_RE.exec(v);
  if (!m) return fail(`invalid duration '${v}': ${DURATION_HINT}`);
  let total = 0;
  DURATION_UNITS.forEach(([, seconds], i) => {
    const part = m[i + 1];
    if (part !== undefined) total += Number(part) * seconds;
  });
  if (!Number.isSafeInteger(total)) return fail(`duration '${v}' is too large`);
  return ok(total);
}

/** The shortest written form of a duration in seconds (`5400` -> `1h30m`, `0` -> `0s`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

// ---------------------------------------------------------------- memory

const MIB = 1n << 20n;
/** Bytes per suffix. Binary suffixes are powers of 1024, decimal ones powers of 1000 (Kubernetes). */
const MEMORY_SUFFIXES: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  k: 10n ** 3n,
  K: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
};
const MEMORY_RE = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P)$/;
const MEMORY_HINT = 'use a number of MiB or a quantity such as 512Mi, 4Gi or 2G';

/**
 * Memory in whole MiB. A number is MiB; a string is a quantity with a binary (`Ki Mi Gi Ti Pi`) or
 * decimal (`k K M G T P`) suffix. Amounts that are not a whole number of MiB (`1G` is 953.67 MiB,
 * `1.5` is 1.5 MiB) round UP, so a step never gets less memory than it asked for. A string without
 * a suffix is refused: in Kubernetes it would mean bytes, while a number here means MiB.
 */
export function parseMemory(v: unknown): UnitResult {
  return typeof v === 'string' ? memoryText(v) : memoryValue(v);
}

/** Every unit of a build reads the same quantities: each text is parsed once (BigInt arithmetic). */
const memoryText = memoByText((v: string) => memoryValue(v));

function memoryValue(v: unknown): UnitResult {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail(`invalid memory ${describeValue(v)}: ${MEMORY_HINT}`);
    if (v <= 0) return fail(`memory must be more than 0, got ${v}`);
    const mib = Math.ceil(v);
    if (!Number.isSafeInteger(mib)) return fail(`memory ${v} is too large`);
    return ok(mib);
  }
  if (typeof v !== 'string') return fail(`expected memory (${MEMORY_HINT}), got ${describeValue(v)}`);
  if (v.startsWith('-')) return fail(`memory must not be negative, got '${v}'`);
  if (/^\d+(\.\d+)?$/.test(v)) {
    return fail(`memory '${v}' needs a unit, e.g. '${v}Mi'; an unquoted number means MiB`);
  }
  const m = MEMORY_RE.exec(v);
  if (!m) {
    const unit = /^\d+(?:\.\d+)?\s*([A-Za-z]+)$/.exec(v)?.[1];
    const why = unit ? `unknown unit '${unit}'` : 'not a quantity';
    return fail(`invalid memory '${v}' (${why}): ${MEMORY_HINT}; units are Ki Mi Gi Ti Pi (1024-based) or k M G T P (1000-based)`);
  }
  // Exact decimal arithmetic: "1.1Gi" must not pick up float error before rounding up.
  const [, whole = '0', frac = '', suffix = 'Mi'] = m;
  const scale = 10n ** BigInt(frac.length);
  const bytesTimesScale = BigInt(whole + frac) * (MEMORY_SUFFIXES[suffix] as bigint);
  if (bytesTimesScale === 0n) return fail(`memory must be more than 0, got '${v}'`);
  const denom = scale * MIB;
  const mib = (bytesTimesScale + denom - 1n) / denom;
  if (mib > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`memory '${v}' is too large`);
  return ok(Number(mib));
}

/** The shortest exact written form of MiB: the largest binary unit that divides it (`2048` -> `2Gi`). */
export function formatMemory(mib: number): string {
  for (const [unit, size] of [
    ['Pi', 2 ** 30],
    ['Ti', 2 ** 20],
    ['Gi', 2 ** 10],
  ] as const) {
    if (mib % size === 0) return `${mib / size}${unit}`;
  }
  return `${mib}Mi`;
}

// ---------------------------------------------------------------- cpu

const CPU_HINT = 'use a number of cores (0.5, 2) or millicores such as 500m';

/**
 * CPU in millicores: a number of cores (fractions allowed, down to whole millicores: `0.25`), the
 * same as a string (`"1.5"`), or millicores (`"500m"`). Must be more than 0.
 */
export function parseCpu(v: unknown): UnitResult {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail(`invalid cpu ${describeValue(v)}: ${CPU_HINT}`);
    if (v <= 0) return fail(`cpu must be more than 0, got ${v}`);
    const millis = Math.round(v * 1000);
    // v * 1000 carries float error (0.001 * 1000 = 1.0000000000000002), so compare with a tolerance.
    if (millis === 0 || Math.abs(v * 1000 - millis) > 1e-6 * Math.max(1, millis)) {
      return fail(`cpu ${v} is not a whole number of millicores (1 core = 1000m)`);
    }
    if (!Number.isSafeInteger(millis)) return fail(`cpu ${v} is too large`);
    return ok(millis);
  }
  if (typeof v !== 'string') return fail(`expected cpu (${CPU_HINT}), got ${describeValue(v)}`);
  if (v.startsWith('-')) return fail(`cpu must be more than 0, got '${v}'`);
  const milli = /^(\d+)m$/.exec(v);
  if (milli) {
    const n = Number(milli[1]);
    if (n === 0) return fail(`cpu must be more than 0, got '${v}'`);
    if (!Number.isSafeInteger(n)) return fail(`cpu '${v}' is too large`);
    return ok(n);
  }
  const cores = /^(\d+)(?:\.(\d+))?$/.exec(v);
  if (!cores) return fail(`invalid cpu '${v}': ${CPU_HINT}`);
  const [, whole = '0', rawFrac = ''] = cores;
  const frac = rawFrac.replace(/0+$/, '');
  if (frac.length > 3) return fail(`cpu '${v}' is not a whole number of millicores (1 core = 1000m)`);
  const millis = Number(whole) * 1000 + Number(frac.padEnd(3, '0'));
  if (millis === 0) return fail(`cpu must be more than 0, got '${v}'`);
  if (!Number.isSafeInteger(millis)) return fail(`cpu '${v}' is too large`);
  return ok(millis);
}

/** Whole cores as a plain number (`2000` -> `2`), anything else as millicores (`500` -> `500m`). */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

// ---------------------------------------------------------------- gpu

/** A GPU count: a non-negative integer (0 means no GPU). */
export function parseGpu(v: unknown): UnitResult {
  if (typeof v !== 'number') return fail(`expected a whole number of GPUs, got ${describeValue(v)}`);
  if (!Number.isSafeInteger(v)) return fail(`gpu must be a whole number, got ${v}`);
  if (v < 0) return fail(`gpu must not be negative, got ${v}`);
  return ok(v);
}
