/**
 * A test oracle for the schedules Argo reads: the standard 5-field syntax of robfig/cron v3, which
 * Argo's CronWorkflow controller and validation call through `cron.ParseStandard`
 * (argo-workflows workflow/cron/operator.go, workflow/validate/validate.go; robfig/cron v3.0.1).
 * Written from robfig's documented rules and its parser.go / spec.go (read, not copied):
 *
 * - exactly 5 whitespace-separated fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12
 *   (names jan-dec), day of week 0-6 (names sun-sat); names are case-insensitive (`bounds`);
 * - a field is a comma list (empty items are dropped, `strings.FieldsFunc`); each item is `*` or
 *   `?` (the whole range, with the "star bit"), `n`, `a-b` (more hyphens are an error), optionally
 *   `/step`; `n/step` means `n-max/step`; a step above 1 clears the star bit (`getRange`);
 * - numbers go through `strconv.Atoi` (an optional sign, then digits) and must not be negative;
 *   a value outside the field's bounds, a reversed range or a step of 0 is an error;
 * - a day matches when both day of month and day of week match if either field has the star bit,
 *   else when either matches (spec.go `dayMatches`).
 */
export interface RobfigField {
  values: Set<number>;
  star: boolean;
}

export interface RobfigSchedule {
  minute: RobfigField;
  hour: RobfigField;
  dom: RobfigField;
  month: RobfigField;
  dow: RobfigField;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = Object.fromEntries(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((n, i) => [n, i + 1]));
const DOW_NAMES = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((n, i) => [n, i]));
const BOUNDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];

/** Parses like `cron.ParseStandard` for 5-field specs; throws robfig's kind of error. */
export function parseRobfig(spec: string): RobfigSchedule {
  if (spec.length === 0) throw new Error('empty spec string');
  if (spec.startsWith('@') || spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) throw new Error(`oracle does not model ${spec}`);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, BOUNDS[i] as Bounds)) as RobfigField[];
  return { minute, hour, dom, month, dow } as RobfigSchedule;
}

function parseField(field: string, b: Bounds): RobfigField {
  const out: RobfigField = { values: new Set(), star: false };
  for (const expr of field.split(',').filter((x) => x !== '')) {
    const r = parseRange(expr, b);
    r.values.forEach((v) => out.values.add(v));
    out.star ||= r.star;
  }
  return out;
}

function parseRange(expr: string, b: Bounds): RobfigField {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] as string).split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = intOrName(lowAndHigh[0] as string, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1] as string, b);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1] as string);
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new Error(`too many slashes: ${expr}`);
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  const values = new Set<number>();
  for (let v = start; v <= end; v += step) values.add(v);
  return { values, star };
}

function intOrName(text: string, b: Bounds): number {
  const named = b.names?.[text.toLowerCase()];
  return named ?? atoi(text);
}

function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`failed to parse int from ${text}`);
  const n = Number(text);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${text}`);
  return n;
}

/** Whether the schedule fires on this calendar day (spec.go `dayMatches` plus the month). */
export function robfigDayMatches(s: RobfigSchedule, day: Date): boolean {
  if (!s.month.values.has(day.getUTCMonth() + 1)) return false;
  const domMatch = s.dom.values.has(day.getUTCDate());
  const dowMatch = s.dow.values.has(day.getUTCDay());
  return s.dom.star || s.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
}
