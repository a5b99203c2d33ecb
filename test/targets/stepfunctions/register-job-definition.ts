import { Ajv } from 'ajv';

/**
 * The part of the AWS Batch `RegisterJobDefinition` request flowc writes, as a JSON Schema taken
 * from the API reference (no offline Batch validator exists on npm):
 * https://docs.aws.amazon.com/batch/latest/APIReference/API_RegisterJobDefinition.html,
 * API_ContainerProperties.html, API_ResourceRequirement.html, API_KeyValuePair.html,
 * API_LogConfiguration.html, API_NetworkConfiguration.html, API_FargatePlatformConfiguration.html,
 * API_Secret.html, API_RepositoryCredentials.html.
 * Unknown fields are refused, as the API refuses them.
 */
const REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['jobDefinitionName', 'type'],
  properties: {
    jobDefinitionName: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
    type: { enum: ['container', 'multinode'] },
    platformCapabilities: { type: 'array', items: { enum: ['EC2', 'FARGATE'] }, minItems: 1, maxItems: 1 },
    containerProperties: {
      type: 'object',
      additionalProperties: false,
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1, maxLength: 255 },
        resourceRequirements: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'value'],
            properties: { type: { enum: ['GPU', 'VCPU', 'MEMORY'] }, value: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' } },
          },
        },
        environment: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'string' } } },
        },
        secrets: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['name', 'valueFrom'], properties: { name: { type: 'string', minLength: 1 }, valueFrom: { type: 'string', pattern: '^arn:aws[a-z-]*:(secretsmanager|ssm):' } } },
        },
        repositoryCredentials: {
          type: 'object',
          additionalProperties: false,
          required: ['credentialsParameter'],
          properties: { credentialsParameter: { type: 'string', pattern: '^arn:aws[a-z-]*:secretsmanager:' } },
        },
        jobRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::' },
        executionRoleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::' },
        logConfiguration: {
          type: 'object',
          additionalProperties: false,
          required: ['logDriver'],
          properties: {
            logDriver: { enum: ['json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'awsfirelens'] },
            options: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        networkConfiguration: { type: 'object', additionalProperties: false, properties: { assignPublicIp: { enum: ['ENABLED', 'DISABLED'] } } },
        fargatePlatformConfiguration: { type: 'object', additionalProperties: false, properties: { platformVersion: { type: 'string' } } },
      },
    },
  },
} as const;

const FILE = {
  type: 'object',
  additionalProperties: false,
  required: ['jobDefinitions'],
  properties: { jobDefinitions: { type: 'array', minItems: 1, items: REQUEST } },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(FILE);

/** Fargate's vCPU values and the memory (MiB) each allows (API_ResourceRequirement.html). */
const FARGATE: Record<string, number[]> = {
  '0.25': [512, 1024, 2048],
  '0.5': [1024, 2048, 3072, 4096],
  '1': range(2048, 8192, 1024),
  '2': range(4096, 16384, 1024),
  '4': range(8192, 30720, 1024),
  '8': range(16384, 61440, 4096),
  '16': range(32768, 122880, 8192),
};

function range(first: number, last: number, step: number): number[] {
  const out: number[] = [];
  for (let v = first; v <= last; v += step) out.push(v);
  return out;
}

/**
 * Problems of a `<name>.batch.json` text: the schema above, then the rules it cannot say: names
 * are unique; EC2 takes whole vCPUs; Fargate takes its listed vCPU/memory pairs, no GPU, and an
 * execution role; secrets and registry credentials need an execution role to be fetched
 * (specifying-sensitive-data-secrets.html, private-auth-iam.html); secret names are unique.
 */
export function batchFileProblems(text: string): string[] {
  const file = JSON.parse(text) as { jobDefinitions: Record<string, any>[] };
  if (!validate(file)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const problems: string[] = [];
  const names = file.jobDefinitions.map((d) => d.jobDefinitionName as string);
  if (new Set(names).size !== names.length) problems.push(`duplicate job definition names: ${names.join(', ')}`);
  for (const d of file.jobDefinitions) {
    const res = new Map<string, string>((d.containerProperties?.resourceRequirements ?? []).map((r: { type: string; value: string }) => [r.type, r.value]));
    const vcpu = res.get('VCPU');
    const memory = res.get('MEMORY');
    if (d.platformCapabilities?.[0] === 'FARGATE') {
      if (vcpu === undefined || memory === undefined || !FARGATE[vcpu]?.includes(Number(memory))) problems.push(`${d.jobDefinitionName}: ${vcpu} vCPU with ${memory} MiB is not a Fargate size`);
      if (res.has('GPU')) problems.push(`${d.jobDefinitionName}: a GPU on Fargate`);
      if (!d.containerProperties.executionRoleArn) problems.push(`${d.jobDefinitionName}: Fargate without an execution role`);
    } else if (vcpu !== undefined && !Number.isInteger(Number(vcpu))) problems.push(`${d.jobDefinitionName}: ${vcpu} vCPUs on EC2`);
    const c = d.containerProperties ?? {};
    if ((c.secrets?.length > 0 || c.repositoryCredentials) && !c.executionRoleArn) problems.push(`${d.jobDefinitionName}: secrets or registry credentials without an execution role`);
    const secretNames = (c.secrets ?? []).map((x: { name: string }) => x.name);
    if (new Set(secretNames).size !== secretNames.length) problems.push(`${d.jobDefinitionName}: duplicate secret names`);
  }
  return problems;
}
