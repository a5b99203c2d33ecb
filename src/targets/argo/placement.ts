import { stepTargetOptions } from '../../ir/step-options.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import { type ArgoOptions, readArgoOptions } from './options.js';

/**
 * Where a step's pod runs and what it gets beyond its container command (SPEC section 8).
 *
 * Flow-level options are workflow-wide (`spec.*`, see `specPlacement`). A step's own
 * `targets.argo` lands on its template only, as the template fields Argo documents
 * (https://argo-workflows.readthedocs.io/en/latest/fields/#template). Argo takes a template's
 * `nodeSelector`, `tolerations`, `affinity`, `serviceAccountName` and `priorityClassName` *instead
 * of* the workflow's (workflow/controller/workflowpod.go `addSchedulingConstraints`,
 * `setupServiceAccount`), so the template carries the merged value (flow's options with the step's
 * merged over them, `stepTargetOptions`); template `metadata` is laid over `spec.podMetadata` key by
 * key (`addMetadata`), so it carries only the step's own labels and annotations.
 */
export interface StepPlacement {
  /** Template-level fields, in output order; empty for a step without overrides. */
  template: Record<string, unknown>;
  /** The container's ephemeral-storage request and limit, or null. */
  ephemeralStorage: string | null;
  /** The sizeLimit of the memory-backed emptyDir at /dev/shm, or null for none. */
  shmSize: string | null;
}

/** The volume flowc mounts at /dev/shm. */
export const SHM_VOLUME = 'dshm';

export function stepPlacement(ir: IR, step: IRStep, flowOptions: ArgoOptions): StepPlacement {
  const own = ownArgoOptions(step);
  const merged = mergedArgoOptions(ir, step, flowOptions);
  const template: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  if (own.podLabels && Object.keys(own.podLabels).length > 0) metadata.labels = own.podLabels;
  if (own.podAnnotations && Object.keys(own.podAnnotations).length > 0) metadata.annotations = own.podAnnotations;
  if (Object.keys(metadata).length > 0) template.metadata = metadata;
  if (has(own, 'nodeSelector') && merged.nodeSelector && Object.keys(merged.nodeSelector).length > 0) template.nodeSelector = merged.nodeSelector;
  if (has(own, 'tolerations') && merged.tolerations && merged.tolerations.length > 0) template.tolerations = merged.tolerations;
  if (has(own, 'affinity') && merged.affinity) template.affinity = merged.affinity;
  if (has(own, 'serviceAccountName') && merged.serviceAccountName) template.serviceAccountName = merged.serviceAccountName;
  if (has(own, 'priorityClassName') && merged.priorityClassName) template.priorityClassName = merged.priorityClassName;
  return { template, ephemeralStorage: merged.ephemeralStorage ?? null, shmSize: merged.shmSize ?? null };
}

/** Workflow-wide pod settings from the flow's options that have no older home in workflow-template.ts. */
export function specPlacement(options: ArgoOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (options.affinity) spec.affinity = options.affinity;
  if (options.priorityClassName) spec.podPriorityClassName = options.priorityClassName;
  const podMetadata: Record<string, unknown> = {};
  if (options.podLabels && Object.keys(options.podLabels).length > 0) podMetadata.labels = options.podLabels;
  if (options.podAnnotations && Object.keys(options.podAnnotations).length > 0) podMetadata.annotations = options.podAnnotations;
  if (Object.keys(podMetadata).length > 0) spec.podMetadata = podMetadata;
  return spec;
}

/** The step's own `targets.argo` overrides (validated against the schema by the pipeline). */
export function ownArgoOptions(step: IRStep): Partial<ArgoOptions> {
  const own = Object.hasOwn(step.targets, 'argo') ? step.targets.argo : undefined;
  return isMap(own) ? (own as Partial<ArgoOptions>) : {};
}

/**
 * The options the step runs with: its overrides merged over the flow's, defaults filled in.
 * `flowOptions` (the flow's, read once) is returned as is for a step without overrides.
 */
export function mergedArgoOptions(ir: IR, step: IRStep, flowOptions: ArgoOptions): ArgoOptions {
  return Object.hasOwn(step.targets, 'argo') ? readArgoOptions(stepTargetOptions(ir, step, 'argo')) : flowOptions;
}

function has(o: object, key: string): boolean {
  return Object.hasOwn(o, key);
}

function isMap(v: Json | undefined): v is { [k: string]: Json } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
