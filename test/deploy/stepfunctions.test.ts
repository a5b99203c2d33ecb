import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { AWS_WRITES, awsClients, FakeAws } from './fake-aws.js';
import { awsJsonError } from './fake-server.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const SCHEDULED = join(FIXTURES, 'scheduled/flow.yaml');
const LINEAR = join(FIXTURES, 'linear/flow.yaml');
const ROLE = 'arn:aws:iam::123456789012:role/flowc-states';

let aws: FakeAws;
let endpoint: string;
beforeEach(async () => {
  aws = new FakeAws();
  endpoint = await aws.server.start();
});
afterEach(async () => aws.server.stop());

const sfn = (o: { flow?: string; dryRun?: boolean; roleArn?: string; validate?: boolean; maxAttempts?: number } = {}) =>
  deploy({
    flow: o.flow ?? SCHEDULED,
    target: 'sfn',
    ...(o.roleArn !== undefined ? { roleArn: o.roleArn } : {}),
    dryRun: o.dryRun === true,
    validate: o.validate !== false,
    clients: { aws: awsClients(endpoint, o.maxAttempts) },
  });

describe('flowc deploy --target stepfunctions (real AWS SDK clients, local endpoint)', () => {
  it('creates the state machine: validates, registers job definitions, publishes a tagged version, creates the schedule', async () => {
    const r = await sfn({ roleArn: ROLE });
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
    expect(aws.ops()).toEqual(['ValidateStateMachineDefinition', 'ListStateMachines', 'POST /v1/registerjobdefinition', 'CreateStateMachine', 'GET /schedules/morning-refresh', 'POST /schedules/morning-refresh']);
    const create = aws.requests.find((q) => q.op === 'CreateStateMachine')?.body as Record<string, unknown>;
    expect(create).toMatchObject({ name: 'morning-refresh', roleArn: ROLE, type: 'STANDARD', publish: true, versionDescription: `flowc 0.1.0 config sha256 ${r.configHash}` });
    expect(create.tags).toEqual([
      { key: 'flowc:version', value: '0.1.0' },
      { key: 'flowc:config-hash', value: r.configHash },
      { key: 'flowc:binding', value: 'morning-refresh' },
    ]);
    // The request carries the signature of the static test credentials: the real signer ran.
    expect(String(aws.requests[0]?.headers.authorization)).toContain('Credential=AKIDTEST/');
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:morning-refresh';
    // The schedule targets the state machine the deploy created.
    expect(aws.schedules.get('morning-refresh')).toMatchObject({ ScheduleExpression: 'cron(30 6 ? * MON-FRI *)', Target: { Arn: arn, RoleArn: 'arn:aws:iam::123456789012:role/flowc-scheduler' } });
    expect(r.deployed).toMatchObject({ stateMachineArn: arn, versionArn: `${arn}:1` });
    expect(r.changes.map((c) => c.action)).toEqual(['validate', 'register', 'create', 'publish', 'create']);
  });

  it('updates a state machine found by name, publishes a new version and tags it; an unchanged one is left alone', async () => {
    await sfn({ roleArn: ROLE });
    aws.machines.get('morning-refresh')!.definition = '{"StartAt":"old"}';
    aws.server.requests.length = 0;
    const r = await sfn();
    expect(r.ok).toBe(true);
    expect(aws.ops()).toEqual(['ValidateStateMachineDefinition', 'ListStateMachines', 'POST /v1/registerjobdefinition', 'DescribeStateMachine', 'UpdateStateMachine', 'TagResource', 'GET /schedules/morning-refresh', 'PUT /schedules/morning-refresh']);
    expect(aws.requests.find((q) => q.op === 'UpdateStateMachine')?.body).toMatchObject({ publish: true, versionDescription: `flowc 0.1.0 config sha256 ${r.configHash}` });
    expect(r.deployed?.versionArn).toMatch(/:2$/);

    aws.server.requests.length = 0;
    const again = await sfn();
    expect(again.changes.find((c) => c.action === 'unchanged')).toBeDefined();
    expect(aws.ops()).not.toContain('UpdateStateMachine');
  });

  it('shows a definition the service rejects as FLOWC742 and writes nothing', async () => {
    aws.validation = { result: 'FAIL', diagnostics: [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'These fields are required: [Type]', location: '/States/refresh' }] };
    const r = await sfn({ roleArn: ROLE });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC742']);
    expect(r.diagnostics[0]?.message).toContain('SCHEMA_VALIDATION_FAILED: These fields are required: [Type] (at /States/refresh)');
    expect(aws.ops()).toEqual(['ValidateStateMachineDefinition']);
  });

  it('--no-validate skips ValidateStateMachineDefinition', async () => {
    const r = await sfn({ roleArn: ROLE, validate: false });
    expect(r.ok).toBe(true);
    expect(aws.ops()).not.toContain('ValidateStateMachineDefinition');
  });

  it('a dry run reads (so the plan says create or update) and sends no write', async () => {
    const r = await sfn({ roleArn: ROLE, dryRun: true });
    expect(r.ok).toBe(true);
    expect(aws.ops().filter((op) => AWS_WRITES.includes(op) || op.startsWith('POST /schedules') || op.startsWith('PUT /schedules'))).toEqual([]);
    expect(r.changes.map((c) => `${c.action} ${c.resource}`)).toEqual(['validate morning-refresh.asl.json', 'register job definition morning-refresh', 'create state machine morning-refresh', expect.stringMatching(/^create schedule default\/morning-refresh$/)]);
    expect(aws.machines.size).toBe(0);
  });

  it('throttling and 5xx answers are retried by the SDK, within maxAttempts', async () => {
    aws.inject.set('ListStateMachines', [awsJsonError('ThrottlingException', 'Rate exceeded'), { status: 503, body: { message: 'unavailable' } }]);
    const r = await sfn({ roleArn: ROLE, maxAttempts: 3 });
    expect(r.ok).toBe(true);
    expect(aws.ops().filter((op) => op === 'ListStateMachines')).toHaveLength(3);
  });

  it('a call that keeps failing stops after maxAttempts with FLOWC743, the API error code and a hint; no stack trace', async () => {
    aws.inject.set('ListStateMachines', Array.from({ length: 5 }, () => awsJsonError('ThrottlingException', 'Rate exceeded')));
    const r = await sfn({ roleArn: ROLE, maxAttempts: 2 });
    expect(r.ok).toBe(false);
    expect(aws.ops().filter((op) => op === 'ListStateMachines')).toHaveLength(2);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC743']);
    expect(r.diagnostics[0]?.message).toBe('ListStateMachines failed: ThrottlingException: Rate exceeded');
    expect(r.diagnostics[0]?.notes?.join('\n')).toContain('--region');
    expect(JSON.stringify(r.diagnostics)).not.toMatch(/\n\s+at /);
  });

  it('rejected credentials are FLOWC744 with the permissions the call needs', async () => {
    aws.inject.set('ValidateStateMachineDefinition', [awsJsonError('UnrecognizedClientException', 'The security token included in the request is invalid.')]);
    const r = await sfn({ roleArn: ROLE });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC744']);
    expect(r.diagnostics[0]?.notes?.[0]).toContain('states:ValidateStateMachineDefinition');
  });

  it('creating a state machine needs --role-arn (FLOWC741), asked before any write', async () => {
    const r = await sfn({ flow: LINEAR });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC741']);
    expect(r.diagnostics[0]?.message).toContain('state machine nightly-report does not exist yet');
    expect(aws.ops().filter((op) => AWS_WRITES.includes(op))).toEqual([]);
  });

  it('compile errors come back as diagnostics and nothing is called', async () => {
    const r = await deploy({ flow: join(FIXTURES, 'linear/missing.flow.yaml'), target: 'sfn', clients: { aws: awsClients(endpoint) } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.code).toBe('FLOWC001');
    expect(aws.requests).toEqual([]);
  });

  it('no region anywhere is FLOWC741 naming --region, before anything is sent', async () => {
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION, p: process.env.AWS_PROFILE, c: process.env.AWS_CONFIG_FILE };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_PROFILE = 'flowc-test-none';
    process.env.AWS_CONFIG_FILE = join(FIXTURES, 'no-such-aws-config');
    try {
      const { region: _region, ...noRegion } = awsClients(endpoint);
      const r = await deploy({ flow: LINEAR, target: 'sfn', roleArn: ROLE, clients: { aws: noRegion } });
      expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC741', 'ValidateStateMachineDefinition needs an AWS region, and none is set']]);
      expect(aws.requests).toEqual([]);
    } finally {
      for (const [k, v] of [['AWS_REGION', saved.r], ['AWS_DEFAULT_REGION', saved.d], ['AWS_PROFILE', saved.p], ['AWS_CONFIG_FILE', saved.c]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
