import { didYouMean } from '../diagnostics/suggest.js';
import { memoByText } from '../source/text-memo.js';

/**
 * Schedules (SPEC section 2 `schedule:`): standard 5-field cron and IANA timezones. Every target
 * converts the normalized 5-field form to its own (AWS EventBridge's 6 fields, Argo CronWorkflow,
 * GitHub's `on.schedule`, Cloud Scheduler's unix-cron), so the normalized form is canonical:
 * single spaces, month and weekday names turned into numbers, no leading zeros, macros expanded.
 *
 * Only the subset that all four engines read the same way is accepted: `*`, numbers, names, lists,
 * ranges and steps on `*` or on a range. Quartz/AWS extras (`?`, `L`, `W`, `#`), seconds or year
 * fields and `n/step` (read differently by different crons) are refused with a hint.
 *
 * See docs/language.md#schedule.
 */
export type CronResult = { ok: true; normalized: string; fields: string[] } | { ok: false; error: string };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Offset of names[0] (JAN = 1, SUN = 0). */
  namesFrom?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in Vixie cron and every target engine.
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

/** Macros every engine understands once expanded; `@reboot` and `@every` have no 5-field form. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SHAPE = 'minute hour day-of-month month day-of-week';

/** Checks a cron expression and returns its canonical 5-field form. Never throws. */
export function checkCron(expr: string): CronResult {
  return cronText(expr);
}

/** A build's units check the same schedule again and again (the shape check and lowering, per unit). */
const cronText = memoByText(checkCronText, 1024);

function checkCronText(expr: string): CronResult {
  const text = expr.trim();
  if (text === '') return { ok: false, error: `empty cron expression; expected 5 fields (${SHAPE})` };
  if (text.startsWith('@')) {
    const macro = CRON_MACROS[text.toLowerCase()];
    if (macro === undefined) {
      const near = didYouMean(text.toLowerCase(), Object.keys(CRON_MACROS));
      const hint = near ? `; did you mean '${near}'?` : `; use one of ${Object.keys(CRON_MACROS).join(', ')} or 5 fields`;
      return { ok: false, error: `unsupported cron macro '${text}'${hint}` };
    }
    return { ok: true, normalized: macro, fields: macro.split(' ') };
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    const extra = parts.length === 6 || parts.length === 7 ? ' (seconds and year fields are not supported; each target adds its own)' : '';
    return { ok: false, error: `cron needs 5 fields (${SHAPE}), got ${parts.length}${extra}` };
  }
  const fields: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = checkField(parts[i] as string, FIELDS[i] as FieldSpec);
    if ('error' in r) return { ok: false, error: r.error };
    fields.push(r.normalized);
  }
  return { ok: true, normalized: fields.join(' '), fields };
}

function allowed(spec: FieldSpec): string {
  const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
  return `${spec.min}-${spec.max}${names}`;
}

function checkField(text: string, spec: FieldSpec): { normalized: string } | { error: string } {
  const items = text.split(',');
  const out: string[] = [];
  for (const item of items) {
    const r = checkItem(item, spec);
    if ('error' in r) return { error: `cron ${spec.name} field '${text}': ${r.error}` };
    out.push(r.normalized);
  }
  return { normalized: out.join(',') };
}

function checkItem(item: string, spec: FieldSpec): { normalized: string } | { error: string } {
  if (item === '') return { error: 'empty list item' };
  if (/[?#]/.test(item) || /^(L|LW|\d+[LW])$/i.test(item)) {
    return { error: `'${item}' is not standard cron ('?', 'L', 'W', '#' are Quartz/AWS extensions); use * or numbers` };
  }
  const [rangePart = '', stepPart, ...rest] = item.split('/');
  if (rest.length > 0) return { error: `'${item}' has more than one '/'` };
  let step: number | undefined;
  if (stepPart !== undefined) {
    if (!/^\d+$/.test(stepPart)) return { error: `step '${stepPart}' must be a whole number` };
    step = Number(stepPart);
    const span = spec.max - spec.min;
    if (step < 1 || step > span) return { error: `step ${step} must be between 1 and ${span}` };
  }
  let base: string;
  if (rangePart === '*') {
    base = '*';
  } else {
    const bounds = rangePart.split('-');
    if (bounds.length > 2) return { error: `'${rangePart}' is not a range (use a-b)` };
    const nums: number[] = [];
    for (const b of bounds) {
      const n = value(b, spec);
      if (typeof n === 'string') return { error: n };
      nums.push(n);
    }
    const [lo, hi] = nums as [number, number | undefined];
    if (hi === undefined) {
      if (step !== undefined) {
        return { error: `'${item}' steps from a single value, which crons read differently; write ${lo}-${spec.max}/${step}` };
      }
      base = String(lo);
    } else {
      if (lo > hi) return { error: `range ${rangePart} is reversed (${lo} > ${hi})` };
      base = `${lo}-${hi}`;
    }
  }
  return { normalized: step === undefined ? base : `${base}/${step}` };
}

function value(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) return `${n} is out of range (allowed: ${allowed(spec)})`;
    return n;
  }
  if (spec.names) {
    const i = spec.names.indexOf(text.toUpperCase() as never);
    if (i >= 0) return i + (spec.namesFrom ?? 0);
  }
  if (text === '') return `missing value (allowed: ${allowed(spec)})`;
  return `'${text}' is not a value (allowed: ${allowed(spec)})`;
}

// ---------------------------------------------------------------- timezones

export type TimezoneResult = { ok: true; normalized: string } | { ok: false; error: string; suggestion?: string };

let zones: Set<string> | undefined;

/**
 * Canonical IANA names known to this Node's ICU, plus `UTC` and `Etc/UTC`, which ICU resolves but
 * does not list. Lazily built: `Intl.supportedValuesOf` costs a few milliseconds.
 */
function knownZones(): Set<string> {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return zones;
}

/** Area/Location names as IANA writes them: each part starts with a capital letter or digit. */
const IANA_SHAPE = /^[A-Z][A-Za-z_]*(?:\/[A-Z0-9][A-Za-z0-9_+-]*)+$/;

/**
 * Checks an IANA timezone name (`Europe/Amsterdam`). ICU lists CLDR's canonical names, some of
 * which IANA has since renamed (ICU lists `Asia/Calcutta`, IANA prefers `Asia/Kolkata`), so a
 * correctly capitalised Area/Location name that ICU resolves is accepted too. Names are
 * case-sensitive, as the engines' tz databases are.
 */
export function checkTimezone(name: string): TimezoneResult {
  const known = knownZones();
  if (known.has(name)) return { ok: true, normalized: name };
  if (IANA_SHAPE.test(name) && resolves(name)) return { ok: true, normalized: name };
  const suggestion = didYouMean(name, known);
  const r: TimezoneResult = { ok: false, error: `unknown timezone '${name}' (use an IANA name such as Europe/Amsterdam, or UTC)` };
  if (suggestion !== undefined) r.suggestion = suggestion;
  return r;
}

function resolves(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
