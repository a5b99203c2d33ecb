import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployProject } from '../../src/api/deploy.js';
import { awsClients, FakeAws } from './fake-aws.js';
import { awsJsonError } from './fake-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROLE = 'arn:aws:iam::123456789012:role/flowc-states';
let aws: FakeAws;
let endpoint: string;
let dir: string;

beforeEach(async () => {
  aws = new FakeAws();
  endpoint = await aws.server.start();
  dir = mkdtempSync(join(tmpdir(), 'flowc-deploy-project-'));
  copyFileSync(join(ROOT, 'fixtures/linear/flow.yaml'), join(dir, 'report.flow.yaml'));
  const bindings = ['report-a', 'report-b', 'report-c', 'report-d', 'report-e'].map((n) => `  - name: ${n}\n`).join('');
  writeFileSync(join(dir, 'flowc.yaml'), `flowc: 1\ntargets: [stepfunctions]\nflow: report.flow.yaml\nbindings:\n${bindings}`);
});
afterEach(async () => {
  await aws.server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('build --deploy: every binding, a few at a time', () => {
  it('one failing binding does not stop the others; it is FLOWC746 with the cloud error', async () => {
    aws.refuseCreate.set('report-b', awsJsonError('StateMachineLimitExceeded', 'too many state machines'));
    const seen: string[] = [];
    const out = await deployProject({ cwd: dir, roleArn: ROLE, concurrency: 2, clients: { aws: awsClients(endpoint) }, onResult: (r) => seen.push(`${r.done}/${r.total}`) });
    expect(out.ok).toBe(false);
    expect(out.deploys.map((d) => [d.binding, d.result.ok])).toEqual([
      ['report-a', true],
      ['report-b', false],
      ['report-c', true],
      ['report-d', true],
      ['report-e', true],
    ]);
    expect([...aws.machines.keys()].sort()).toEqual(['report-a', 'report-c', 'report-d', 'report-e']);
    expect(out.deploys[1]?.result.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC743', 'CreateStateMachine report-b failed: StateMachineLimitExceeded: too many state machines']]);
    expect(out.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC746', 'binding report-b failed to deploy to stepfunctions']]);
    expect(seen).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
  });

  it('flowc build --deploy (the bin): credentials and endpoint from the AWS SDK chain, a summary table, exit 1', async () => {
    aws.refuseCreate.set('report-c', awsJsonError('ValidationException', 'bad role'));
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDCHAIN',
      AWS_SECRET_ACCESS_KEY: 'chain-secret',
      AWS_MAX_ATTEMPTS: '2',
    };
    const run = promisify(execFile)(process.execPath, [join(ROOT, 'bin/flowc.js'), 'build', '--deploy', '--role-arn', ROLE, '--deploy-jobs', '3'], { cwd: dir, env, encoding: 'utf8' });
    const failed = await run.then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
    expect(failed?.code).toBe(1);
    const table = failed?.stdout.split('\n').filter((l) => l.startsWith('report-')).map((l) => l.split(/\s{2,}/).slice(0, 3));
    expect(table).toEqual([
      ['report-a', 'stepfunctions', 'ok'],
      ['report-b', 'stepfunctions', 'ok'],
      ['report-c', 'stepfunctions', 'FAILED'],
      ['report-d', 'stepfunctions', 'ok'],
      ['report-e', 'stepfunctions', 'ok'],
    ]);
    expect(failed?.stderr).toContain('error FLOWC743: CreateStateMachine report-c failed: ValidationException: bad role');
    expect(failed?.stderr).toContain('error FLOWC746: binding report-c failed to deploy to stepfunctions');
    expect(failed?.stderr).not.toContain('NodeVersionSupportWarning');
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
    expect(String(aws.requests[0]?.headers.authorization)).toContain('Credential=AKIDCHAIN/');
  });

  it('--dry-run plans every binding and sends no write', async () => {
    const out = await deployProject({ cwd: dir, roleArn: ROLE, dryRun: true, clients: { aws: awsClients(endpoint) } });
    expect(out.ok).toBe(true);
    expect(new Set(aws.ops())).toEqual(new Set(['ValidateStateMachineDefinition', 'ListStateMachines']));
    expect(out.deploys.every((d) => d.result.changes.some((c) => c.action === 'create'))).toBe(true);
  });
});
