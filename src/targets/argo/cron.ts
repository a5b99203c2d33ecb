/**
 * A flowc cron (the canonical 5-field form of src/flow/cron.ts: numbers only, `*`, lists, ranges,
 * steps on `*` or on a range) in the dialect Argo's CronWorkflow reads.
 *
 * Argo parses `schedules` with `cron.ParseStandard` of robfig/cron v3 (workflow/cron/operator.go,
 * workflow/validate/validate.go), which differs from standard (Vixie) cron in two ways
 * (robfig/cron v3 parser.go `getRange`, spec.go `dayMatches` and the `dow` bounds):
 *
 * 1. Day of week is 0-6. `7` is out of range, so `* * * * 7` or `1-7` is refused (and never runs);
 *    7 (Sunday) is written as 0 here.
 * 2. Day of month and day of week combine with AND when either field has the "star bit", and with
 *    OR otherwise. robfig sets that bit for an item `*` or `*\/1` anywhere in the field, and clears
 *    it for `*\/n` with n > 1. Vixie cron combines with AND when either field *starts with* `*`.
 *    So `*\/2` in one field and a restricted other field means "both" in Vixie and "either" in
 *    robfig; the fields are rewritten so robfig decides as Vixie does, and the one case robfig
 *    cannot say (both fields restricted, combined with AND) is refused.
 *
 * Minute, hour and month read the same in both.
 */
export type ArgoCron = { ok: true; cron: string } | { ok: false; error: string };

const DOM = { min: 1, max: 31 };
const DOW = { min: 0, max: 6 };

export function toArgoCron(normalized: string): ArgoCron {
  const fields = normalized.trim().split(/\s+/);
  if (fields.length !== 5) return { ok: false, error: `expected a 5-field cron expression, got '${normalized}'` };
  const [minute, hour, dom, month, dowVixie] = fields as [string, string, string, string, string];
  let dow = withoutSeven(dowVixie);
  let domOut = dom;
  const vixieAnd = dom.startsWith('*') || dowVixie.startsWith('*');
  if (vixieAnd) {
    if (!robfigStar(domOut) && !robfigStar(dow)) {
      // robfig ANDs only if a field holds a star, which means "every day": possible only when one
      // of the two sets is already full.
      if (isFull(daysOfWeek(dowVixie), 7)) dow = '*';
      else if (isFull(values(dom, DOM.min, DOM.max), 31)) domOut = '*';
      else {
        return {
          ok: false,
          error: `the schedule '${normalized}' runs only on days that match both day of month (${dom}) and day of week (${dowVixie}), because one of them starts with '*'; Argo's cron (robfig/cron v3) runs on days that match either when neither is a plain '*', and cannot say "both": restrict only one of the two fields and check the other condition in the step`,
        };
      }
    }
  } else {
    // Vixie ORs here; robfig ORs only if neither field holds a star item.
    domOut = unstar(domOut, DOM);
    dow = unstar(dow, DOW);
  }
  return { ok: true, cron: [minute, hour, domOut, month, dow].join(' ') };
}

/** A day-of-week field over 0-6: every item that reaches 7 (Sunday) is rewritten to end at 6, plus 0. */
function withoutSeven(field: string): string {
  const out: string[] = [];
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    if (range === '*') {
      // Vixie's `*` is 0-7; `*\/n` over 0-7 and over 0-6 cover the same days (7 is reached only
      // for n = 1 or 7, and 0 always is).
      out.push(item);
      continue;
    }
    const [loText = '', hiText] = range.split('-');
    const lo = Number(loText);
    const hi = hiText === undefined ? lo : Number(hiText);
    if (hi < 7) {
      out.push(item);
      continue;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (lo <= 6) {
      const upTo6 = lo === 6 ? '6' : `${lo}-6${stepText === undefined ? '' : `/${step}`}`;
      out.push(upTo6);
    }
    if ((7 - lo) % step === 0) out.push('0');
  }
  return [...new Set(out)].join(',');
}

/** robfig sets the star bit for an item `*` or `*\/1` (getRange: `extra = starBit`, cleared for step > 1). */
function robfigStar(field: string): boolean {
  return field.split(',').some((item) => item === '*' || item === '*/1');
}

/** Replaces `*` and `*\/1` items by the explicit full range, which robfig reads without the star bit. */
function unstar(field: string, bounds: { min: number; max: number }): string {
  return field
    .split(',')
    .map((item) => (item === '*' || item === '*/1' ? `${bounds.min}-${bounds.max}` : item))
    .join(',');
}

function isFull(set: Set<number>, size: number): boolean {
  return set.size === size;
}

/** The days of week a Vixie field covers, 7 folded onto 0. */
function daysOfWeek(field: string): Set<number> {
  return new Set([...values(field, 0, 7)].map((d) => d % 7));
}

function values(field: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo = min;
    let hi = max;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      lo = Number(a);
      hi = b === undefined ? lo : Number(b);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}
