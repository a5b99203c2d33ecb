import { canonicalJson } from '../../source/canonical-json.js';
import type { IR, IRSchedule } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import type { ScheduleOptions } from './options.js';
import { setOwn } from '../../source/own-keys.js';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

export type AwsCron = { ok: true; expression: string } | { ok: false; error: string };

/**
 * A flowc 5-field cron (normalized by src/flow/cron.ts: numbers only, `*`, lists, ranges, steps)
 * as an EventBridge Scheduler cron expression, `cron(minutes hours day-of-month month
 * day-of-week year)` (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based):
 * - one of day-of-month and day-of-week must be `?`; standard cron runs when *either* matches if
 *   both are restricted, which AWS cannot express, so that is an error;
 * - AWS numbers weekdays 1-7 from Sunday (standard cron: 0-7, 0 and 7 Sunday), so weekdays are
 *   written as names (SUN-SAT), which both read the same way;
 * - `*` with a step becomes `first/step` (AWS documents `0/15`), a range with a step is listed out;
 * - the year is `*`.
 */
export function toAwsCron(cron: string): AwsCron {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return { ok: false, error: `expected a 5-field cron expression, got '${cron}'` };
  const [minute, hour, dom, month, dow] = f as [string, string, string, string, string];
  const domRestricted = dom !== '*';
  const dowRestricted = dow !== '*';
  if (domRestricted && dowRestricted) {
    return {
      ok: false,
      error: `the schedule '${cron}' restricts both day of month (${dom}) and day of week (${dow}); cron runs when either matches, which an EventBridge cron expression cannot say (one of the two must be '?'): split it into two flows' schedules or drop one`,
    };
  }
  const fields = [
    numericField(minute, 0, 59),
    numericField(hour, 0, 23),
    dowRestricted ? '?' : numericField(dom, 1, 31),
    numericField(month, 1, 12),
    dowRestricted ? weekdays(dow) : '?',
    '*',
  ];
  return { ok: true, expression: `cron(${fields.join(' ')})` };
}

function numericField(field: string, min: number, max: number): string {
  return field
    .split(',')
    .map((item) => {
      const [range, step] = item.split('/') as [string, string | undefined];
      if (step === undefined) return item;
      if (range === '*') return `${min}/${step}`;
      return expand(item, min, max).join(',');
    })
    .join(',');
}

/** The values a cron list item covers (`a`, `a-b`, `*`, each optionally `/step`). */
function expand(item: string, min: number, max: number): number[] {
  const [range, stepText] = item.split('/') as [string, string | undefined];
  const step = stepText === undefined ? 1 : Number(stepText);
  let lo = min;
  let hi = max;
  if (range !== '*') {
    const [a, b] = range.split('-') as [string, string | undefined];
    lo = Number(a);
    hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

/** A day-of-week field as names, consecutive days as ranges (`MON-FRI`); 7 is Sunday. */
function weekdays(field: string): string {
  const days = new Set<number>();
  for (const item of field.split(',')) for (const v of expand(item, 0, 7)) days.add(v % 7);
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    const a = DAY_NAMES[sorted[i] as number] as string;
    const b = DAY_NAMES[sorted[j] as number] as string;
    parts.push(j === i ? a : j === i + 1 ? `${a},${b}` : `${a}-${b}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The execution input of a scheduled run: every parameter's default (required ones have none). */
export function defaultInput(ir: IR): Record<string, Json> {
  const input: Record<string, Json> = {};
  for (const p of ir.parameters) if (p.default !== undefined) setOwn(input, p.name, p.default);
  return input;
}

/**
 * The EventBridge Scheduler `CreateSchedule` request
 * (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html) that starts
 * the state machine with the default input, e.g. `aws scheduler create-schedule --cli-input-json`.
 */
export function scheduleRequest(o: {
  ir: IR;
  schedule: IRSchedule;
  expression: string;
  options: ScheduleOptions & { stateMachineArn: string; roleArn: string };
}): Record<string, unknown> {
  const req: Record<string, unknown> = { Name: o.ir.flow.name };
  if (o.options.groupName !== null) req.GroupName = o.options.groupName;
  req.Description = `Starts the ${o.ir.flow.name} state machine (flowc ${o.ir.flowcVersion}, config sha256 ${o.ir.config.hash})`;
  req.ScheduleExpression = o.expression;
  req.ScheduleExpressionTimezone = o.schedule.timezone ?? 'UTC';
  req.FlexibleTimeWindow = { Mode: 'OFF' };
  req.State = 'ENABLED';
  req.Target = {
    Arn: o.options.stateMachineArn,
    RoleArn: o.options.roleArn,
    // Target input is a JSON string; canonical so the same defaults always read the same.
    Input: canonicalJson(defaultInput(o.ir)),
  };
  return req;
}
