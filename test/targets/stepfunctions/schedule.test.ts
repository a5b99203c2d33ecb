import { describe, expect, it } from 'vitest';
import { toAwsCron } from '../../../src/targets/stepfunctions/schedule.js';
import { compile, makeIR, param, step } from './helpers.js';

describe('toAwsCron', () => {
  it.each([
    ['0 3 * * *', 'cron(0 3 * * ? *)'],
    ['30 6 * * 1-5', 'cron(30 6 ? * MON-FRI *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['0 */2 * * *', 'cron(0 0/2 * * ? *)'],
    ['0 0 */2 * *', 'cron(0 0 1/2 * ? *)'],
    ['0 0 1 */3 *', 'cron(0 0 1 1/3 ? *)'],
    ['0 0 1,15 * *', 'cron(0 0 1,15 * ? *)'],
    ['0 9-17/2 * * *', 'cron(0 9,11,13,15,17 * * ? *)'],
    ['0 0 * * 0', 'cron(0 0 ? * SUN *)'],
    ['0 0 * * 7', 'cron(0 0 ? * SUN *)'],
    ['0 0 * * 0,6', 'cron(0 0 ? * SUN,SAT *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * SUN,FRI,SAT *)'],
    ['0 0 * * 1,2,3', 'cron(0 0 ? * MON-WED *)'],
    ['0 0 * * */2', 'cron(0 0 ? * SUN,TUE,THU,SAT *)'],
    ['0 0 * 6-8 1', 'cron(0 0 ? 6-8 MON *)'],
  ])('%s becomes %s', (cron, aws) => {
    expect(toAwsCron(cron)).toEqual({ ok: true, expression: aws });
  });

  it('refuses a schedule that restricts both day of month and day of week', () => {
    const r = toAwsCron('0 0 1 * 1');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain("restricts both day of month (1) and day of week (1)");
  });
});

describe('the schedule file', () => {
  const options = { jobQueue: 'q', jobDefinition: 'jd', region: 'eu-west-1', account: '123456789012', scheduleRoleArn: 'arn:aws:iam::123456789012:role/flowc-scheduler' };
  const scheduled = (over: Record<string, unknown> = {}, timezone: string | null = 'Europe/Amsterdam') =>
    makeIR([step('a')], {
      parameters: [param({ name: 'full', type: 'boolean', default: false }), param({ name: 'tag', default: "it's \"v1\"" })],
      schedule: { cron: '30 6 * * 1-5', timezone, origin: { file: 'flow.yaml', line: 7, col: 11 } },
      targets: { stepfunctions: { ...options, ...over } },
    });

  it('is an EventBridge Scheduler CreateSchedule request starting the state machine with the default input', () => {
    const ir = scheduled();
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(c.artifacts.map((a) => a.path)).toEqual(['demo.asl.json', 'demo.schedule.json', 'demo.batch.json']);
    expect(c.artifacts[0]?.primary).toBe(true);
    expect(JSON.parse(c.artifacts[1]?.contents ?? '')).toEqual({
      Name: 'demo',
      Description: `Starts the demo state machine (flowc 0.1.0, config sha256 ${ir.config.hash})`,
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:demo',
        RoleArn: 'arn:aws:iam::123456789012:role/flowc-scheduler',
        Input: '{"full":false,"tag":"it\'s \\"v1\\""}',
      },
    });
  });

  it('takes an explicit state machine ARN and group, and UTC when no timezone is given', () => {
    const arn = 'arn:aws:states:us-east-1:999999999999:stateMachine:other';
    const c = compile(scheduled({ stateMachineArn: arn, scheduleGroup: 'ml' }, null));
    const req = JSON.parse(c.artifacts[1]?.contents ?? '');
    expect(Object.keys(req)).toEqual(['Name', 'GroupName', 'Description', 'ScheduleExpression', 'ScheduleExpressionTimezone', 'FlexibleTimeWindow', 'State', 'Target']);
    expect([req.GroupName, req.Target.Arn, req.ScheduleExpressionTimezone]).toEqual(['ml', arn, 'UTC']);
  });

  it('is left out, with FLOWC623, when the state machine or the role is unknown', () => {
    const c = compile(makeIR([step('a')], { schedule: { cron: '0 3 * * *', timezone: null, origin: { file: 'flow.yaml', line: 4, col: 11 } } }));
    expect(c.artifacts.map((a) => a.path)).toEqual(['demo.asl.json', 'demo.batch.json']);
    expect(c.diagnostics.items.map((d) => [d.code, d.severity, d.span?.line])).toEqual([['FLOWC623', 'warning', 4]]);
    expect(c.diagnostics.items[0]?.message).toContain('set targets.stepfunctions.stateMachineArn (or region and account) and scheduleRoleArn');
  });

  it('refuses a cron restricting both day fields (FLOWC622)', () => {
    const ir = scheduled();
    ir.schedule = { cron: '0 0 13 * 5', timezone: null, origin: { file: 'flow.yaml', line: 7, col: 11 } };
    const c = compile(ir);
    expect(c.artifacts).toEqual([]);
    expect(c.diagnostics.items.map((d) => [d.code, d.span?.line])).toEqual([['FLOWC622', 7]]);
  });
});
