import type { IR } from '../../ir/types.js';
import { partitionOfRegion } from './partition.js';

/** How each step's container runs (SPEC section 6: Batch by default, ECS by option). */
export type Compute = 'batch' | 'ecs';

/** The `targets.stepfunctions` options this target reads, defaults applied. */
export interface SfnOptions {
  compute: Compute;
  /** Batch job queue (name or ARN). Default: the flow's name. */
  jobQueue: string;
  /**
   * Batch job definition per step image, as given (`jobDefinitions`, else `jobDefinition`, else
   * the flow's name). The target replaces it with the names of the definitions it writes, one per
   * image (job-definitions.ts): a Batch job cannot override its image.
   */
  jobDefinitionFor(image: string): string;
  ecs: EcsOptions;
  schedule: ScheduleOptions;
  batch: BatchOptions;
  /** The AWS partition of the ARNs flowc builds (partition.ts checks the options agree). */
  partition: string;
}

/** What the Batch job definitions flowc writes (`<name>.batch.json`) hold besides each image. */
export interface BatchOptions {
  /** The job definition names given: per image, and the one for the rest (null: the flow's name). */
  jobDefinitionNames: { byImage: Record<string, string>; base: string | null };
  platform: 'EC2' | 'FARGATE';
  jobRoleArn: string | null;
  executionRoleArn: string | null;
  logGroup: string;
  assignPublicIp: boolean;
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
    compute: { enum: ['batch', 'ecs'], description: 'Run steps as AWS Batch jobs (default) or ECS tasks' },
    jobQueue: { ...ARN_OR_NAME, description: "Batch job queue name or ARN (default: the flow's name)" },
    jobDefinition: { ...ARN_OR_NAME, description: "Name of the Batch job definition flowc writes for images not in jobDefinitions (default: the flow's name)" },
    jobDefinitions: { ...IMAGE_MAP, description: 'Name of the Batch job definition flowc writes per container image (a job cannot override its image)' },
    ecs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cluster: { ...ARN_OR_NAME, description: 'ECS cluster name or ARN (default: the default cluster)' },
        taskDefinition: { ...ARN_OR_NAME, description: "Task definition for images not in taskDefinitions (default: the flow's name)" },
        taskDefinitions: { ...IMAGE_MAP, description: 'Task definition per container image' },
        containerName: { type: 'string', minLength: 1, maxLength: 255, description: "Container that runs the step (default 'main')" },
        launchType: { enum: ['FARGATE', 'EC2'], description: 'Default FARGATE' },
        subnets: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 16 },
        securityGroups: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 5 },
        assignPublicIp: { type: 'boolean', description: 'Default false' },
      },
    },
    stateMachineArn: { type: 'string', pattern: '^arn:aws[a-z-]*:states:', description: 'ARN of the deployed state machine, for the schedule target' },
    region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$', description: 'With account, builds the state machine ARN for the schedule' },
    account: { type: 'string', pattern: '^[0-9]{12}$' },
    stateMachineName: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$', description: "State machine name in the built ARN (default: the flow's name)" },
    scheduleRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role EventBridge Scheduler assumes to start executions' },
    scheduleGroup: { type: 'string', pattern: '^[0-9a-zA-Z-_.]{1,64}$', description: 'EventBridge Scheduler schedule group' },
    partition: { enum: ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f'], description: 'AWS partition of the ARNs flowc builds (default: from region and the ARNs given, else aws)' },
    platform: { enum: ['EC2', 'FARGATE'], description: 'Batch compute the job definitions are for (default EC2)' },
    jobRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role the Batch job assumes (job definition jobRoleArn)' },
    executionRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::', description: 'IAM role Batch uses to pull the image and write logs; required with platform FARGATE' },
    logGroup: { type: 'string', pattern: '^[.\\-_/#A-Za-z0-9]{1,512}$', description: "CloudWatch Logs group of the jobs (default '/aws/batch/job')" },
    assignPublicIp: { type: 'boolean', description: 'Batch on Fargate: give the job a public IP (default false)' },
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

type JsonMap = Record<string, unknown>;

/** The options with defaults applied; the schema check already ran, so fields have their types. */
export function readOptions(ir: IR): SfnOptions {
  const o = asMap(ir.targets.stepfunctions);
  const ecs = asMap(o.ecs);
  const str = (m: JsonMap, k: string): string | null => (typeof m[k] === 'string' ? (m[k] as string) : null);
  const byImage = (m: JsonMap, mapKey: string, oneKey: string) => {
    const map = asMap(m[mapKey]);
    const one = str(m, oneKey) ?? ir.flow.name;
    return (image: string): string => (typeof map[image] === 'string' ? (map[image] as string) : one);
  };
  const arn = str(o, 'stateMachineArn');
  const region = str(o, 'region');
  const account = str(o, 'account');
  const name = str(o, 'stateMachineName') ?? ir.flow.name;
  return {
    compute: o.compute === 'ecs' ? 'ecs' : 'batch',
    jobQueue: str(o, 'jobQueue') ?? ir.flow.name,
    jobDefinitionFor: byImage(o, 'jobDefinitions', 'jobDefinition'),
    ecs: {
      cluster: str(ecs, 'cluster'),
      taskDefinitionFor: byImage(ecs, 'taskDefinitions', 'taskDefinition'),
      containerName: str(ecs, 'containerName') ?? 'main',
      launchType: ecs.launchType === 'EC2' ? 'EC2' : 'FARGATE',
      subnets: strings(ecs.subnets),
      securityGroups: strings(ecs.securityGroups),
      assignPublicIp: ecs.assignPublicIp === true,
    },
    schedule: {
      stateMachineArn: arn ?? (region && account ? `arn:${partitionOfRegion(region)}:states:${region}:${account}:stateMachine:${name}` : null),
      roleArn: str(o, 'scheduleRoleArn'),
      groupName: str(o, 'scheduleGroup'),
    },
    partition: str(o, 'partition') ?? (region ? partitionOfRegion(region) : 'aws'),
    batch: {
      jobDefinitionNames: { byImage: stringMap(o.jobDefinitions), base: str(o, 'jobDefinition') },
      platform: o.platform === 'FARGATE' ? 'FARGATE' : 'EC2',
      jobRoleArn: str(o, 'jobRoleArn'),
      executionRoleArn: str(o, 'executionRoleArn'),
      logGroup: str(o, 'logGroup') ?? '/aws/batch/job',
      assignPublicIp: o.assignPublicIp === true,
    },
  };
}

function asMap(v: unknown): JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonMap) : {};
}

function stringMap(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asMap(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
