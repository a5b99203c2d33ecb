import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { FakeServer, type Recorded, type Reply } from './fake-server.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const SCHEDULED = join(FIXTURES, 'scheduled/flow.yaml');
const GROUP = '/apis/argoproj.io/v1alpha1';

/** A Kubernetes API server that knows two Argo kinds, answers get and server-side apply, and honours dryRun. */
class FakeKube {
  readonly stored = new Map<string, unknown>();
  forbid = false;
  readonly server = new FakeServer((r) => this.answer(r));
  private answer(r: Recorded): Reply {
    const [path, query = ''] = r.path.split('?') as [string, string?];
    if (this.forbid) return { status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'workflowtemplates.argoproj.io is forbidden: User "ci" cannot patch resource' } };
    if (path === GROUP) {
      return { body: { kind: 'APIResourceList', groupVersion: 'argoproj.io/v1alpha1', resources: [
        { name: 'workflowtemplates', singularName: 'workflowtemplate', namespaced: true, kind: 'WorkflowTemplate', verbs: ['get', 'patch'] },
        { name: 'cronworkflows', singularName: 'cronworkflow', namespaced: true, kind: 'CronWorkflow', verbs: ['get', 'patch'] },
      ] } };
    }
    if (r.method === 'GET') return this.stored.has(path) ? { body: this.stored.get(path) } : { status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' } };
    if (r.method === 'PATCH') {
      if (!new URLSearchParams(query).has('dryRun')) this.stored.set(path, r.body);
      return { body: r.body };
    }
    return { status: 405, body: { kind: 'Status', reason: 'MethodNotAllowed', code: 405 } };
  }
}

let kube: FakeKube;
let kc: KubeConfig;
beforeEach(async () => {
  kube = new FakeKube();
  const server = await kube.server.start();
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'ci', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'ci', namespace: 'ml' }, { name: 'other', cluster: 'fake', user: 'ci', namespace: 'other-ns' }],
    currentContext: 'fake',
  });
});
afterEach(async () => kube.server.stop());

const argo = (o: { dryRun?: boolean; namespace?: string; context?: string } = {}) =>
  deploy({ flow: SCHEDULED, target: 'argo', dryRun: o.dryRun === true, ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.context ? { context: o.context } : {}), clients: { kubeConfig: kc } });
const patches = () => kube.server.requests.filter((r) => r.method === 'PATCH');

describe('flowc deploy --target argo (@kubernetes/client-node, server-side apply)', () => {
  it('applies the WorkflowTemplate and CronWorkflow with field manager flowc in the context namespace; then updates', async () => {
    const r = await argo();
    expect(r.diagnostics).toEqual([]);
    expect(patches().map((p) => p.path)).toEqual([
      `${GROUP}/namespaces/ml/workflowtemplates/morning-refresh?fieldManager=flowc&force=true`,
      `${GROUP}/namespaces/ml/cronworkflows/morning-refresh?fieldManager=flowc&force=true`,
    ]);
    expect(patches()[0]?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(patches()[0]?.headers.authorization).toBe('Bearer test-token');
    expect(r.changes.map((c) => `${c.action} ${c.resource}`)).toEqual(['create WorkflowTemplate ml/morning-refresh', 'create CronWorkflow ml/morning-refresh']);
    const again = await argo();
    expect(again.changes.map((c) => c.action)).toEqual(['update', 'update']);
  });

  it('a partitioned flow: every part WorkflowTemplate before the parent that names them, then the CronWorkflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-deploy-argo-'));
    // 30 steps of 40 KB of env each, different in every step: no one run holds them (docs/targets/argo.md#partitioning).
    const steps = Array.from({ length: 30 }, (_, i) => `  s${i}:\n${i ? `    needs: [s${i - 1}]\n` : ''}    command: [run]\n    env: { BIG: "${String(i).padEnd(40_000, 'y')}" }`);
    writeFileSync(join(dir, 'flow.yaml'), `flowc: 1\nname: big\nschedule: { cron: "0 3 * * *" }\ndefaults:\n  image: alpine:3.20\nsteps:\n${steps.join('\n')}\n`);
    const r = await deploy({ flow: join(dir, 'flow.yaml'), target: 'argo', clients: { kubeConfig: kc } });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const applied = patches().map((p) => /\/(workflowtemplates|cronworkflows)\/([a-z0-9-]+)\?/.exec(p.path)?.slice(1).join(' '));
    expect(applied.length).toBeGreaterThan(3);
    expect(applied.slice(0, -2).every((a, i) => a === `workflowtemplates big-part-${i + 1}`)).toBe(true);
    expect(applied.slice(-2)).toEqual(['workflowtemplates big', 'cronworkflows big']);
  });

  it('--dry-run is the API server dry run: dryRun=All on every apply, nothing stored', async () => {
    const r = await argo({ dryRun: true, namespace: 'team-a' });
    expect(r.ok).toBe(true);
    expect(patches().map((p) => new URL(p.path, 'http://x').searchParams.get('dryRun'))).toEqual(['All', 'All']);
    expect(patches()[0]?.path).toContain('/namespaces/team-a/');
    expect(kube.stored.size).toBe(0);
  });

  it('--context picks the kubeconfig context (its namespace); an unknown one is FLOWC741', async () => {
    await argo({ context: 'other' });
    expect(patches()[0]?.path).toContain('/namespaces/other-ns/');
    const r = await argo({ context: 'nope' });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC741', '--context nope is not a context of the kubeconfig']]);
  });

  it('RBAC refusal is FLOWC744 with the Kubernetes reason and the verbs needed', async () => {
    kube.forbid = true;
    const r = await argo();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC744']);
    expect(r.diagnostics[0]?.message).toContain('Forbidden: workflowtemplates.argoproj.io is forbidden');
    expect(r.diagnostics[0]?.notes?.[0]).toContain('get and patch on workflowtemplates and cronworkflows');
  });
});
