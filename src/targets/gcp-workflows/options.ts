import type { IR } from '../../ir/types.js';
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
}

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
    defaultTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 31536000, default: DEFAULT_TIMEOUT_SECONDS, description: 'Connector timeout for steps without a timeout (default one week)' },
  },
} as const;

const read = optionReader<GcpOptions>(GCP_OPTIONS_SCHEMA);

/** The options with the schema's defaults; the schema check already ran (FLOWC601). */
export function readOptions(ir: IR): GcpOptions {
  return read(ir.targets['gcp-workflows']);
}
