import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import type { Artifact } from '../targets/target.js';

/** The targets `deploy()` can push, by canonical id. */
export const DEPLOYABLE = ['stepfunctions', 'gcp-workflows', 'github-actions', 'argo'] as const;
export type DeployTargetId = (typeof DEPLOYABLE)[number];

/**
 * SDK client settings a caller may pass through unchanged: tests point them at local servers,
 * scripts at another endpoint or credentials. Anything left out comes from each SDK's standard
 * chain (env, profiles, ADC, kubeconfig).
 */
export interface DeployClients {
  /** Merged into every AWS SDK v3 client's config (`endpoint`, `credentials`, `maxAttempts`, ...). */
  aws?: Record<string, unknown>;
  /** Merged into the Google clients' options (`fallback`, `apiEndpoint`, `port`, `protocol`, `authClient`, ...). */
  google?: Record<string, unknown>;
  /** A `@kubernetes/client-node` KubeConfig to use instead of the default one (`--context` still applies). */
  kubeConfig?: unknown;
}

/** Where a flow deploys and how: the per-target settings of `flowc deploy`. */
export interface DeploySettings {
  /** The deployed name (state machine, workflow, file, template); default: the flow's (or binding's) name. */
  name?: string;
  /** Print and return the plan; send nothing that writes (Kubernetes: the API server's dry run). */
  dryRun?: boolean;
  /** Step Functions: ValidateStateMachineDefinition before writing (default true). */
  validate?: boolean;
  region?: string;
  /** Step Functions: the execution role of the state machine (required to create one). */
  roleArn?: string;
  /** Step Functions: the role EventBridge Scheduler assumes (default: the flow's scheduleRoleArn). */
  scheduleRoleArn?: string;
  /** Google Cloud project and location (default: the flow's gcp-workflows project and region). */
  project?: string;
  location?: string;
  serviceAccount?: string;
  /** GitHub Actions: the checkout whose `.github/workflows/` receives the file. */
  repoDir?: string;
  /** Argo: the namespace (default: the flow's argo namespace, else the context's, else `default`). */
  namespace?: string;
  /** Argo: the kubeconfig context. */
  context?: string;
  clients?: DeployClients;
}

/** One thing a deploy did (or, in a dry run, would do). */
export interface DeployChange {
  action: 'create' | 'update' | 'unchanged' | 'register' | 'publish' | 'tag' | 'write' | 'apply' | 'validate';
  /** What it acted on, as the engine names it (an ARN, a resource name, a path). */
  resource: string;
  detail?: string;
}

export interface DeployResult {
  ok: boolean;
  target: string;
  /** The deployed name. */
  name: string;
  dryRun: boolean;
  configHash?: string;
  /** The artifacts deployed (as `compile` returns them). */
  artifacts: Artifact[];
  changes: DeployChange[];
  /** Problems as data: compile errors, validation failures and cloud errors alike. Never thrown. */
  diagnostics: Diagnostic[];
  /** The files read, so diagnostics can be printed with code frames. */
  sources: SourceRegistry;
  /** Step Functions: the state machine (version) ARN; Google: the revision id; GitHub: the file written. */
  deployed?: Record<string, string>;
}
