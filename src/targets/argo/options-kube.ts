/**
 * JSON Schemas of the Kubernetes values the Argo options carry, so a mistake is reported where it
 * was written (FLOWC601) rather than by the API server at submission.
 * Labels and annotations: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 * and .../annotations/#syntax-and-character-set. Affinity:
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling
 * Quantities: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

/**
 * A label or annotation key: an optional DNS-subdomain prefix of at most 253 characters and `/`,
 * then a name of at most 63 characters (alphanumerics, `-`, `_`, `.`; alphanumeric at both ends).
 */
const KEY =
  '^(?=(?:[^/]{1,253}/)?[^/]{1,63}$)(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$';

/** A label value: empty, or at most 63 characters of the name alphabet. */
const LABEL_VALUE = { type: 'string', maxLength: 63, pattern: '^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' } as const;

export const LABELS_SCHEMA = { type: 'object', propertyNames: { pattern: KEY }, additionalProperties: LABEL_VALUE } as const;

/** Annotation values are free text; their total size (256 KiB) is checked by the target (FLOWC618). */
export const ANNOTATIONS_SCHEMA = { type: 'object', propertyNames: { pattern: KEY }, additionalProperties: { type: 'string' } } as const;

/**
 * A positive quantity in bytes: a decimal number with an optional binary (Ki..Ei) or decimal
 * (k..E) suffix. Exponent and milli forms are legal Kubernetes but meaningless for bytes.
 */
export const QUANTITY_PATTERN = '^(?=.*[1-9])(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';

const strings = { type: 'array', items: { type: 'string' } } as const;

const NODE_SELECTOR_REQUIREMENT = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'operator'],
  properties: { key: { type: 'string' }, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] }, values: strings },
} as const;

const NODE_SELECTOR_TERM = {
  type: 'object',
  additionalProperties: false,
  properties: { matchExpressions: { type: 'array', items: NODE_SELECTOR_REQUIREMENT }, matchFields: { type: 'array', items: NODE_SELECTOR_REQUIREMENT } },
} as const;

const LABEL_SELECTOR = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matchLabels: LABELS_SCHEMA,
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: { key: { type: 'string' }, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: strings },
      },
    },
  },
} as const;

const POD_AFFINITY_TERM = {
  type: 'object',
  additionalProperties: false,
  required: ['topologyKey'],
  properties: {
    labelSelector: LABEL_SELECTOR,
    namespaceSelector: LABEL_SELECTOR,
    namespaces: strings,
    topologyKey: { type: 'string', minLength: 1 },
    matchLabelKeys: strings,
    mismatchLabelKeys: strings,
  },
} as const;

const WEIGHT = { type: 'integer', minimum: 1, maximum: 100 } as const;

const POD_AFFINITY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requiredDuringSchedulingIgnoredDuringExecution: { type: 'array', items: POD_AFFINITY_TERM },
    preferredDuringSchedulingIgnoredDuringExecution: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['weight', 'podAffinityTerm'], properties: { weight: WEIGHT, podAffinityTerm: POD_AFFINITY_TERM } },
    },
  },
} as const;

export const AFFINITY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    nodeAffinity: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          type: 'object',
          additionalProperties: false,
          required: ['nodeSelectorTerms'],
          properties: { nodeSelectorTerms: { type: 'array', minItems: 1, items: NODE_SELECTOR_TERM } },
        },
        preferredDuringSchedulingIgnoredDuringExecution: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['weight', 'preference'], properties: { weight: WEIGHT, preference: NODE_SELECTOR_TERM } },
        },
      },
    },
    podAffinity: POD_AFFINITY,
    podAntiAffinity: POD_AFFINITY,
  },
} as const;

/** A Kubernetes Affinity as the schema above admits it (rendered as written). */
export type ArgoAffinity = Record<string, unknown>;

const BYTES: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The bytes a quantity that matched QUANTITY_PATTERN stands for (a float: only compared). */
export function quantityBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  return Number(m?.[1]) * (BYTES[m?.[2] ?? ''] ?? Number.NaN);
}
