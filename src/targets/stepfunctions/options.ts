import { stepTargetOptions } from '../../ir/step-options.js';
import type { IR, IRStep } from '../../ir/types.js';
import { optionReader } from '../options.js';
import { type Datastore, parseDatastore } from './datastore.js';
import { partitionOfRegion } from './partition.js';

/** How each step's container runs (SPEC section 6: Batch by default, ECS by option). */
export type Compute = 'batch' | 'ecs';

/** The `targets.stepfunctions` options this target reads, defaults applied. */
export interface SfnOptions {
  compute: Compute;
  /** Batch job queue (name or ARN) of a step: its own `jobQueue`, the flow's, else the flow's name. */
  jobQueueFor(step: IRStep): string;
  /**
   * Batch job definition of a step, as given (`jobDefinitions` by image, else `jobDefinition`,
   * else the flow's name). The target replaces it with the names of the definitions it writes
   * (job-definitions.ts): a Batch job cannot override its image, role or secrets.
   */
  jobDefinitionFor(step: IRStep): string;
  ecs: EcsOptions;
  schedule: ScheduleOptions;
  batch: BatchOptions;
  /** The AWS partition of the ARNs flowc builds (partition.ts checks the options agree). */
  partition: string;
  /** Where step outputs go (datastore.ts); null when not set (or not a valid URI: FLOWC675). */
  datastore: Datastore | null;
  /** Whether `datastore` was written at all (FLOWC674 is about it missing, not invalid). */
  datastoreWritten: boolean;
  /** The argv that uploads one output file, run as `<argv...> FILE S3URI`. */
  outputUploader: string[];
  /** How a non-series-parallel flow runs (batch-dag-plan.ts): Batch job dependencies or nested blocks. */
  dag: DagMode;
  /** Seconds between two looks at a sink job in a Batch DAG. */
  dagPollSeconds: number;
}

/** `auto`: a Batch DAG when it is exact and faithful, else blocks; `batch`: a Batch DAG or an error; `blocks`: always blocks. */
export type DagMode = 'auto' | 'batch' | 'blocks';

/** `aws s3 cp` (https://docs.aws.amazon.com/cli/latest/reference/s3/cp.html), quiet but for errors. */
export const DEFAULT_OUTPUT_UPLOADER = ['aws', 's3', 'cp', '--only-show-errors'];

/** What the Batch job definitions flowc writes (`<name>.batch.json`) hold besides each image. */
export interface BatchOptions {
  /** The job definition names given: per image, and the one for the rest (null: the flow's name). */
  jobDefinitionNames: { byImage: Record<string, string>; base: string | null };
  platform: 'EC2' | 'FARGATE';
  jobRoleArn: string | null;
  executionRoleArn: string | null;
  logGroup: string;
  assignPublicIp: boolean;
  /** The flow secret (by name) holding the private registry's credentials, or null. */
  repositoryCredentials: string | null;
}

/** The options a step may set for itself (SPEC section 8), merged over the flow's. */
export const SFN_PER_STEP_OPTIONS = ['jobQueue', 'jobDefinition', 'jobRoleArn', 'repositoryCredentials'] as const;

/** What one step's Batch job runs with: its own options over the flow's. */
export interface StepBatchOptions {
  jobQueue: string;
  /** The job definition name the step itself gives (not the flow's), or null. */
  ownJobDefinition: string | null;
  jobRoleArn: string | null;
  repositoryCredentials: string | null;
}

export interface EcsOptions {
  cluster: string | null;
  /** Task definition per image, as for Batch job definitions. Default: the flow's name. */
  taskDefinitionFor(image: string): string;
  /** The container of the task definition that runs the step. */
  containerName: string;
  launchType: 'FARGATE' | 'EC2';
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
}

export interface ScheduleOptions {
  /** The deployed state machine's ARN; default built from region, account and name. */
  stateMachineArn: string | null;
  /** The IAM role EventBridge Scheduler assumes to start executions (required with a schedule). */
  roleArn: string | null;
  /** EventBridge Scheduler schedule group; absent means the `default` group. */
  groupName: string | null;
}

const ARN_OR_NAME = { type: 'string', minLength: 1, maxLength: 1600 } as const;
const IMAGE_MAP = {
  type: 'object',
  propertyNames: { minLength: 1 },
  additionalProperties: ARN_OR_NAME,
} as const;

/**
 * JSON Schema of `targets.stepfunctions`, checked by the pipeline (`src/check/target-options.ts`)
 * before the target runs. Every field is optional; docs/targets/stepfunctions.md explains each.
 */
export const SFN_OPTIONS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'targets.stepfunctions',
  type: 'object',
  additionalProperties: false,
  properties: {
    compute: { enum: ['batch', 'ecs'], default: 'batch', description: 'Run steps as AWS Batch jobs (default) or ECS tasks' },
    jobQueue: { ...ARN_OR_NAME, description: "Batch job queue name or ARN (default: the flow's name)" },
    jobDefinition: { ...ARN_OR_NAME, description: "Name of the Batch job definition flowc writes for images not in jobDefinitions (default: the flow's name)" },
    jobDefinitions: { ...IMAGE_MAP, description: 'Name of the Batch job definition flowc writes per container image (a job cannot override its image)' },
    ecs: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        cluster: { ...ARN_OR_NAME, description: 'ECS cluster name or ARN (default: the default cluster)' },
        taskDefinition: { ...ARN_OR_NAME, description: "Task definition for images not in taskDefinitions (default: the flow's name)" },
        taskDefinitions: { ...IMAGE_MAP, description: 'Task definition per container image' },
        containerName: { type: 'string', minLength: 1, maxLength: 255, default: 'main', description: "Container that runs the step (default 'main')" },
        launchType: { enum: ['FARGATE', 'EC2'], default: 'FARGATE', description: 'Default FARGATE' },
        subnets: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 16 },
        securityGroups: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 5 },
        assignPublicIp: { type: 'boolean', default: false, description: 'Default false' },
      },
    },
    stateMachineArn: { type: 'string', pattern: '^arn:aws[a-z-]*:states:', description: 'ARN of the deployed state machine, for the schedule target' },
    region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$', description: 'With account, builds the state machine ARN for the schedule' },
    account: { type: 'string', pattern: '^[0-9]{12}$' },
    stateMachineName: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$', description: "State machine name in the built ARN (default: the flow's name)" },
    scheduleRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role EventBridge Scheduler assumes to start executions' },
    scheduleGroup: { type: 'string', pattern: '^[0-9a-zA-Z-_.]{1,64}$', description: 'EventBridge Scheduler schedule group' },
    partition: { enum: ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f'], description: 'AWS partition of the ARNs flowc builds (default: from region and the ARNs given, else aws)' },
    platform: { enum: ['EC2', 'FARGATE'], default: 'EC2', description: 'Batch compute the job definitions are for (default EC2)' },
    jobRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role the Batch job assumes (job definition jobRoleArn)' },
    executionRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role Batch uses to pull the image and write logs; required with platform FARGATE' },
    logGroup: { type: 'string', pattern: '^[.\\-_/#A-Za-z0-9]{1,512}$', default: '/aws/batch/job', description: "CloudWatch Logs group of the jobs (default '/aws/batch/job')" },
    assignPublicIp: { type: 'boolean', default: false, description: 'Batch on Fargate: give the job a public IP (default false)' },
    repositoryCredentials: { type: 'string', minLength: 1, description: "Name of the flow secret (a key of the flow's secrets:) holding the private registry's credentials: the job definition's repositoryCredentials.credentialsParameter" },
    datastore: { type: 'string', minLength: 1, description: 'S3 location step outputs go through, s3://bucket/prefix; required when the flow uses step outputs' },
    dag: {
      enum: ['auto', 'batch', 'blocks'],
      default: 'auto',
      description: 'How a flow whose needs are not series-parallel runs: auto (AWS Batch job dependencies when they express it exactly, else nested Parallel states), batch (Batch job dependencies, or an error), blocks (nested Parallel states)',
    },
    dagPollSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60, description: "Batch DAG: seconds between two DescribeJobs looks at a final job (default 60); each look costs 9 history events" },
    outputUploader: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: "Command that uploads one output file in the step's container, run as <argv...> FILE S3URI (default: aws s3 cp --only-show-errors)",
    },
  },
  // FARGATE tasks use awsvpc networking, which needs subnets.
  allOf: [
    {
      if: { properties: { compute: { const: 'ecs' } }, required: ['compute'] },
      then: {
        required: ['ecs'],
        properties: {
          ecs: {
            if: { not: { properties: { launchType: { const: 'EC2' } }, required: ['launchType'] } },
            then: { required: ['subnets'] },
          },
        },
      },
    },
  ],
} as const;

/** `targets.stepfunctions` as written, with the schema's defaults filled in. */
interface SfnWritten {
  compute: Compute;
  jobQueue?: string;
  jobDefinition?: string;
  jobDefinitions?: Record<string, string>;
  ecs: {
    cluster?: string;
    taskDefinition?: string;
    taskDefinitions?: Record<string, string>;
    containerName: string;
    launchType: 'FARGATE' | 'EC2';
    subnets?: string[];
    securityGroups?: string[];
    assignPublicIp: boolean;
  };
  stateMachineArn?: string;
  region?: string;
  account?: string;
  stateMachineName?: string;
  scheduleRoleArn?: string;
  scheduleGroup?: string;
  partition?: string;
  platform: 'EC2' | 'FARGATE';
  jobRoleArn?: string;
  executionRoleArn?: string;
  logGroup: string;
  assignPublicIp: boolean;
  repositoryCredentials?: string;
  datastore?: string;
  outputUploader?: string[];
  dag: DagMode;
  dagPollSeconds: number;
}

const read = optionReader<SfnWritten>(SFN_OPTIONS_SCHEMA);

/** The options with defaults applied: the schema's, then those that depend on the flow (its name). */
export function readOptions(ir: IR): SfnOptions {
  const o = read(ir.targets.stepfunctions);
  // Own keys only: an image may be named like an Object.prototype member.
  const byImage = (map: Record<string, string> | undefined, one: string | undefined) => (image: string): string =>
    (map && Object.hasOwn(map, image) ? map[image] : undefined) ?? one ?? ir.flow.name;
  const name = o.stateMachineName ?? ir.flow.name;
  return {
    compute: o.compute,
    jobQueueFor: (step) => readStepOptions(ir, step).jobQueue,
    jobDefinitionFor: (step) => byImage(o.jobDefinitions, o.jobDefinition)(step.image),
    ecs: {
      cluster: o.ecs.cluster ?? null,
      taskDefinitionFor: byImage(o.ecs.taskDefinitions, o.ecs.taskDefinition),
      containerName: o.ecs.containerName,
      launchType: o.ecs.launchType,
      subnets: o.ecs.subnets ?? [],
      securityGroups: o.ecs.securityGroups ?? [],
      assignPublicIp: o.ecs.assignPublicIp,
    },
    schedule: {
      stateMachineArn: o.stateMachineArn ?? (o.region && o.account ? `arn:${partitionOfRegion(o.region)}:states:${o.region}:${o.account}:stateMachine:${name}` : null),
      roleArn: o.scheduleRoleArn ?? null,
      groupName: o.scheduleGroup ?? null,
    },
    partition: o.partition ?? (o.region ? partitionOfRegion(o.region) : 'aws'),
    datastore: datastoreOf(o.datastore),
    datastoreWritten: o.datastore !== undefined,
    outputUploader: o.outputUploader ?? DEFAULT_OUTPUT_UPLOADER,
    dag: o.dag,
    dagPollSeconds: o.dagPollSeconds,
    batch: {
      jobDefinitionNames: { byImage: { ...(o.jobDefinitions ?? {}) }, base: o.jobDefinition ?? null },
      platform: o.platform,
      jobRoleArn: o.jobRoleArn ?? null,
      executionRoleArn: o.executionRoleArn ?? null,
      logGroup: o.logGroup,
      assignPublicIp: o.assignPublicIp,
      repositoryCredentials: o.repositoryCredentials ?? null,
    },
  };
}

function datastoreOf(uri: string | undefined): Datastore | null {
  if (uri === undefined) return null;
  const parsed = parseDatastore(uri);
  return parsed.ok ? parsed.datastore : null;
}

/** A step's per-step options (SFN_PER_STEP_OPTIONS): its own `targets.stepfunctions` over the flow's. */
export function readStepOptions(ir: IR, step: IRStep): StepBatchOptions {
  const o = read(stepTargetOptions(ir, step, 'stepfunctions'));
  const own = Object.hasOwn(step.targets, 'stepfunctions') ? step.targets.stepfunctions : undefined;
  const ownName = own !== null && typeof own === 'object' && !Array.isArray(own) && Object.hasOwn(own, 'jobDefinition') ? own.jobDefinition : undefined;
  return {
    jobQueue: o.jobQueue ?? ir.flow.name,
    ownJobDefinition: typeof ownName === 'string' ? ownName : null,
    jobRoleArn: o.jobRoleArn ?? null,
    repositoryCredentials: o.repositoryCredentials ?? null,
  };
}
