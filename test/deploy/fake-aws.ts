// The SDK's Node 22 notice is not what these tests are about; the CLI silences it the same way.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { awsJsonError, awsRestError, FakeServer, type Recorded, type Reply } from './fake-server.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** The AWS SDK client settings that point every client at the fake, with bounded retries. */
export function awsClients(endpoint: string, maxAttempts = 3): Record<string, unknown> {
  return { endpoint, region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }, maxAttempts };
}

/** The operations that change something in AWS. */
export const AWS_WRITES = ['CreateStateMachine', 'UpdateStateMachine', 'TagResource', 'POST /v1/registerjobdefinition'];

/**
 * Step Functions (JSON 1.0), Batch and EventBridge Scheduler (REST JSON), only the calls
 * `flowc deploy --target stepfunctions` makes, with in-memory state.
 */
export class FakeAws {
  readonly machines = new Map<string, { arn: string; definition: string; roleArn: string; versions: number; tags: { key: string; value: string }[] }>();
  readonly schedules = new Map<string, Record<string, unknown>>();
  /** Replies served before the normal one, per operation (throttling, 5xx, errors). */
  readonly inject = new Map<string, Reply[]>();
  /** CreateStateMachine fails with this reply for these names. */
  readonly refuseCreate = new Map<string, Reply>();
  validation: { result: 'OK' | 'FAIL'; diagnostics: unknown[] } = { result: 'OK', diagnostics: [] };
  readonly server = new FakeServer((r) => this.answer(r));

  get requests(): Recorded[] {
    return this.server.requests;
  }

  ops(): string[] {
    return this.server.ops();
  }

  private answer(r: Recorded): Reply {
    const queued = this.inject.get(r.op);
    if (queued && queued.length > 0) return queued.shift() as Reply;
    const b = (r.body ?? {}) as Record<string, unknown>;
    const json = (body: unknown): Reply => ({ body, headers: { 'content-type': 'application/x-amz-json-1.0' } });
    switch (r.op) {
      case 'ValidateStateMachineDefinition':
        return json(this.validation);
      case 'ListStateMachines':
        return json({ stateMachines: [...this.machines].map(([name, m]) => ({ name, stateMachineArn: m.arn, type: 'STANDARD', creationDate: 1 })) });
      case 'DescribeStateMachine': {
        const m = [...this.machines].find(([, x]) => x.arn === b.stateMachineArn);
        if (!m) return awsJsonError('StateMachineDoesNotExist', 'no such state machine');
        return json({ stateMachineArn: m[1].arn, name: m[0], definition: m[1].definition, roleArn: m[1].roleArn, type: 'STANDARD', creationDate: 1 });
      }
      case 'CreateStateMachine': {
        const name = String(b.name);
        const refused = this.refuseCreate.get(name);
        if (refused) return refused;
        const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
        this.machines.set(name, { arn, definition: String(b.definition), roleArn: String(b.roleArn), versions: 1, tags: (b.tags as never) ?? [] });
        return json({ stateMachineArn: arn, creationDate: 1, stateMachineVersionArn: `${arn}:1` });
      }
      case 'UpdateStateMachine': {
        const m = [...this.machines.values()].find((x) => x.arn === b.stateMachineArn);
        if (!m) return awsJsonError('StateMachineDoesNotExist', 'no such state machine');
        m.definition = String(b.definition);
        m.versions += 1;
        return json({ updateDate: 1, revisionId: `rev-${m.versions}`, stateMachineVersionArn: `${m.arn}:${m.versions}` });
      }
      case 'TagResource': {
        const m = [...this.machines.values()].find((x) => x.arn === b.resourceArn);
        if (m) m.tags = b.tags as never;
        return json({});
      }
      case 'POST /v1/registerjobdefinition':
        return { body: { jobDefinitionName: b.jobDefinitionName, jobDefinitionArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${String(b.jobDefinitionName)}:7`, revision: 7 } };
    }
    const schedule = /^(GET|POST|PUT) \/schedules\/([^/?]+)$/.exec(r.op);
    if (schedule) {
      const name = decodeURIComponent(schedule[2] as string);
      const arn = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name}`;
      if (schedule[1] === 'GET') {
        const s = this.schedules.get(name);
        return s ? { body: { ...s, Name: name, Arn: arn } } : awsRestError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
      }
      if (schedule[1] === 'POST' && this.schedules.has(name)) return awsRestError('ConflictException', 'exists', 409);
      this.schedules.set(name, b);
      return { body: { ScheduleArn: arn } };
    }
    return { status: 404, body: { message: `the fake does not implement ${r.op}` } };
  }
}
