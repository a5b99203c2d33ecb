import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileToIR } from '../../../src/pipeline/compile.js';
import { checkCron } from '../../../src/flow/cron.js';
import { toArgoCron } from '../../../src/targets/argo/cron.js';
import { compileArgo, documents, flow, step } from './helpers.js';
import { parseRobfig, robfigDayMatches } from './robfig-cron.js';
import { ORIGIN } from '../../helpers/ir-builders.js';

/**
 * What a flowc cron means: standard (Vixie) cron, docs/language.md#schedule. Day of week 0-7 with
 * 0 and 7 both Sunday; day of month and day of week combine with AND when either field starts
 * with `*` (Vixie cron entry.c sets DOM_STAR / DOW_STAR from the first character), else with OR.
 */
function vixie(normalized: string) {
  const [minute, hour, dom, month, dow] = normalized.split(' ') as [string, string, string, string, string];
  const set = (field: string, min: number, max: number) => {
    const out = new Set<number>();
    for (const item of field.split(',')) {
      const [range = '', stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      const [a = '', b] = range === '*' ? [String(min), String(max)] : range.split('-');
      const lo = Number(a);
      const hi = b === undefined ? lo : Number(b);
      for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
  };
  const days = new Set([...set(dow, 0, 7)].map((d) => d % 7));
  const doms = set(dom, 1, 31);
  const and = dom.startsWith('*') || dow.startsWith('*');
  return {
    minute: set(minute, 0, 59),
    hour: set(hour, 0, 23),
    month: set(month, 1, 12),
    day: (d: Date) =>
      set(month, 1, 12).has(d.getUTCMonth() + 1) &&
      (and ? doms.has(d.getUTCDate()) && days.has(d.getUTCDay()) : doms.has(d.getUTCDate()) || days.has(d.getUTCDay())),
  };
}

/** Every calendar day of 2027 and 2028: each weekday meets each day of month, a leap day included. */
const DAYS: Date[] = Array.from({ length: 731 }, (_, i) => new Date(Date.UTC(2027, 0, 1 + i)));

/** The flow's cron and Argo's reading of the emitted one fire at the same minutes of the same days. */
function expectSameSchedule(flowCron: string): void {
  const normalized = checkCron(flowCron);
  if (!normalized.ok) throw new Error(normalized.error);
  const argo = toArgoCron(normalized.normalized);
  if (!argo.ok) throw new Error(argo.error);
  const want = vixie(normalized.normalized);
  const got = parseRobfig(argo.cron);
  expect([...got.minute.values].sort()).toEqual([...want.minute].sort());
  expect([...got.hour.values].sort()).toEqual([...want.hour].sort());
  const mismatches = DAYS.filter((d) => robfigDayMatches(got, d) !== want.day(d)).map((d) => d.toISOString().slice(0, 10));
  expect(mismatches, `${flowCron} -> ${argo.cron}`).toEqual([]);
}

describe("Argo's cron dialect (robfig/cron v3)", () => {
  test.each([
    ['0 6 * * 7', '0 6 * * 0'],
    ['0 6 * * SUN', '0 6 * * 0'],
    ['0 6 * * 5-7', '0 6 * * 5-6,0'],
    ['0 6 * * SAT,SUN', '0 6 * * 6,0'],
    ['0 6 * * 1-7/2', '0 6 * * 1-6/2,0'],
    ['0 6 * * 0-7/2', '0 6 * * 0-6/2'],
    ['0 6 * * 6-7', '0 6 * * 6,0'],
    ['0 6 * * 7,1', '0 6 * * 0,1'],
    ['0 6 * * 0-7', '0 6 * * 0-6,0'],
    ['0 6 * * MON-FRI', '0 6 * * 1-5'],
    ['*/15 0-6 1 1,7 *', '*/15 0-6 1 1,7 *'],
    ['0 0 1,15 * 1', '0 0 1,15 * 1'],
    ['0 0 */2 * 0-7', '0 0 */2 * *'],
    ['0 0 1-31 * *', '0 0 1-31 * *'],
    ['0 0 1,* * 1', '0 0 1,1-31 * 1'],
  ])('%s is written %s and fires when the flow says', (flowCron, argoCron) => {
    const n = checkCron(flowCron);
    expect(n.ok).toBe(true);
    expect(toArgoCron((n as { normalized: string }).normalized)).toEqual({ ok: true, cron: argoCron });
    expectSameSchedule(flowCron);
  });

  test('a day-of-month step with a restricted day of week (AND in cron, OR in robfig) is refused', () => {
    const r = toArgoCron('0 0 */2 * 1');
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toContain("runs only on days that match both day of month (*/2) and day of week (1)");
  });

  test('random crons: every accepted one fires on the same days in Argo as the flow says; refusals are the AND-only case', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const item = (min: number, max: number): string => {
      switch (rnd(5)) {
        case 0:
          return '*';
        case 1:
          return `*/${1 + rnd(max - min)}`;
        case 2:
          return String(min + rnd(max - min + 1));
        default: {
          const a = min + rnd(max - min + 1);
          const b = a + rnd(max - a + 1);
          return rnd(2) === 0 ? `${a}-${b}` : `${a}-${b}/${1 + rnd(max - min)}`;
        }
      }
    };
    const field = (min: number, max: number) => Array.from({ length: 1 + rnd(3) }, () => item(min, max)).join(',');
    let checked = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const cron = [field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7)].join(' ');
      const n = checkCron(cron);
      if (!n.ok) continue;
      const argo = toArgoCron(n.normalized);
      if (!argo.ok) {
        const [, , dom, , dow] = n.normalized.split(' ') as string[];
        expect((dom as string).startsWith('*') || (dow as string).startsWith('*')).toBe(true);
        refused++;
        continue;
      }
      expectSameSchedule(cron);
      checked++;
    }
    // The generator must exercise both outcomes, or the test proves little.
    expect(checked).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(5);
  });

  test('a CronWorkflow for a Sunday schedule holds a cron robfig accepts, and FLOWC614 refuses what it cannot say', () => {
    const sunday = compileArgo(flow([step('a')], { schedule: { cron: '30 2 * * 7', timezone: null, origin: ORIGIN } }));
    const cron = documents(sunday.text as string)[1] as Record<string, any>;
    expect(cron.spec.schedules).toEqual(['30 2 * * 0']);
    expect(() => parseRobfig(cron.spec.schedules[0])).not.toThrow();

    const both = compileArgo(flow([step('a')], { schedule: { cron: '0 0 */2 * 1', timezone: null, origin: { ...ORIGIN, line: 4, col: 11 } } }));
    expect(both.text).toBeNull();
    expect(both.diagnostics.items.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([['FLOWC614', 4, 11]]);
  });
});

describe('FLOWC614 from a flow file', () => {
  test('points at the cron text in the flow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-cron-'));
    try {
      writeFileSync(
        join(dir, 'flow.yaml'),
        ['flowc: 1', 'name: odd-mondays', 'schedule: "0 0 */2 * MON"', 'steps:', '  a:', '    image: alpine:3', '    run: echo hi', ''].join('\n'),
      );
      const { ir } = compileToIR({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {} });
      expect(ir).not.toBeNull();
      const { text, diagnostics } = compileArgo(ir as NonNullable<typeof ir>);
      expect(text).toBeNull();
      expect(diagnostics.items.map((d) => [d.code, d.span?.file, d.span?.line, d.span?.col])).toEqual([['FLOWC614', 'flow.yaml', 3, 11]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
