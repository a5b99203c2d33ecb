import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRResources } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { BatchOptions } from './options.js';

/** Batch job definition names: letters, digits, '-' and '_', at most 128 (RegisterJobDefinition). */
const JOB_DEFINITION_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const NAME_WITH_REVISION = /^([A-Za-z0-9_-]{1,128}):([0-9]+)$/;

export interface JobDefinitions {
  /** The job definition (by name, so its latest revision runs) a step with this image submits to. */
  nameFor(image: string): string;
  /** One `RegisterJobDefinition` request per image, in the order the images first appear. */
  requests: Record<string, unknown>[];
}

/**
 * The Batch job definitions a flow needs, one per distinct image (`<name>.batch.json`).
 *
 * A Batch job runs the image of its job definition: `ContainerOverrides` can change the command,
 * environment and resources, never the image. So flowc writes a definition for each image the
 * flow uses and submits each step to the one holding its image, by name (Batch then runs the
 * latest active revision, the one the deploy registered). Resources, environment and timeout stay
 * per step in the submission; the definition carries the first step's resources as its defaults.
 * A name option that would make two images share a definition, or that points at a definition
 * flowc does not write (an ARN), is refused (FLOWC627): the image would not be guaranteed.
 */
export function planJobDefinitions(o: { ir: IR; options: BatchOptions; span: Span; diagnostics: DiagnosticBag }): JobDefinitions {
  const { ir, options } = o;
  const firstUse = new Map<string, (typeof ir.steps)[number]>();
  for (const step of ir.steps) if (!firstUse.has(step.image)) firstUse.set(step.image, step);
  const { byImage, base } = options.jobDefinitionNames;
  const unmapped = [...firstUse.keys()].filter((image) => byImage[image] === undefined);
  const names = new Map<string, string>();
  const imageOf = new Map<string, string>();
  for (const [image, step] of firstUse) {
    const given = byImage[image];
    const setting = given !== undefined ? `jobDefinitions['${image}']` : base !== null ? 'jobDefinition' : null;
    let name = given ?? (unmapped.length === 1 ? (base ?? ir.flow.name) : `${base ?? ir.flow.name}-${step.id}`);
    const pinned = NAME_WITH_REVISION.exec(name);
    if (pinned) {
      o.diagnostics.report(
        'FLOWC628',
        `${setting ?? 'the job definition'} '${name}' names revision ${pinned[2]}, whose image flowc cannot see; flowc writes job definition '${pinned[1]}' with image '${image}' to ${ir.flow.name}.batch.json and submits to its latest revision`,
        o.span,
        [`write '${pinned[1]}' without the revision`],
      );
      name = pinned[1] as string;
    } else if (!JOB_DEFINITION_NAME.test(name)) {
      o.diagnostics.report(
        'FLOWC627',
        `${setting ?? 'the job definition'} '${name}' is not a job definition name (letters, digits, '-' and '_', at most 128): flowc writes the definition for image '${image}' to ${ir.flow.name}.batch.json and submits to it by name, so a definition it does not write (an ARN) cannot be guaranteed to run that image`,
        o.span,
      );
    }
    const other = imageOf.get(name);
    if (other !== undefined) {
      o.diagnostics.report(
        'FLOWC627',
        `images '${other}' and '${image}' would share job definition '${name}', but a Batch job runs its definition's image and cannot override it; give each image its own name in targets.stepfunctions.jobDefinitions`,
        o.span,
      );
    }
    imageOf.set(name, image);
    names.set(image, name);
  }
  const requests = [...firstUse].map(([image, step]) => registerRequest({ ir, options, name: names.get(image) as string, image, resources: step.resources }));
  return {
    nameFor: (image) => {
      const name = names.get(image);
      if (name === undefined) throw new Error(`internal: no job definition for image ${image}`);
      return name;
    },
    requests,
  };
}

/**
 * A `RegisterJobDefinition` request (https://docs.aws.amazon.com/batch/latest/APIReference/API_RegisterJobDefinition.html),
 * e.g. for `aws batch register-job-definition --cli-input-json`. Logs go to CloudWatch Logs with
 * the `awslogs` driver; the environment holds what every step of the flow shares (each step's own
 * environment comes with its submission and wins).
 */
function registerRequest(o: { ir: IR; options: BatchOptions; name: string; image: string; resources: IRResources }): Record<string, unknown> {
  const { options } = o;
  const container: Record<string, unknown> = {
    image: o.image,
    resourceRequirements: batchResources(o.resources, options.platform).map((r) => ({ type: r.Type, value: r.Value })),
    environment: [
      { name: 'FLOWC_FLOW', value: o.ir.flow.name },
      { name: 'FLOWC_CONFIG_HASH', value: o.ir.config.hash },
    ],
  };
  if (options.jobRoleArn !== null) container.jobRoleArn = options.jobRoleArn;
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
