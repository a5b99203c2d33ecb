import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkCron, checkTimezone, CRON_MACROS } from '../../src/flow/cron.js';

describe('checkCron', () => {
  test.each([
    ['*/5 * * * *', '*/5 * * * *'],
    ['0 9 * * MON-FRI', '0 9 * * 1-5'],
    ['0  0 1 jan *', '0 0 1 1 *'],
    ['0 0 * * 7', '0 0 * * 7'],
    ['5-10/2 1,2,3 * * SUN', '5-10/2 1,2,3 * * 0'],
    ['00 08 * * *', '0 8 * * *'],
    [' 0 0 * * * ', '0 0 * * *'],
    ['0 0 1-31/2 JAN-DEC/3 *', '0 0 1-31/2 1-12/3 *'],
    ['59 23 31 12 6', '59 23 31 12 6'],
    ['0\t12 * * sat,Sun', '0 12 * * 6,0'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@HOURLY', '0 * * * *'],
    ['@weekly', '0 0 * * 0'],
    ['@monthly', '0 0 1 * *'],
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
  ])('%j normalizes to %j', (expr, normalized) => {
    const r = checkCron(expr);
    expect(r).toEqual({ ok: true, normalized, fields: normalized.split(' ') });
  });

  test.each([
    ['', 'empty cron expression'],
    ['* * * *', 'cron needs 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['0 * * * * *', 'got 6 (seconds and year fields are not supported'],
    ['0 0 12 * * ? 2026', 'got 7'],
    ['60 * * * *', "cron minute field '60': 60 is out of range (allowed: 0-59)"],
    ['* 24 * * *', "cron hour field '24': 24 is out of range (allowed: 0-23)"],
    ['* * 0 * *', "cron day-of-month field '0': 0 is out of range (allowed: 1-31)"],
    ['* * * 13 *', "cron month field '13': 13 is out of range (allowed: 1-12 or JAN-DEC)"],
    ['* * * * 8', "cron day-of-week field '8': 8 is out of range (allowed: 0-7 or SUN-SAT)"],
    ['* * * * MON-FRY', "'FRY' is not a value (allowed: 0-7 or SUN-SAT)"],
    ['5-1 * * * *', 'range 5-1 is reversed (5 > 1)'],
    ['* * * * FRI-MON', 'range FRI-MON is reversed (5 > 1)'],
    ['*/0 * * * *', 'step 0 must be between 1 and 59'],
    ['*/60 * * * *', 'step 60 must be between 1 and 59'],
    ['5/15 * * * *', 'write 5-59/15'],
    ['*/x * * * *', "step 'x' must be a whole number"],
    ['*/5/2 * * * *', "more than one '/'"],
    ['1-2-3 * * * *', "'1-2-3' is not a range"],
    ['0 0 ? * MON', 'Quartz/AWS extensions'],
    ['0 0 L * *', 'Quartz/AWS extensions'],
    ['0 0 15W * *', 'Quartz/AWS extensions'],
    ['0 0 * * 5#3', 'Quartz/AWS extensions'],
    ['1,,2 * * * *', 'empty list item'],
    ['a * * * *', "cron minute field 'a': 'a' is not a value (allowed: 0-59)"],
    ['- * * * *', 'missing value'],
    ['@reboot', "unsupported cron macro '@reboot'"],
    ['@dayly', "did you mean '@daily'?"],
  ])('%j is refused: %s', (expr, message) => {
    const r = checkCron(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: max - min }).map((s) => `*/${s}`),
      fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: max - min }))
        .map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
    );
  const list = (min: number, max: number) => fc.array(field(min, max), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));

  test('every generated valid expression passes and its normalized form is a fixed point', () => {
    fc.assert(
      fc.property(list(0, 59), list(0, 23), list(1, 31), list(1, 12), list(0, 7), (...fields) => {
        const r = checkCron(fields.join('  '));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.normalized).toBe(fields.join(' '));
        expect(checkCron(r.normalized)).toEqual(r);
      }),
    );
  });

  test('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789*/-,? LW#@abcdefghijklmnopqrstuvwxyzJANMO \t'.split('')) }), (s) => {
        const r = checkCron(s);
        if (r.ok) expect(r.fields).toHaveLength(5);
        else expect(r.error.length).toBeGreaterThan(0);
      }),
    );
  });

  test('macros expand to valid 5-field crons', () => {
    for (const expansion of Object.values(CRON_MACROS)) expect(checkCron(expansion)).toMatchObject({ ok: true, normalized: expansion });
  });
});

describe('checkTimezone', () => {
  test.each(['Europe/Amsterdam', 'UTC', 'Etc/UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    '%s is accepted',
    (name) => {
      expect(checkTimezone(name)).toEqual({ ok: true, normalized: name });
    },
  );

  test.each([
    ['europe/amsterdam', 'Europe/Amsterdam'],
    ['Europe/Amsterdm', 'Europe/Amsterdam'],
    ['Mars/Olympus_Mons', undefined],
    ['', undefined],
    ['+01:00', undefined],
  ])('%j is refused (suggests %s)', (name, suggestion) => {
    const r = checkTimezone(name);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain(`unknown timezone '${name}'`);
    expect(r.suggestion).toBe(suggestion);
  });
});
