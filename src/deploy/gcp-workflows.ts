import type { CompileRequest } from '../pipeline/compile.js';
import type { Json } from '../source/tree.js';
import { workflowId } from '../targets/gcp-workflows/names.js';
import { FLOWC_VERSION } from '../version.js';
import { deployDiagnostic } from './cloud-errors.js';
import { GoogleRest, type RequestSigner, waitForOperation } from './google-rest.js';
import { artifactEnding, compileForDeploy } from './prepare.js';
import { DeployRun, DeployStop } from './run.js';
import type { DeployResult, DeploySettings } from './types.js';

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const LOCATION = /^[a-z]+-[a-z]+[0-9]+$/;
const WORKFLOW_ROLES = 'roles/workflows.editor and roles/iam.serviceAccountUser on the workflow\'s service account';
const SCHEDULER_ROLES = 'roles/cloudscheduler.admin and roles/iam.serviceAccountUser on the scheduler\'s service account';

/** A label value: lowercase letters, digits, `_` and `-`, at most 63 (https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows). */
const labelValue = (v: string) => v.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);

interface Workflow {
  name?: string;
  sourceContents?: string;
  labels?: Record<string, string>;
  serviceAccount?: string;
  description?: string;
  revisionId?: string;
}

/**
 * `flowc deploy --target gcp-workflows`: creates or updates the workflow (source, labels with the
 * config hash, service account), waits for the long-running operation and reports the revision;
 * a partitioned flow's child workflows first, in the same way, then its parent;
 * then creates or updates the Cloud Scheduler job (`@google-cloud/scheduler`) when scheduled.
 * Credentials: Application Default Credentials, through the scheduler client's GoogleAuth.
 */
export async function deployGcpWorkflows(req: CompileRequest, s: DeploySettings): Promise<DeployResult> {
  let project = s.project;
  let location = s.location;
  const prepared = compileForDeploy({
    ...req,
    target: 'gcp-workflows',
    adjust: (options) => {
      project ??= typeof options.project === 'string' ? options.project : undefined;
      location ??= typeof options.region === 'string' ? options.region : undefined;
      const out: Record<string, Json> = { ...options };
      // The Batch jobs run where the workflow runs unless the flow says otherwise.
      // (Only well-formed values: the target trusts its options to have passed their schema.)
      if (project !== undefined && PROJECT.test(project) && out.project === undefined) out.project = project;
      if (location !== undefined && LOCATION.test(location) && out.region === undefined) out.region = location;
      return out;
    },
  });
  const run = new DeployRun(s.dryRun === true);
  const ir = prepared.ir;
  const id = s.name ?? (ir ? workflowId(ir.flow.name) : '');
  const base = { target: 'gcp-workflows', name: id, artifacts: prepared.artifacts, sources: prepared.sources, diagnostics: prepared.diagnostics };
  // The primary file is the workflow the flow deploys as (a partitioned flow's parent).
  const source = prepared.artifacts.find((a) => a.primary === true && a.path.endsWith('.gcp.yaml')) ?? artifactEnding(prepared.artifacts, '.gcp.yaml');
  if (!ir || !source) return run.result(base);
  const done = () => run.result({ ...base, configHash: ir.config.hash });
  const problems = [
    project === undefined || !PROJECT.test(project) ? `--project ${project ?? '(none)'}: a Google Cloud project id` : null,
    location === undefined || !LOCATION.test(location) ? `--location ${location ?? '(none)'}: a region such as europe-west4` : null,
  ].filter((x) => x !== null);
  if (problems.length > 0) {
    run.diagnostics.push(deployDiagnostic('FLOWC741', `deploying to Google Cloud Workflows needs ${problems.join('; ')}`, ['or set targets.gcp-workflows.project and region in the flow']));
    return done();
  }
  const parent = `projects/${project}/locations/${location}`;
  const name = `${parent}/workflows/${id}`;
  const labels = { 'flowc-version': labelValue(FLOWC_VERSION), 'flowc-config-hash': labelValue(ir.config.hash), 'flowc-binding': labelValue(ir.flow.name) };
  const serviceAccount = s.serviceAccount;
  const wantedBase: Workflow = { labels, description: `flowc ${FLOWC_VERSION} config sha256 ${ir.config.hash}`, ...(serviceAccount ? { serviceAccount } : {}) };

  const { CloudSchedulerClient } = await import('@google-cloud/scheduler');
  const google = s.clients?.google ?? {};
  // REST, not gRPC: one transport everywhere (proxies, local test servers), and the same ADC.
  const scheduler = new CloudSchedulerClient({ fallback: true, ...google } as never);
  const endpoint = typeof google.apiEndpoint === 'string' ? `${google.protocol === 'http' ? 'http' : 'https'}://${google.apiEndpoint}${google.port !== undefined ? `:${String(google.port)}` : ''}` : 'https://workflows.googleapis.com';
  const adcHint = 'credentials come from Application Default Credentials: gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS';
  try {
    const signer = await run.call('Google authentication', async () => {
      // GoogleAuth (ADC) has getClient(); an `authClient` given in the options signs by itself.
      const auth = scheduler.auth as unknown as { getClient?: () => Promise<unknown> } & RequestSigner;
      return (typeof auth.getClient === 'function' ? await auth.getClient() : auth) as RequestSigner;
    }, { hint: adcHint });
    const maxAttempts = typeof google.maxAttempts === 'number' ? google.maxAttempts : 3;
    const baseDelayMs = typeof google.retryDelayMs === 'number' ? google.retryDelayMs : 500;
    const rest = new GoogleRest({ base: endpoint, signer, maxAttempts, baseDelayMs });
    // The scheduler client retries reads on UNAVAILABLE for up to ten minutes by default; bound it
    // (gax counts every attempt against maxRetries)
    // by attempts like every other call (4 DEADLINE_EXCEEDED, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE).
    /**
     * Creates or updates one workflow and waits for its operation: its revision, undefined when the
     * revision is unknown (a dry run, an answer without one), null after a FLOWC747 (stop there).
     */
    const upsertWorkflow = async (name: string, id: string, sourceContents: string): Promise<string | undefined | null> => {
      const wanted: Workflow = { ...wantedBase, sourceContents };
      const current = await run.call(`workflows.get ${name}`, () => rest.call<Workflow>('GET', `/v1/${name}`), { permission: WORKFLOW_ROLES, hint: adcHint });
      const same = current !== undefined && current.sourceContents === sourceContents && JSON.stringify(current.labels ?? {}) === JSON.stringify(labels) && (serviceAccount === undefined || current.serviceAccount?.endsWith(serviceAccount) === true);
      if (same) {
        run.change({ action: 'unchanged', resource: name, detail: `revision ${current.revisionId ?? '?'}` });
        return current.revisionId;
      } else if (run.dryRun) {
        run.change({ action: current ? 'update' : 'create', resource: name, detail: `labels flowc-config-hash=${labels['flowc-config-hash']}` });
      } else {
        const op = current
          ? await run.call(`workflows.patch ${name}`, () => rest.call<{ name?: string; done?: boolean }>('PATCH', `/v1/${name}?updateMask=${['sourceContents', 'labels', 'description', ...(serviceAccount ? ['serviceAccount'] : [])].join(',')}`, wanted), { permission: WORKFLOW_ROLES })
          : await run.call(`workflows.create ${name}`, () => rest.call<{ name?: string; done?: boolean }>('POST', `/v1/${parent}/workflows?workflowId=${encodeURIComponent(id)}`, wanted), { permission: WORKFLOW_ROLES });
        const finished = await waitForOperation({ run, rest, operation: op ?? {}, polls: typeof google.operationPolls === 'number' ? google.operationPolls : 120, intervalMs: typeof google.operationPollMs === 'number' ? google.operationPollMs : 2000, doing: current ? 'workflows.patch' : 'workflows.create' });
        if (finished.error || !finished.done) {
          run.diagnostics.push(deployDiagnostic('FLOWC747', finished.error ? `the ${current ? 'update' : 'creation'} of ${name} failed: ${finished.error.message ?? `code ${finished.error.code ?? '?'}`}` : `the ${current ? 'update' : 'creation'} of ${name} did not finish in time; it may still complete`, [`gcloud workflows describe ${id} --location ${location} --project ${project}`]));
          return null;
        }
        const revisionId = typeof finished.response?.revisionId === 'string' ? finished.response.revisionId : undefined;
        run.change({ action: current ? 'update' : 'create', resource: name, detail: `revision ${revisionId ?? '?'}` });
        return revisionId;
      }
      return undefined;
    };
    const retry = { retry: { retryCodes: [4, 8, 14], backoffSettings: { maxRetries: maxAttempts, initialRetryDelayMillis: baseDelayMs, retryDelayMultiplier: 2, maxRetryDelayMillis: 10_000 } } };
    // A partitioned flow (src/targets/gcp-workflows/partition.ts): the parent starts its children by
    // workflow id, so every child is in place before the parent that names it.
    const children = prepared.artifacts.filter((a) => !a.primary && a.path.endsWith('.gcp.yaml'));
    for (const child of children) {
      const childId = child.path.slice(0, -'.gcp.yaml'.length);
      const revision = await upsertWorkflow(`${parent}/workflows/${childId}`, childId, child.contents);
      if (revision === null) return done();
    }
    const revision = await upsertWorkflow(name, id, source.contents);
    if (revision === null) return done();
    if (revision !== undefined) run.deployed.revisionId = revision;
    if (children.length > 0) run.deployed.children = children.map((c) => c.path.slice(0, -'.gcp.yaml'.length)).join(',');
    run.deployed.workflow = name;

    const jobFile = artifactEnding(prepared.artifacts, '.scheduler.json');
    if (jobFile) {
      const job = JSON.parse(jobFile.contents) as { name: string; httpTarget: { uri: string } };
      const jobId = job.name.split('/').pop() as string;
      job.name = `${parent}/jobs/${jobId}`;
      job.httpTarget.uri = `https://workflowexecutions.googleapis.com/v1/${name}/executions`;
      const existing = await run.call(`scheduler.getJob ${job.name}`, async () => {
        try {
          return (await scheduler.getJob({ name: job.name }, retry))[0];
        } catch (e) {
          if ((e as { code?: number }).code === 5) return undefined;
          throw e;
        }
      }, { permission: SCHEDULER_ROLES });
      if (run.dryRun) run.change({ action: existing ? 'update' : 'create', resource: job.name });
      else if (existing) {
        await run.call(`scheduler.updateJob ${job.name}`, () => scheduler.updateJob({ job: job as never }), { permission: SCHEDULER_ROLES });
        run.change({ action: 'update', resource: job.name });
      } else {
        await run.call(`scheduler.createJob ${job.name}`, () => scheduler.createJob({ parent, job: job as never }), { permission: SCHEDULER_ROLES });
        run.change({ action: 'create', resource: job.name });
      }
    }
  } catch (e) {
    if (!(e instanceof DeployStop)) throw e;
    run.diagnostics.push(e.diagnostic);
  } finally {
    await scheduler.close().catch(() => {});
  }
  return done();
}
