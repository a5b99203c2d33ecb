import { FakeServer, type Recorded, type Reply } from './fake-server.js';

/** Stands in for Application Default Credentials: signs every request with a fixed token. */
export const fakeAuthClient = {
  universeDomain: 'googleapis.com',
  getRequestHeaders: async () => new Headers({ authorization: 'Bearer test-token' }),
  // google-gax's REST transport sends through the auth client's fetch (google-auth-library 10).
  fetch: async (input: string | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', 'Bearer test-token');
    return fetch(input, { ...init, headers });
  },
};

/** The Google client options that send both APIs to the fake over REST, with quick polling. */
export function googleClients(endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const url = new URL(endpoint);
  return { fallback: true, protocol: 'http', apiEndpoint: url.hostname, port: Number(url.port), authClient: fakeAuthClient, operationPollMs: 1, retryDelayMs: 1, ...extra };
}

export const GOOGLE_WRITES = /^(POST|PATCH|DELETE) /;

/** The Workflows (REST v1) and Cloud Scheduler (REST v1) calls flowc makes, with in-memory state. */
export class FakeGoogle {
  readonly workflows = new Map<string, Record<string, unknown>>();
  readonly jobs = new Map<string, Record<string, unknown>>();
  readonly inject = new Map<string, Reply[]>();
  /** How many polls an operation takes before it is done. */
  pollsUntilDone = 1;
  operationError: { code: number; message: string } | undefined;
  private ops = new Map<string, { polls: number; response: Record<string, unknown> }>();
  private revision = 0;
  readonly server = new FakeServer((r) => this.answer(r));

  get requests(): Recorded[] {
    return this.server.requests;
  }

  private answer(r: Recorded): Reply {
    const key = `${r.method} ${r.path.split('?')[0]}`;
    const queued = this.inject.get(key);
    if (queued && queued.length > 0) return queued.shift() as Reply;
    const path = (r.path.split('?')[0] as string).replace(/^\/v1\//, '');
    const query = new URL(r.path, 'http://x').searchParams;
    const body = (r.body ?? {}) as Record<string, unknown>;
    const notFound = (what: string): Reply => ({ status: 404, body: { error: { code: 404, message: `${what} not found`, status: 'NOT_FOUND' } } });
    if (/\/operations\//.test(path) && r.method === 'GET') {
      const op = this.ops.get(path);
      if (!op) return notFound(path);
      op.polls++;
      if (op.polls < this.pollsUntilDone) return { body: { name: path, done: false } };
      if (this.operationError) return { body: { name: path, done: true, error: this.operationError } };
      return { body: { name: path, done: true, response: op.response } };
    }
    if (/\/workflows(\/[^/]+)?$/.test(path)) {
      const operation = (response: Record<string, unknown>): Reply => {
        const name = `${path.split('/workflows')[0]}/operations/op-${this.ops.size + 1}`;
        this.ops.set(name, { polls: 0, response });
        return { body: { name, done: false } };
      };
      if (r.method === 'GET') {
        const w = this.workflows.get(path);
        return w ? { body: w } : notFound(path);
      }
      if (r.method === 'POST') {
        const name = `${path}/${query.get('workflowId')}`;
        const w = { ...body, name, revisionId: `00000${++this.revision}-abc` };
        this.workflows.set(name, w);
        return operation({ '@type': 'type.googleapis.com/google.cloud.workflows.v1.Workflow', ...w });
      }
      if (r.method === 'PATCH') {
        const w = { ...(this.workflows.get(path) ?? {}), ...body, name: path, revisionId: `00000${++this.revision}-def` };
        this.workflows.set(path, w);
        return operation({ '@type': 'type.googleapis.com/google.cloud.workflows.v1.Workflow', ...w });
      }
    }
    if (/\/jobs(\/[^/]+)?$/.test(path)) {
      if (r.method === 'GET') {
        const j = this.jobs.get(path);
        return j ? { body: j } : notFound(path);
      }
      if (r.method === 'POST') {
        this.jobs.set(String(body.name), body);
        return { body };
      }
      if (r.method === 'PATCH') {
        this.jobs.set(path, body);
        return { body };
      }
    }
    return { status: 404, body: { error: { code: 404, message: `the fake does not implement ${key}`, status: 'NOT_FOUND' } } };
  }
}
