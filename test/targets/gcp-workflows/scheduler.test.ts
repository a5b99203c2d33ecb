import { describe, expect, it } from 'vitest';
import { compile, execute, makeIR, param, step, succeeded } from './helpers.js';

const SCHEDULE = { cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam', origin: { file: 'flow.yaml', line: 4, col: 11 } };

describe('the Cloud Scheduler job', () => {
  const ir = makeIR([step('a', { exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'go' }], [{ kind: 'param', name: 'mode' }], [{ kind: 'param', name: 'n' }]] } })], {
    schedule: SCHEDULE,
    parameters: [param({ name: 'mode', default: 'full "${x}"' }), param({ name: 'n', type: 'integer', default: 3 })],
  });
  const { artifacts, diagnostics } = compile(ir);
  const file = artifacts.find((a) => a.path === 'demo.scheduler.json');
  const job = JSON.parse(file?.contents ?? '{}') as {
    name: string;
    schedule: string;
    timeZone: string;
    httpTarget: { uri: string; httpMethod: string; headers: Record<string, string>; body: string; oauthToken: { serviceAccountEmail: string; scope: string } };
  };

  it('is written next to the definition, without diagnostics', () => {
    expect(diagnostics.items).toEqual([]);
    expect(artifacts.map((a) => [a.path, a.primary === true])).toEqual([
      ['demo.gcp.yaml', true],
      ['demo.scheduler.json', false],
    ]);
  });

  it('fires on the cron in its timezone and starts an execution of the workflow', () => {
    expect(job.name).toBe('projects/my-project/locations/us-central1/jobs/demo');
    expect(job.schedule).toBe('30 6 * * 1-5');
    expect(job.timeZone).toBe('Europe/Amsterdam');
    expect(job.httpTarget.uri).toBe('https://workflowexecutions.googleapis.com/v1/projects/my-project/locations/us-central1/workflows/demo/executions');
    expect(job.httpTarget.httpMethod).toBe('POST');
    expect(job.httpTarget.oauthToken).toEqual({ serviceAccountEmail: 'runner@my-project.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/cloud-platform' });
  });

  it('sends the default argument, which the workflow runs with unchanged', async () => {
    const body = JSON.parse(Buffer.from(job.httpTarget.body, 'base64').toString('utf8')) as { argument: string };
    const argument = JSON.parse(body.argument) as Record<string, unknown>;
    expect(argument).toEqual({ mode: 'full "${x}"', n: 3 });
    const e = await execute(compile(ir).yaml, argument as never);
    expect(succeeded(e)[0]?.commands).toEqual(['full "${x}"', '3']);
  });

  it('uses UTC when the flow gives no timezone', () => {
    const utc = compile({ ...ir, schedule: { ...SCHEDULE, timezone: null } });
    expect(JSON.parse(utc.artifacts[1]?.contents ?? '{}').timeZone).toBe('Etc/UTC');
  });
});
