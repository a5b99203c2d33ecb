import type { IROutput, IRResources, IRRetry } from '../../ir/types.js';
import { OUTPUTS_MOUNT, OUTPUTS_VOLUME, outputParameters } from './outputs.js';
import { cappedRetry } from '../retry.js';
import { ARGO_LIMIT_TABLE } from './limits.js';
import type { ArgoOptions } from './options.js';
import { SHM_VOLUME, type StepPlacement } from './placement.js';
import { cpuQuantity, goDuration, memoryQuantity } from './quantities.js';
import { LBRACE_VAR } from './render-string.js';
import type { SecretEnv } from './step-fields.js';

/**
 * Container templates (https://argo-workflows.readthedocs.io/en/latest/fields/#template).
 * The container is named `main`: the current schema wants a name, and `main` is the name Argo
 * itself gives a template's container.
 */

export interface ContainerBody {
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  /** Define FLOWC_LBRACE (see render-string.ts) as the first variable. */
  lbrace: boolean;
}

export interface ContainerTemplateInput {
  name: string;
  inputs: string[];
  body: ContainerBody;
  resources: IRResources;
  retry: IRRetry | null;
  timeoutSeconds: number | null;
  options: ArgoOptions;
  /** Env read from Kubernetes Secrets, after `body.env`. */
  secrets: SecretEnv[];
  placement: StepPlacement;
  /** The step's outputs: published as output parameters from an emptyDir (outputs.ts). */
  outputs?: readonly IROutput[];
}

export function containerTemplate(t: ContainerTemplateInput): Record<string, unknown> {
  const out: Record<string, unknown> = { name: t.name };
  if (t.inputs.length > 0) out.inputs = { parameters: t.inputs.map((name) => ({ name })) };
  Object.assign(out, t.placement.template);
  if (t.retry) out.retryStrategy = retryStrategy(t.retry);
  // IntOrString in Argo's schema (Template.activeDeadlineSeconds), written as a string like `limit`.
  if (t.timeoutSeconds !== null) out.activeDeadlineSeconds = String(t.timeoutSeconds);
  const container: Record<string, unknown> = { name: 'main', image: t.body.image };
  if (t.options.imagePullPolicy) container.imagePullPolicy = t.options.imagePullPolicy;
  container.command = t.body.command;
  if (t.body.args.length > 0) container.args = t.body.args;
  const env = [...(t.body.lbrace ? [{ name: LBRACE_VAR, value: '{' }] : []), ...t.body.env, ...t.secrets];
  if (env.length > 0) container.env = env;
  container.resources = resources(t.resources, t.placement.ephemeralStorage);
  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  if (t.placement.shmSize !== null) {
    // /dev/shm of a container is 64 MiB by default (the runtime's), too small for PyTorch data
    // loaders and NCCL; a memory-backed emptyDir replaces it. Its pages are charged to the
    // container's memory limit (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir).
    volumes.push({ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: t.placement.shmSize } });
    mounts.push({ name: SHM_VOLUME, mountPath: '/dev/shm' });
  }
  const outputs = t.outputs ?? [];
  if (outputs.length > 0) {
    volumes.push({ name: OUTPUTS_VOLUME, emptyDir: {} });
    mounts.push({ name: OUTPUTS_VOLUME, mountPath: OUTPUTS_MOUNT });
  }
  if (volumes.length > 0) {
    out.volumes = volumes;
    container.volumeMounts = mounts;
  }
  out.container = container;
  if (outputs.length > 0) out.outputs = { parameters: outputParameters(outputs) };
  return out;
}

/**
 * Requests equal limits: the pod gets the Guaranteed QoS class, so a long batch step is the last to
 * be evicted under node pressure and its runtime does not depend on neighbours. GPUs must be given
 * as limits (extended resources), and requests must equal them.
 */
export function resources(r: IRResources, ephemeralStorage: string | null = null): Record<string, Record<string, string>> {
  const q: Record<string, string> = { cpu: cpuQuantity(r.cpuMillis), memory: memoryQuantity(r.memoryMiB) };
  // Limited too: a step that fills the node's disk is evicted alone instead of evicting its neighbours.
  if (ephemeralStorage !== null) q['ephemeral-storage'] = ephemeralStorage;
  if (r.gpu > 0) q['nvidia.com/gpu'] = String(r.gpu);
  return { requests: { ...q }, limits: { ...q } };
}

/**
 * `retryPolicy: Always` retries failed containers and errors alike (node loss, eviction, spot
 * preemption): a flow's `retry` means "try this step again if it did not succeed", as on the other
 * targets. `backoff.cap` bounds each delay (IR `maxDelaySeconds`); it needs Argo 3.7 or later.
 * Argo's `backoff.maxDuration` bounds the total time and has no IR counterpart, so it is not set.
 * https://argo-workflows.readthedocs.io/en/latest/retries/
 */
export function retryStrategy(retry: IRRetry): Record<string, unknown> {
  // Every wait at most what Argo's Go durations hold (src/targets/retry.ts).
  const r = cappedRetry(retry, ARGO_LIMIT_TABLE);
  const out: Record<string, unknown> = { limit: String(r.limit), retryPolicy: 'Always' };
  if (r.delaySeconds > 0) {
    const backoff: Record<string, unknown> = { duration: goDuration(r.delaySeconds) };
    // IntOrString in Argo's schema (Backoff.factor), written as a string like `limit`.
    if (r.backoff !== 1) backoff.factor = String(r.backoff);
    if (r.maxDelaySeconds !== null) backoff.cap = goDuration(r.maxDelaySeconds);
    out.backoff = backoff;
  }
  return out;
}
