import type { Json } from '../../source/tree.js';
import { setOwn } from '../../source/own-keys.js';

/**
 * The Argo target's options (`targets.argo` in a flow), as a JSON Schema. The compile pipeline
 * validates the flow's options against it and reports FLOWC601; `readArgoOptions` then only reads.
 * Field meanings follow the WorkflowSpec reference:
 * https://argo-workflows.readthedocs.io/en/latest/fields/#workflowspec
 */
export const ARGO_OPTIONS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'flowc argo target options',
  type: 'object',
  additionalProperties: false,
  properties: {
    namespace: {
      description: 'metadata.namespace of the WorkflowTemplate and CronWorkflow; omitted means the namespace kubectl/argo uses.',
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
    },
    serviceAccountName: {
      description: 'spec.serviceAccountName: the service account the step pods run as.',
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
      maxLength: 253,
    },
    nodeSelector: {
      description: 'spec.nodeSelector for every step pod.',
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 63 },
    },
    tolerations: {
      description: 'spec.tolerations for every step pod (Kubernetes Toleration objects).',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: { type: 'string' },
          operator: { enum: ['Exists', 'Equal'] },
          value: { type: 'string' },
          effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
          tolerationSeconds: { type: 'integer', minimum: 0 },
        },
      },
    },
    imagePullPolicy: {
      description: 'imagePullPolicy of every step container.',
      enum: ['Always', 'IfNotPresent', 'Never'],
    },
    imagePullSecrets: {
      description: 'spec.imagePullSecrets: names of Secrets holding registry credentials.',
      type: 'array',
      items: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
    },
    labels: {
      description: 'Labels on the WorkflowTemplate, the CronWorkflow and every run (spec.workflowMetadata).',
      type: 'object',
      propertyNames: { pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' },
      additionalProperties: { type: 'string', pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$' },
    },
    annotations: {
      description: 'Annotations on the WorkflowTemplate, the CronWorkflow and every run (spec.workflowMetadata).',
      type: 'object',
      propertyNames: { pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$' },
      additionalProperties: { type: 'string' },
    },
    podGC: {
      description: 'spec.podGC.strategy: when Argo deletes finished pods. Omitted: pods are kept.',
      enum: ['OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'],
    },
    ttlSecondsAfterFinished: {
      description: 'spec.ttlStrategy.secondsAfterCompletion: delete a finished run after this many seconds.',
      type: 'integer',
      minimum: 0,
    },
    concurrencyPolicy: {
      description: 'CronWorkflow concurrencyPolicy when a scheduled run is due while the last one still runs. Default Forbid.',
      enum: ['Allow', 'Forbid', 'Replace'],
    },
    startingDeadlineSeconds: {
      description:
        'CronWorkflow startingDeadlineSeconds: how late a run missed while the controller was down may still start. Default 3600; 0 never starts a missed run.',
      type: 'integer',
      minimum: 0,
    },
  },
} as const;

export interface ArgoToleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface ArgoOptions {
  namespace?: string;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: ArgoToleration[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  podGC?: string;
  ttlSecondsAfterFinished?: number;
  concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds: number;
}

/**
 * One hour: a run missed while the controller restarts, is upgraded or fails over (minutes) still
 * starts, and a run missed in a long outage does not start hours after its slot, when nobody
 * expects it. Argo starts at most the latest missed run (workflow/cron/operator.go).
 */
export const DEFAULT_STARTING_DEADLINE_SECONDS = 3600;

/**
 * Reads already-validated options. Defaults: `concurrencyPolicy: Forbid`, because a scheduled
 * pipeline run usually writes the same outputs as the previous one: overlapping runs race, and
 * `Replace` would kill a long training run that merely overran its slot.
 */
export function readArgoOptions(raw: Json | undefined): ArgoOptions {
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const out: ArgoOptions = { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: DEFAULT_STARTING_DEADLINE_SECONDS };
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const strMap = (k: string): Record<string, string> | undefined => {
    const v = o[k];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const m: Record<string, string> = {};
    for (const [key, val] of Object.entries(v)) if (typeof val === 'string') setOwn(m, key, val);
    return m;
  };
  const ns = str('namespace');
  if (ns !== undefined) out.namespace = ns;
  const sa = str('serviceAccountName');
  if (sa !== undefined) out.serviceAccountName = sa;
  const nodeSelector = strMap('nodeSelector');
  if (nodeSelector) out.nodeSelector = nodeSelector;
  if (Array.isArray(o.tolerations)) out.tolerations = o.tolerations as ArgoToleration[];
  const pull = str('imagePullPolicy');
  if (pull !== undefined) out.imagePullPolicy = pull as ArgoOptions['imagePullPolicy'];
  if (Array.isArray(o.imagePullSecrets)) out.imagePullSecrets = o.imagePullSecrets.filter((s): s is string => typeof s === 'string');
  const labels = strMap('labels');
  if (labels) out.labels = labels;
  const annotations = strMap('annotations');
  if (annotations) out.annotations = annotations;
  const podGC = str('podGC');
  if (podGC !== undefined) out.podGC = podGC;
  if (typeof o.ttlSecondsAfterFinished === 'number') out.ttlSecondsAfterFinished = o.ttlSecondsAfterFinished;
  const cp = str('concurrencyPolicy');
  if (cp !== undefined) out.concurrencyPolicy = cp as ArgoOptions['concurrencyPolicy'];
  if (typeof o.startingDeadlineSeconds === 'number') out.startingDeadlineSeconds = o.startingDeadlineSeconds;
  return out;
}
