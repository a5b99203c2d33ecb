import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { FakeGoogle, GOOGLE_WRITES, googleClients } from './fake-google.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const SCHEDULED = join(FIXTURES, 'scheduled/flow.yaml');
const LINEAR = join(FIXTURES, 'linear/flow.yaml');
const WF = 'projects/acme-prod/locations/us-central1/workflows/morning-refresh';

let g: FakeGoogle;
let endpoint: string;
beforeEach(async () => {
  g = new FakeGoogle();
  endpoint = await g.server.start();
});
afterEach(async () => g.server.stop());

const gcp = (o: { flow?: string; dryRun?: boolean; project?: string; extra?: Record<string, unknown> } = {}) =>
  deploy({ flow: o.flow ?? SCHEDULED, target: 'gcp-workflows', project: o.project ?? 'acme-prod', location: 'us-central1', dryRun: o.dryRun === true, clients: { google: googleClients(endpoint, o.extra) } });
const ops = () => g.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);

describe('flowc deploy --target gcp-workflows (REST, Cloud Scheduler client with fallback: true)', () => {
  it('creates the workflow with labels, waits for the operation, reports the revision, creates the scheduler job', async () => {
    const r = await gcp();
    expect(r.diagnostics).toEqual([]);
    expect(ops()).toEqual([
      `GET /v1/${WF}`,
      'POST /v1/projects/acme-prod/locations/us-central1/workflows',
      'GET /v1/projects/acme-prod/locations/us-central1/operations/op-1',
      'GET /v1/projects/acme-prod/locations/us-central1/jobs/morning-refresh',
      'POST /v1/projects/acme-prod/locations/us-central1/jobs',
    ]);
    expect(g.requests[0]?.headers.authorization).toBe('Bearer test-token');
    const created = g.workflows.get(WF) as { labels: Record<string, string>; sourceContents: string };
    expect(created.labels).toEqual({ 'flowc-version': '0-1-0', 'flowc-config-hash': (r.configHash as string).slice(0, 63), 'flowc-binding': 'morning-refresh' });
    expect(created.sourceContents).toBe(r.artifacts.find((a) => a.path.endsWith('.gcp.yaml'))?.contents);
    expect(r.deployed).toMatchObject({ revisionId: '000001-abc', workflow: WF });
    // The job points at the workflow where it was deployed, not where the flow's options said.
    expect(g.jobs.get('projects/acme-prod/locations/us-central1/jobs/morning-refresh')).toMatchObject({ schedule: '30 6 * * 1-5', httpTarget: { uri: `https://workflowexecutions.googleapis.com/v1/${WF}/executions` } });
  });

  it('updates an existing workflow with PATCH and an update mask; an unchanged one is left alone', async () => {
    await gcp();
    (g.workflows.get(WF) as Record<string, unknown>).sourceContents = 'main: {}';
    g.requests.length = 0;
    const r = await gcp();
    expect(r.ok).toBe(true);
    expect(g.requests[1]?.method).toBe('PATCH');
    expect(g.requests[1]?.path).toContain('updateMask=sourceContents,labels,description');
    expect(r.deployed?.revisionId).toBe('000002-def');
    expect(ops().at(-1)).toBe('PATCH /v1/projects/acme-prod/locations/us-central1/jobs/morning-refresh');
    g.requests.length = 0;
    const withAccount = await deploy({ flow: SCHEDULED, target: 'gcp-workflows', project: 'acme-prod', location: 'us-central1', serviceAccount: 'runner@acme-prod.iam.gserviceaccount.com', clients: { google: googleClients(endpoint) } });
    expect(withAccount.ok).toBe(true);
    expect(g.requests[1]?.path).toContain('updateMask=sourceContents,labels,description,serviceAccount');
    expect(g.requests[1]?.body).toMatchObject({ serviceAccount: 'runner@acme-prod.iam.gserviceaccount.com' });
    g.requests.length = 0;
    const again = await gcp();
    expect(again.changes[0]?.action).toBe('unchanged');
    expect(ops().filter((o) => GOOGLE_WRITES.test(o) && o.includes('/workflows'))).toEqual([]);
  });

  it('a dry run reads and plans but sends no write', async () => {
    const r = await gcp({ dryRun: true });
    expect(r.ok).toBe(true);
    expect(ops().filter((o) => GOOGLE_WRITES.test(o))).toEqual([]);
    expect(r.changes.map((c) => c.action)).toEqual(['create', 'create']);
  });

  it('throttling (429) and 503 are retried within maxAttempts', async () => {
    const busy = { status: 429, body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } };
    const NR = 'projects/acme-prod/locations/us-central1/workflows/nightly-report';
    g.inject.set(`GET /v1/${NR}`, [busy, { status: 503, body: { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } } }]);
    const r = await gcp({ flow: LINEAR, extra: { maxAttempts: 3 } });
    expect(r.ok).toBe(true);
    expect(ops().filter((o) => o === `GET /v1/${NR}`)).toHaveLength(3);
    g.requests.length = 0;
    g.inject.set(`GET /v1/projects/acme-prod/locations/us-central1/workflows/nightly-report`, [busy, busy, busy, busy]);
    const failed = await gcp({ flow: LINEAR, extra: { maxAttempts: 2 } });
    expect(ops().filter((o) => o.endsWith('/workflows/nightly-report'))).toHaveLength(2);
    expect(failed.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC743', 'workflows.get projects/acme-prod/locations/us-central1/workflows/nightly-report failed: RESOURCE_EXHAUSTED: Quota exceeded']]);
  });

  it('an operation that ends in an error is FLOWC747; a refused permission is FLOWC744 naming the roles', async () => {
    g.operationError = { code: 3, message: 'deployment error: syntax error in main' };
    const r = await gcp({ flow: LINEAR });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC747']);
    expect(r.diagnostics[0]?.message).toContain('deployment error: syntax error in main');
    g.inject.set('GET /v1/projects/acme-prod/locations/us-central1/workflows/nightly-report', [{ status: 403, body: { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } } }]);
    const denied = await gcp({ flow: LINEAR });
    expect(denied.diagnostics.map((d) => d.code)).toEqual(['FLOWC744']);
    expect(denied.diagnostics[0]?.notes?.[0]).toContain('roles/workflows.editor');
  });

  it('needs a project and location (FLOWC741) before any call', async () => {
    const r = await gcp({ flow: LINEAR, project: 'X' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC741']);
    expect(g.requests).toEqual([]);
  });

  it('the Cloud Scheduler client retries 503 on its reads, bounded by maxAttempts', async () => {
    const JOB = 'GET /v1/projects/acme-prod/locations/us-central1/jobs/morning-refresh';
    const unavailable = { status: 503, body: { error: { code: 503, message: 'backend unavailable', status: 'UNAVAILABLE' } } };
    g.inject.set(JOB, [unavailable, unavailable]);
    const r = await gcp({ extra: { maxAttempts: 3 } });
    expect(r.diagnostics).toEqual([]);
    expect(ops().filter((o) => o === JOB)).toHaveLength(3);
    g.requests.length = 0;
    g.inject.set(JOB, Array.from({ length: 5 }, () => unavailable));
    const failed = await gcp({ extra: { maxAttempts: 2 } });
    expect(ops().filter((o) => o === JOB)).toHaveLength(2);
    expect(failed.diagnostics.map((d) => d.code)).toEqual(['FLOWC743']);
    expect(failed.diagnostics[0]?.message).toMatch(/^scheduler\.getJob projects\/acme-prod\/locations\/us-central1\/jobs\/morning-refresh failed: DEADLINE_EXCEEDED: Exceeded maximum number of retries retrying error Error: backend unavailable/);
    expect(failed.diagnostics[0]?.message).not.toContain('\n');
  });
});
