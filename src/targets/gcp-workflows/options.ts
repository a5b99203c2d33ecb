import { stepTargetOptions } from '../../ir/step-options.js';
import type { IR, IRStep } from '../../ir/types.js';
import { optionReader } from '../options.js';

/** The `targets.gcp-workflows` options this target reads (SPEC section 6). */
export interface GcpOptions {
  /** Google Cloud project of the Batch jobs; absent means the workflow's own project, read at run time. */
  project?: string;
  /** Region of the Batch jobs; absent means the workflow's own location, read at run time. */
  region?: string;
  /** Service account the Batch VMs run as; absent for the default. */
  serviceAccount?: string;
  /** Service account Cloud Scheduler starts executions as (needs roles/workflows.invoker); no scheduler file without it. */
  schedulerServiceAccount?: string;
  /** VPC network of the Batch VMs (`projects/P/global/networks/N` or a name); absent for the default. */
  network?: string;
  subnetwork?: string;
  /** Compute Engine machine type for every job; absent lets Batch choose from the resources. */
  machineType?: string;
  /** Accelerator type used for steps with `gpu > 0`. */
  gpuType: string;
  /** Connector timeout (seconds) for steps that declare no timeout. */
  defaultTimeoutSeconds: number;
  /** Batch `provisioningModel`: `spot` VMs can be preempted; absent is Batch's default (standard). */
  provisioning?: 'spot' | 'standard';
  /** Boot disk size in GB; absent lets Batch size it from the image and the task. */
  bootDiskSizeGb?: number;
  /** Zones the job's VMs may run in (`us-central1-a`), all in the region of the jobs. */
  allowedZones?: string[];
  /** Private-image login: flow secret names (SPEC section 8), rendered as Secret Manager paths. */
  registryCredentials?: { username: string; password: string };
  /** `gs://bucket[/prefix]` where step outputs are kept (outputs.ts); required when the flow uses outputs (FLOWC677). */
  datastore?: string;
  /** Most items a dynamic foreach may have: the limit estimates count this many, and a longer list fails the run before any task starts. */
  maxDynamicItems: number;
}

/** Options a step may set in its own `targets.gcp-workflows` (SPEC section 8). */
export const PER_STEP_OPTIONS = ['machineType', 'gpuType', 'provisioning', 'bootDiskSizeGb', 'allowedZones'] as const;

/**
 * Smallest boot disk flowc accepts: Batch's default boot disk for container jobs is 30 GB
 * (https://cloud.google.com/batch/docs/vm-os-environment-overview, "Default OS environment"); a
 * smaller disk cannot hold the default image plus the pulled container.
 */
export const MIN_BOOT_DISK_GB = 30;

/**
 * Default `maxDynamicItems`: 1,000 jobs of about a dozen steps each stay far below the 100,000
 * steps of one execution (limits.ts), leaving room for the rest of the flow and for retries.
 */
export const DEFAULT_MAX_DYNAMIC_ITEMS = 1000;

/** Longest `datastore` URL (see the schema). */
export const MAX_DATASTORE_CHARS = 256;

/** Default accelerator: the most widely available Batch GPU type. */
export const DEFAULT_GPU_TYPE = 'nvidia-tesla-t4';
/** Connector wait for steps without a timeout: a week, well under the connector's one-year cap. */
export const DEFAULT_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * JSON Schema of the options, checked by the pipeline (`src/check/target-options.ts`) before the
 * target runs. Every field is optional: project and region fall back to the workflow's own.
 */
export const GCP_OPTIONS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'targets.gcp-workflows',
  type: 'object',
  additionalProperties: false,
  properties: {
    project: { type: 'string', pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$', description: 'Project of the Batch jobs (default: the workflow\'s project)' },
    region: { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+$', description: 'Region of the Batch jobs (default: the workflow\'s location)' },
    serviceAccount: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Service account email of the Batch VMs' },
    schedulerServiceAccount: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Service account email the Cloud Scheduler job starts executions as (needs roles/workflows.invoker)' },
    network: { type: 'string', minLength: 1, description: 'VPC network of the Batch VMs' },
    subnetwork: { type: 'string', minLength: 1, description: 'Subnetwork of the Batch VMs' },
    machineType: { type: 'string', pattern: '^[a-z0-9-]+$', description: 'Machine type of every Batch job' },
    gpuType: { type: 'string', pattern: '^[a-z0-9-]+$', default: DEFAULT_GPU_TYPE, description: `Accelerator type for GPU steps (default ${DEFAULT_GPU_TYPE})` },
    provisioning: { enum: ['spot', 'standard'], description: 'Batch provisioning model of the VMs: spot (preemptible, cheaper) or standard' },
    bootDiskSizeGb: { type: 'integer', minimum: MIN_BOOT_DISK_GB, maximum: 65536, description: `Boot disk size in GB (at least ${MIN_BOOT_DISK_GB}, Batch's default)` },
    allowedZones: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+-[a-z]$' },
      description: 'Zones the VMs may run in (e.g. us-central1-a), all in the region of the jobs',
    },
    registryCredentials: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: {
        username: { type: 'string', minLength: 1, description: 'Name of the flow secret holding the registry username' },
        password: { type: 'string', minLength: 1, description: 'Name of the flow secret holding the registry password or token' },
      },
      description: 'Login for private images: each value names a flow secret (secrets:), passed to Batch as its Secret Manager path',
    },
    datastore: {
      type: 'string',
      pattern: '^gs://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/[^/]+)*/?$',
      // Longer, and the object names flowc_read builds no longer fit one 400-character expression
      // with a 52-character flow name and 40-character step ids (outputs.test.ts).
      maxLength: MAX_DATASTORE_CHARS,
      description: 'Cloud Storage folder for step outputs, gs://bucket/prefix (required when the flow uses step outputs)',
    },
    maxDynamicItems: {
      type: 'integer',
      minimum: 1,
      maximum: 100000,
      default: DEFAULT_MAX_DYNAMIC_ITEMS,
      description: `Most items a dynamic foreach may have; the limit estimates count this many, a longer list fails the run before any task starts (default ${DEFAULT_MAX_DYNAMIC_ITEMS})`,
    },
    defaultTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 31536000, default: DEFAULT_TIMEOUT_SECONDS, description: 'Connector timeout for steps without a timeout (default one week)' },
  },
} as const;

const read = optionReader<GcpOptions>(GCP_OPTIONS_SCHEMA);

/**
 * Each read copies and validates (optionReader), and every step asks, in the whole flow and again
 * in each part of a cut one: read once per options object. IRs are never changed once built, and
 * no reader changes the options it gets.
 */
const byRaw = new WeakMap<object, GcpOptions>();
let unset: GcpOptions | undefined;

/** The options with the schema's defaults; the schema check already ran (FLOWC601). */
export function readOptions(ir: IR): GcpOptions {
  const raw = Object.hasOwn(ir.targets, 'gcp-workflows') ? ir.targets['gcp-workflows'] : undefined;
  if (raw === undefined) return (unset ??= read(undefined));
  if (raw === null || typeof raw !== 'object') return read(raw);
  let got = byRaw.get(raw);
  if (!got) byRaw.set(raw, (got = read(raw)));
  return got;
}

/** The options `step` runs with: its own `targets.gcp-workflows` merged over the flow's. */
export function readStepOptions(ir: IR, step: IRStep): GcpOptions {
  if (!Object.hasOwn(step.targets, 'gcp-workflows')) return readOptions(ir);
  return read(stepTargetOptions(ir, step, 'gcp-workflows'));
}
