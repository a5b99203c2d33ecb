import type { Json } from '../../source/tree.js';
import { optionReader } from '../options.js';
import { AFFINITY_SCHEMA, ANNOTATIONS_SCHEMA, LABELS_SCHEMA, QUANTITY_PATTERN, type ArgoAffinity } from './options-kube.js';

/** A Kubernetes object name that is a DNS-1123 subdomain (Secrets, ServiceAccounts, PriorityClasses). */
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/**
 * Options a step may set in its own `targets.argo` (SPEC section 8). Each lands on that step's
 * template only; the others are workflow-wide. https://argo-workflows.readthedocs.io/en/latest/fields/#template
 */
export const ARGO_PER_STEP_OPTIONS = [
  'nodeSelector',
  'tolerations',
  'affinity',
  'serviceAccountName',
  'podLabels',
  'podAnnotations',
  'priorityClassName',
  'ephemeralStorage',
  'shmSize',
] as const;

/**
 * The Argo target's options (`targets.argo` in a flow), as a JSON Schema. The compile pipeline
 * validates the flow's options against it and reports FLOWC601; `readArgoOptions` then fills in the defaults.
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
      pattern: DNS_SUBDOMAIN,
      maxLength: 253,
    },
    nodeSelector: {
      description: 'spec.nodeSelector for every step pod (node label keys and values).',
      ...LABELS_SCHEMA,
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
    affinity: {
      description: 'Affinity of the step pods (a Kubernetes Affinity: nodeAffinity, podAffinity, podAntiAffinity).',
      ...AFFINITY_SCHEMA,
    },
    priorityClassName: {
      description: 'PriorityClass of the step pods (spec.podPriorityClassName; a step\'s own: its template\'s priorityClassName).',
      type: 'string',
      pattern: DNS_SUBDOMAIN,
      maxLength: 253,
    },
    podLabels: {
      description: 'Labels on the step pods (spec.podMetadata; a step\'s own: its template\'s metadata).',
      ...LABELS_SCHEMA,
    },
    podAnnotations: {
      description: 'Annotations on the step pods (spec.podMetadata; a step\'s own: its template\'s metadata).',
      ...ANNOTATIONS_SCHEMA,
    },
    ephemeralStorage: {
      description: 'Local disk each step container requests and is limited to (resources ephemeral-storage), a Kubernetes quantity such as 20Gi.',
      type: 'string',
      pattern: QUANTITY_PATTERN,
    },
    shmSize: {
      description:
        'Size of /dev/shm in each step container: a memory-backed emptyDir with this sizeLimit. Its pages count against the container memory limit, so it must be below resources.memory.',
      type: 'string',
      pattern: QUANTITY_PATTERN,
    },
    imagePullPolicy: {
      description: 'imagePullPolicy of every step container.',
      enum: ['Always', 'IfNotPresent', 'Never'],
    },
    imagePullSecrets: {
      description: 'spec.imagePullSecrets: names of Secrets holding registry credentials.',
      type: 'array',
      items: { type: 'string', pattern: DNS_SUBDOMAIN, maxLength: 253 },
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
      default: 'Forbid',
    },
    startingDeadlineSeconds: {
      description:
        'CronWorkflow startingDeadlineSeconds: how late a run missed while the controller was down may still start. Default 3600; 0 never starts a missed run.',
      type: 'integer',
      minimum: 0,
      default: 3600,
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
  affinity?: ArgoAffinity;
  priorityClassName?: string;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  ephemeralStorage?: string;
  shmSize?: string;
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
 * The options with the schema's defaults. `concurrencyPolicy` defaults to Forbid because a
 * scheduled pipeline run usually writes the same outputs as the previous one: overlapping runs
 * race, and `Replace` would kill a long training run that merely overran its slot;
 * `startingDeadlineSeconds` defaults to DEFAULT_STARTING_DEADLINE_SECONDS.
 */
export const readArgoOptions: (raw: Json | undefined) => ArgoOptions = optionReader<ArgoOptions>(ARGO_OPTIONS_SCHEMA);
