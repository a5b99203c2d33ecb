import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { flowFileSpan } from '../limits.js';
import { originSpan } from './checks.js';
import { ARGO_LIMITS } from './limits.js';
import type { ArgoOptions } from './options.js';
import { quantityBytes } from './options-kube.js';
import { mergedArgoOptions, ownArgoOptions } from './placement.js';

const MIB = 1024 * 1024;

/**
 * What the options schema cannot see because it needs the step (its memory) or the flow's options
 * next to the step's (Argo's override rules). Each is reported at the step that runs with the
 * value; a flow-level value is reported once per step that runs with it, since each is a pod that
 * would fail.
 */
export function checkPlacement(ir: IR, flowOptions: ArgoOptions, diagnostics: DiagnosticBag): void {
  checkAnnotationSize('targets.argo.podAnnotations', flowOptions.podAnnotations, flowFileSpan(ir), diagnostics);
  for (const step of ir.steps) {
    const own = ownArgoOptions(step);
    const merged = mergedArgoOptions(ir, step, flowOptions);
    checkShm(step, merged, Object.hasOwn(own, 'shmSize') ? `steps.${step.id}.targets.argo.shmSize` : 'targets.argo.shmSize', diagnostics);
    if (own.podAnnotations !== undefined) checkAnnotationSize(`steps.${step.id}: the pod annotations`, merged.podAnnotations, originSpan(step.origin), diagnostics);
    checkClearedTolerations(step, own, flowOptions, diagnostics);
  }
}

/**
 * A memory-backed emptyDir is tmpfs: the kubelet charges its pages to the memory of the container
 * writing them (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir), so /dev/shm as large
 * as the step's memory can never be filled: the container is OOM-killed first (FLOWC617).
 */
function checkShm(step: IRStep, merged: ArgoOptions, where: string, diagnostics: DiagnosticBag): void {
  if (merged.shmSize === undefined) return;
  const shm = quantityBytes(merged.shmSize);
  const memory = step.resources.memoryMiB * MIB;
  if (shm < memory) return;
  diagnostics.report(
    'FLOWC617',
    `steps.${step.id}: ${where} is ${merged.shmSize}, but the step has ${step.resources.memoryMiB} MiB of memory; /dev/shm is memory, charged to the container's memory limit, so it could never be filled and the step would be OOM-killed first`,
    originSpan(step.origin),
    [`raise steps.${step.id}.resources.memory above ${merged.shmSize} plus what the process itself needs, or lower shmSize`],
  );
}

/** The API server refuses a pod whose annotations exceed 256 KiB (FLOWC618). */
function checkAnnotationSize(what: string, annotations: Record<string, string> | undefined, span: Span, diagnostics: DiagnosticBag): void {
  if (!annotations) return;
  const bytes = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  const limit = ARGO_LIMITS.annotationBytes;
  if (bytes <= limit) return;
  diagnostics.report(
    'FLOWC618',
    `${what} are ${bytes} bytes (keys and values), over Kubernetes' limit of ${limit} bytes for one object's annotations; the step pods would be refused`,
    span,
    ['keep large data in a ConfigMap or an artifact and annotate with a reference to it'],
  );
}

/**
 * Argo uses a template's tolerations only when the list is not empty, else the workflow's
 * (workflow/controller/workflowpod.go `addSchedulingConstraints`), so `tolerations: []` on a step
 * cannot take the flow's tolerations away (FLOWC619).
 */
function checkClearedTolerations(step: IRStep, own: Partial<ArgoOptions>, flowOptions: ArgoOptions, diagnostics: DiagnosticBag): void {
  if (!own.tolerations || own.tolerations.length > 0 || !flowOptions.tolerations || flowOptions.tolerations.length === 0) return;
  diagnostics.report(
    'FLOWC619',
    `steps.${step.id}.targets.argo.tolerations is empty, but Argo gives a template with no tolerations the workflow's (targets.argo.tolerations), so this step would still tolerate them`,
    originSpan(step.origin),
    ['move tolerations from targets.argo to the steps that need them'],
  );
}
