import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { secretLocator } from '../../ir/secrets.js';
import type { IR, IRResources, IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import { type BatchOptions, readStepOptions } from './options.js';

/** Batch job definition names: letters, digits, '-' and '_', at most 128 (RegisterJobDefinition). */
const JOB_DEFINITION_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const NAME_WITH_REVISION = /^([A-Za-z0-9_-]{1,128}):([0-9]+)$/;

export interface JobDefinitions {
  /** The job definition (by name, so its latest revision runs) a step submits to. */
  nameFor(step: IRStep): string;
  /** One `RegisterJobDefinition` request per definition, in the order of their first steps. */
  requests: Record<string, unknown>[];
}

/** A secret as a job definition holds it: the env variable and the ARN Batch reads it from. */
export interface DefinitionSecret {
  name: string;
  valueFrom: string;
}

/** What a job definition fixes for every job that runs it; steps that agree on all of it share one. */
interface DefinitionKey {
  image: string;
  jobRoleArn: string | null;
  secrets: DefinitionSecret[];
  /** The ARN of the registry credentials secret, or null. */
  repositoryCredentials: string | null;
  /** The name the step gives itself (per-step `jobDefinition`), or null. */
  ownName: string | null;
}

interface Group {
  key: DefinitionKey;
  steps: IRStep[];
  name: string;
}

/**
 * The Batch job definitions a flow needs (`<name>.batch.json`): one per distinct image, job role,
 * set of secrets and registry credentials, since a job's `ContainerOverrides` can change the
 * command, environment and resources, never those. Steps that agree on all of them share a
 * definition; a step with its own role or secrets gets its own. flowc submits each step to its
 * definition by name (Batch then runs the latest active revision, the one the deploy registered).
 * Resources, environment and timeout stay per step in the submission; the definition carries its
 * first step's resources as its defaults (defaultResources).
 *
 * Names: a step's own `jobDefinition`, else `jobDefinitions[image]`, else `jobDefinition` or the
 * flow's name (suffixed `-<first step>` when several definitions need it). A name option that
 * would make two images share a definition, or that points at a definition flowc does not write
 * (an ARN), is refused (FLOWC627); two steps naming one definition while needing different
 * roles, secrets or credentials is FLOWC669.
 */
export function planJobDefinitions(o: { ir: IR; options: BatchOptions; span: Span; diagnostics: DiagnosticBag }): JobDefinitions {
  const { ir, options } = o;
  const groups: Group[] = [];
  const groupOf = new Map<string, Group>();
  const byKey = new Map<string, Group>();
  for (const step of ir.steps) {
    const key = definitionKey(ir, options, step);
    const id = JSON.stringify(key);
    let group = byKey.get(id);
    if (!group) {
      group = { key, steps: [], name: '' };
      byKey.set(id, group);
      groups.push(group);
    }
    group.steps.push(step);
    groupOf.set(step.id, group);
  }
  const { byImage, base } = options.jobDefinitionNames;
  const unmapped = groups.filter((g) => g.key.ownName === null && byImage[g.key.image] === undefined);
  const imageOf = new Map<string, string>();
  const holder = new Map<string, Group>();
  const merged = new Set<Group>();
  for (const group of groups) {
    const { image, ownName } = group.key;
    const first = group.steps[0] as IRStep;
    const mapped = byImage[image];
    const setting = ownName !== null ? `steps.${first.id}.targets.stepfunctions.jobDefinition` : mapped !== undefined ? `jobDefinitions['${image}']` : base !== null ? 'jobDefinition' : null;
    let name = ownName ?? mapped ?? (unmapped.length === 1 ? (base ?? ir.flow.name) : `${base ?? ir.flow.name}-${first.id}`);
    const at = ownName !== null ? span(first) : o.span;
    const pinned = NAME_WITH_REVISION.exec(name);
    if (pinned) {
      o.diagnostics.report(
        'FLOWC628',
        `${setting ?? 'the job definition'} '${name}' names revision ${pinned[2]}, whose image flowc cannot see; flowc writes job definition '${pinned[1]}' with image '${image}' to ${ir.flow.name}.batch.json and submits to its latest revision`,
        at,
        [`write '${pinned[1]}' without the revision`],
      );
      name = pinned[1] as string;
    } else if (!JOB_DEFINITION_NAME.test(name)) {
      o.diagnostics.report(
        'FLOWC627',
        `${setting ?? 'the job definition'} '${name}' is not a job definition name (letters, digits, '-' and '_', at most 128): flowc writes the definition for image '${image}' to ${ir.flow.name}.batch.json and submits to it by name, so a definition it does not write (an ARN) cannot be guaranteed to run that image${group.key.secrets.length > 0 ? ' or to hold its secrets' : ''}`,
        at,
      );
    }
    const other = holder.get(name);
    // A second definition for an image mapped by name (it differs in role, secrets or
    // credentials) takes the mapped name with its first step's id.
    if (other !== undefined && ownName === null && mapped !== undefined && other.key.image === image && other.key.ownName === null) {
      name = `${name}-${first.id}`;
      if (!JOB_DEFINITION_NAME.test(name)) {
        o.diagnostics.report('FLOWC627', `step '${first.id}' needs a job definition of its own for image '${image}' (its role, secrets or credentials differ), but '${name}' is over 128 characters; give it its own targets.stepfunctions.jobDefinition`, at);
      }
    }
    const taken = holder.get(name);
    if (taken !== undefined && imageOf.get(name) !== image) {
      o.diagnostics.report(
        'FLOWC627',
        `images '${imageOf.get(name)}' and '${image}' would share job definition '${name}', but a Batch job runs its definition's image and cannot override it; give each image its own name in targets.stepfunctions.jobDefinitions`,
        at,
      );
    } else if (taken !== undefined && differences(taken.key, group.key).length === 0) {
      // Named alike on purpose (a step's jobDefinition equal to the others' name): one definition.
      for (const step of group.steps) {
        taken.steps.push(step);
        groupOf.set(step.id, taken);
      }
      merged.add(group);
      continue;
    } else if (taken !== undefined) {
      o.diagnostics.report(
        'FLOWC669',
        `steps '${(taken.steps[0] as IRStep).id}' and '${first.id}' both submit to job definition '${name}', but they need different ${differences(taken.key, group.key).join(', ')}, which a job definition fixes for every job that runs it; give one of them its own targets.stepfunctions.jobDefinition`,
        at,
      );
    }
    imageOf.set(name, image);
    holder.set(name, group);
    group.name = name;
  }
  const requests = groups.filter((g) => !merged.has(g)).map((g) => registerRequest({ ir, options, name: g.name, key: g.key, resources: defaultResources(g.steps) }));
  return {
    nameFor: (step) => {
      const group = groupOf.get(step.id);
      if (group === undefined) throw new Error(`internal: no job definition for step ${step.id}`);
      return group.name;
    },
    requests,
  };
}

/**
 * The definition's default resources: its first step's, but a GPU only when every step of the
 * definition asks for one. A submission's `resourceRequirements` override the definition's type by
 * type, and a step without a GPU sends none, so a GPU in the definition would reach it too (and
 * hold it RUNNABLE on a queue without GPU instances).
 */
function defaultResources(steps: IRStep[]): IRResources {
  const first = (steps[0] as IRStep).resources;
  return steps.every((s) => s.resources.gpu > 0) ? first : { ...first, gpu: 0 };
}

function definitionKey(ir: IR, options: BatchOptions, step: IRStep): DefinitionKey {
  const own = readStepOptions(ir, step);
  const credentials = own.repositoryCredentials;
  const locator = credentials === null ? undefined : secretLocator(ir, credentials, 'stepfunctions');
  return {
    image: step.image,
    jobRoleArn: own.jobRoleArn ?? options.jobRoleArn,
    secrets: definitionSecrets(ir, step),
    repositoryCredentials: typeof locator === 'string' ? locator : null,
    ownName: own.ownJobDefinition,
  };
}

/** A step's secrets as `containerProperties.secrets`, by env name: ARNs only, never values. */
export function definitionSecrets(ir: IR, step: IRStep): DefinitionSecret[] {
  const out: DefinitionSecret[] = [];
  for (const e of step.secretEnv) {
    const arn = secretLocator(ir, e.secret, 'stepfunctions');
    // The pipeline refuses a used secret without a usable locator before the target runs.
    if (typeof arn === 'string') out.push({ name: e.name, valueFrom: arn });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function differences(a: DefinitionKey, b: DefinitionKey): string[] {
  const out: string[] = [];
  if (a.image !== b.image) out.push(`images ('${a.image}', '${b.image}')`);
  if (a.jobRoleArn !== b.jobRoleArn) out.push('job roles');
  if (JSON.stringify(a.secrets) !== JSON.stringify(b.secrets)) out.push('secrets');
  if (a.repositoryCredentials !== b.repositoryCredentials) out.push('registry credentials');
  return out;
}

const span = (step: IRStep): Span => ({ file: step.origin.file, line: step.origin.line, col: step.origin.col });

/**
 * A `RegisterJobDefinition` request (https://docs.aws.amazon.com/batch/latest/APIReference/API_RegisterJobDefinition.html),
 * e.g. for `aws batch register-job-definition --cli-input-json`. Logs go to CloudWatch Logs with
 * the `awslogs` driver; the environment holds what every step of the flow shares (each step's own
 * environment comes with its submission and wins). Secrets are `secrets: [{ name, valueFrom }]`
 * with the ARN, which Batch resolves with the execution role when the job starts
 * (https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data.html); registry
 * credentials are `repositoryCredentials.credentialsParameter`
 * (https://docs.aws.amazon.com/batch/latest/userguide/private-registry.html).
 */
function registerRequest(o: { ir: IR; options: BatchOptions; name: string; key: DefinitionKey; resources: IRResources }): Record<string, unknown> {
  const { options, key } = o;
  const container: Record<string, unknown> = {
    image: key.image,
    resourceRequirements: batchResources(o.resources, options.platform).map((r) => ({ type: r.Type, value: r.Value })),
    environment: [
      { name: 'FLOWC_FLOW', value: o.ir.flow.name },
      { name: 'FLOWC_CONFIG_HASH', value: o.ir.config.hash },
    ],
  };
  if (key.secrets.length > 0) container.secrets = key.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom }));
  if (key.repositoryCredentials !== null) container.repositoryCredentials = { credentialsParameter: key.repositoryCredentials };
  if (key.jobRoleArn !== null) container.jobRoleArn = key.jobRoleArn;
  if (options.executionRoleArn !== null) container.executionRoleArn = options.executionRoleArn;
  container.logConfiguration = { logDriver: 'awslogs', options: { 'awslogs-group': options.logGroup } };
  if (options.platform === 'FARGATE') {
    container.networkConfiguration = { assignPublicIp: options.assignPublicIp ? 'ENABLED' : 'DISABLED' };
    container.fargatePlatformConfiguration = { platformVersion: 'LATEST' };
  }
  return {
    jobDefinitionName: o.name,
    type: 'container',
    platformCapabilities: [options.platform],
    containerProperties: container,
  };
}

/**
 * Batch `ResourceRequirements` (https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html):
 * VCPU in vCPUs and MEMORY in MiB, GPU only when the step asks for one. EC2 takes whole vCPUs
 * (500m becomes 1) and any memory (rounded up to whole MiB). Fargate takes only fixed pairs:
 * the smallest one that holds the step (fargateSize); a step too large for any is FLOWC663.
 */
export function batchResources(r: IRResources, platform: 'EC2' | 'FARGATE'): { Type: string; Value: string }[] {
  const fargate = platform === 'FARGATE' ? fargateSize(r) : null;
  const vcpu = fargate ? fargate.vcpu : platform === 'EC2' ? Math.max(1, Math.ceil(r.cpuMillis / 1000)) : r.cpuMillis / 1000;
  const memory = fargate ? fargate.memoryMiB : Math.ceil(r.memoryMiB);
  const out = [
    { Type: 'VCPU', Value: String(vcpu) },
    { Type: 'MEMORY', Value: String(memory) },
  ];
  if (r.gpu > 0) out.push({ Type: 'GPU', Value: String(r.gpu) });
  return out;
}

/** Fargate's vCPU values and the memory (MiB) each allows: first, last, step. */
const FARGATE_SIZES: [number, number, number, number][] = [
  [0.25, 512, 2048, 512],
  [0.5, 1024, 4096, 1024],
  [1, 2048, 8192, 1024],
  [2, 4096, 16384, 1024],
  [4, 8192, 30720, 1024],
  [8, 16384, 61440, 4096],
  [16, 32768, 122880, 8192],
];

/**
 * The smallest Fargate size with at least the step's vCPUs and memory, or null when none is that
 * large. 0.25 vCPU allows 512, 1024 and 2048 MiB (listed as a step of 512 from 512, less 1536).
 */
export function fargateSize(r: IRResources): { vcpu: number; memoryMiB: number } | null {
  const cpu = r.cpuMillis / 1000;
  for (const [vcpu, first, last, step] of FARGATE_SIZES) {
    if (vcpu < cpu) continue;
    for (let m = first; m <= last; m += step) {
      if (vcpu === 0.25 && m === 1536) continue;
      if (m >= r.memoryMiB) return { vcpu, memoryMiB: m };
    }
  }
  return null;
}
