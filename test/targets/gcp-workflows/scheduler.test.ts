import { describe, expect, it } from 'vitest';
import { compile, execute, makeIR, param, step, succeeded } from './helpers.js';

const SCHEDULE = { cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam', origin: { file: 'flow.yaml', line: 4, col: 11 } };

describe('the Cloud Scheduler job', () => {
  const ir = makeIR([step('a', { exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'go' }], [{ kind: 'param', name: 'mode' }], [{ kind: 'param', name: 'n' }]] } })], {
    schedule: SCHEDULE,
    parameters: [param({ name: 'mode', default: 'full "${x}"' }), param({ name: 'n', type: 'integer', default: 3 })],
    targets: {
      'gcp-workflows': { project: 'my-project', region: 'us-central1', serviceAccount: 'runner@my-project.iam.gserviceaccount.com', schedulerServiceAccount: 'starter@my-project.iam.gserviceaccount.com' },
    },
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
    // The identity that starts executions, not the Batch VMs' (serviceAccount).
    expect(job.httpTarget.oauthToken).toEqual({ serviceAccountEmail: 'starter@my-project.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/cloud-platform' });
  });

  it('sends no argument, and the workflow applies the defaults itself (a changed default is not pinned)', async () => {
    const body = JSON.parse(Buffer.from(job.httpTarget.body, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(body).toEqual({});
    // An execution created without an argument gets args == null.
    const e = await execute(compile(ir).yaml, null);
    expect(succeeded(e)[0]?.commands).toEqual(['full "${x}"', '3']);
  });

  it('uses UTC when the flow gives no timezone', () => {
    const utc = compile({ ...ir, schedule: { ...SCHEDULE, timezone: null } });
    expect(JSON.parse(utc.artifacts[1]?.contents ?? '{}').timeZone).toBe('Etc/UTC');
  });
});
