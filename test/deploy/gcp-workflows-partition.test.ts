import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { FakeGoogle, googleClients } from './fake-google.js';

/** A scheduled flow over Workflows' 128 KB source limit as one workflow, so it compiles to a parent and children. */
function bigFlow(): string {
  const pad = 'x'.repeat(900);
  const lines = [
    'flowc: 1',
    'name: nightly',
    'schedule: "0 3 * * *"',
    'defaults:',
    '  image: alpine:3.20',
    'targets:',
    '  gcp-workflows: { schedulerServiceAccount: sched@acme-prod.iam.gserviceaccount.com }',
    'steps:',
  ];
  for (let i = 0; i < 160; i++) lines.push(`  s${i}:`, ...(i > 0 ? [`    needs: [s${i - 1}]`] : []), `    command: [work, ${pad}${i}]`);
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'flowc-gcp-deploy-part-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FLOW = join(dir, 'flow.yaml');
writeFileSync(FLOW, bigFlow());
const BASE = 'projects/acme-prod/locations/us-central1';

let g: FakeGoogle;
let endpoint: string;
beforeEach(async () => {
  g = new FakeGoogle();
  endpoint = await g.server.start();
});
afterEach(async () => g.server.stop());

const run = () => deploy({ flow: FLOW, target: 'gcp-workflows', project: 'acme-prod', location: 'us-central1', clients: { google: googleClients(endpoint) } });
const creates = () => g.requests.filter((r) => r.method === 'POST' && r.path.includes('/workflows?')).map((r) => new URL(r.path, 'http://x').searchParams.get('workflowId'));

describe('flowc deploy --target gcp-workflows, a partitioned flow', () => {
  it('creates every child workflow before the parent, and schedules the parent only', async () => {
    const r = await run();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC688']);
    const children = r.artifacts.filter((a) => !a.primary && a.path.endsWith('.gcp.yaml')).map((a) => a.path.replace(/\.gcp\.yaml$/, ''));
    expect(children.length).toBeGreaterThan(1);
    expect(creates()).toEqual([...children, 'nightly']);
    for (const a of r.artifacts.filter((x) => x.path.endsWith('.gcp.yaml'))) {
      const id = a.path.replace(/\.gcp\.yaml$/, '');
      expect((g.workflows.get(`${BASE}/workflows/${id}`) as { sourceContents: string }).sourceContents).toBe(a.contents);
    }
    expect([...g.jobs.keys()]).toEqual([`${BASE}/jobs/nightly`]);
    expect(g.jobs.get(`${BASE}/jobs/nightly`)).toMatchObject({ httpTarget: { uri: `https://workflowexecutions.googleapis.com/v1/${BASE}/workflows/nightly/executions` } });
    expect(r.deployed).toMatchObject({ workflow: `${BASE}/workflows/nightly`, children: children.join(',') });
  });

  it('stops before the parent when a child cannot be deployed', async () => {
    g.inject.set(`GET /v1/${BASE}/workflows/nightly_part_2`, [{ status: 403, body: { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } } }]);
    const r = await run();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC688', 'FLOWC744']);
    expect(creates()).toEqual(['nightly_part_1']);
    expect(g.jobs.size).toBe(0);
  });
});
