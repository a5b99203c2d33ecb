import { parseAllDocuments } from 'yaml';
import type { CompileRequest } from '../pipeline/compile.js';
import { deployDiagnostic } from './cloud-errors.js';
import { artifactEnding, compileForDeploy } from './prepare.js';
import { DeployRun, DeployStop } from './run.js';
import type { DeployResult, DeploySettings } from './types.js';

const RBAC = 'get and patch on workflowtemplates and cronworkflows (argoproj.io) in the namespace';
/** Kubernetes names a namespace with a DNS-1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** A Kubernetes API error as `cloudDiagnostic` reads it: the Status `reason` as the code. */
class KubeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function kubeError(e: unknown): unknown {
  const err = e as { code?: unknown; body?: unknown };
  if (typeof err?.code !== 'number') return e;
  let status: { reason?: string; message?: string } = {};
  try {
    status = typeof err.body === 'string' ? JSON.parse(err.body) : ((err.body ?? {}) as typeof status);
  } catch {
    /* a non-JSON body: keep the HTTP status */
  }
  return new KubeError(status.reason ?? `HTTP ${err.code}`, status.message ?? `HTTP ${err.code}`);
}

/**
 * `flowc deploy --target argo`: server-side apply (field manager `flowc`) of the WorkflowTemplate
 * and, when scheduled, the CronWorkflow, to the cluster of the kubeconfig (`--context`). A dry run
 * is the API server's own (`dryRun=All`): admission and validation run, nothing is stored.
 * Objects are applied in the file's order: a partitioned flow's part WorkflowTemplates come before
 * the parent that creates Workflows from them (docs/targets/argo.md#partitioning), so a parent
 * run never names a part that is not there yet.
 */
export async function deployArgo(req: CompileRequest, s: DeploySettings): Promise<DeployResult> {
  const prepared = compileForDeploy({ ...req, target: 'argo' });
  const run = new DeployRun(s.dryRun === true);
  const ir = prepared.ir;
  const base = { target: 'argo', name: s.name ?? ir?.flow.name ?? '', artifacts: prepared.artifacts, sources: prepared.sources, diagnostics: prepared.diagnostics };
  const stream = artifactEnding(prepared.artifacts, '.argo.yaml');
  if (!ir || !stream) return run.result(base);
  const done = () => run.result({ ...base, configHash: ir.config.hash });
  if (s.namespace !== undefined && !NAMESPACE.test(s.namespace)) {
    run.diagnostics.push(deployDiagnostic('FLOWC741', `--namespace ${s.namespace} is not a Kubernetes namespace name (DNS-1123 label)`));
    return done();
  }
  const objects = parseAllDocuments(stream.contents).map((d) => d.toJS() as K8sObject);
  const k8s = await import('@kubernetes/client-node');
  const kc = (s.clients?.kubeConfig as InstanceType<typeof k8s.KubeConfig> | undefined) ?? new k8s.KubeConfig();
  try {
    if (!s.clients?.kubeConfig) await run.call('reading the kubeconfig', async () => kc.loadFromDefault(), { hint: 'flowc reads KUBECONFIG or ~/.kube/config, as kubectl does' });
    if (s.context !== undefined) {
      if (!kc.getContextObject(s.context)) {
        run.diagnostics.push(deployDiagnostic('FLOWC741', `--context ${s.context} is not a context of the kubeconfig`, [`contexts: ${kc.getContexts().map((c) => c.name).join(', ') || '(none)'}`]));
        return done();
      }
      kc.setCurrentContext(s.context);
    }
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const object of objects) {
      object.metadata.namespace = s.namespace ?? object.metadata.namespace ?? contextNamespace ?? 'default';
      const label = `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
      const call = <T>(doing: string, f: () => Promise<T>) =>
        run.call(doing, async () => {
          try {
            return await f();
          } catch (e) {
            throw kubeError(e);
          }
        }, { permission: `RBAC ${RBAC}`, hint: 'the cluster and credentials come from the kubeconfig (--context picks one)' });
      const exists = await call(`reading ${label}`, async () => {
        try {
          await client.read({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata.namespace as string } });
          return true;
        } catch (e) {
          if ((e as { code?: unknown }).code === 404) return false;
          throw e;
        }
      });
      await call(`applying ${label}`, () => client.patch(object, undefined, run.dryRun ? 'All' : undefined, 'flowc', true, k8s.PatchStrategy.ServerSideApply));
      run.change({ action: exists ? 'update' : 'create', resource: label, detail: run.dryRun ? 'server-side apply, server dry run' : 'server-side apply, field manager flowc' });
    }
  } catch (e) {
    if (!(e instanceof DeployStop)) throw e;
    run.diagnostics.push(e.diagnostic);
  }
  return done();
}
