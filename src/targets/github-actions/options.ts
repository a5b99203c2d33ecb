import { stepTargetOptions } from '../../ir/step-options.js';
import type { IR, IRStep } from '../../ir/types.js';
import { optionReader } from '../options.js';

const RUNNER = {
  description: 'A runner label or a list of labels (jobs.<job_id>.runs-on)',
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  ],
} as const;

/**
 * A deployment environment's name: at most 255 characters, case-insensitive (GitHub, "Managing
 * environments for deployment"). Control characters cannot be typed into one.
 */
const ENVIRONMENT_NAME_RULES = { minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;

const PERMISSION_LEVEL = { enum: ['read', 'write', 'none'] } as const;

/**
 * JSON Schema of `targets.github-actions` (validated by the compiler before any target runs,
 * see src/check/target-options.ts). Field names follow the workflow syntax where one exists:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax
 */
export const GHA_OPTIONS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'flowc github-actions target options',
  type: 'object',
  additionalProperties: false,
  properties: {
    runsOn: { ...RUNNER, default: 'ubuntu-latest' },
    gpuRunsOn: { ...RUNNER, description: 'Runner label(s) for steps that ask for a GPU' },
    container: {
      type: 'boolean',
      default: true,
      description: "Run each job in the step's image (true) or directly on the runner (false, host mode)",
    },
    gpuContainerOptions: {
      type: 'string',
      default: '--gpus all',
      description: 'Docker options for the container of a GPU step (jobs.<job_id>.container.options); empty for none',
    },
    environment: {
      description: "The job's deployment environment (jobs.<job_id>.environment): its protection rules and secrets apply; a name or { name, url }",
      // Not anyOf, so a bad value gets one error, not one per branch: string keywords apply to a
      // name, object keywords to the long form.
      type: ['string', 'object'],
      ...ENVIRONMENT_NAME_RULES,
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string', ...ENVIRONMENT_NAME_RULES }, url: { type: 'string', pattern: '^https?://[^\\s]+$' } },
    },
    containerCredentials: {
      description: "Registry login for a private image (jobs.<job_id>.container.credentials): username is literal text, password the name of a flow secret",
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: {
        username: { type: 'string', minLength: 1 },
        password: { type: 'string', minLength: 1 },
      },
    },
    permissions: {
      description: 'The workflow GITHUB_TOKEN permissions; default {} (no job checks out the repository or calls the API)',
      default: {},
      anyOf: [
        { enum: ['read-all', 'write-all'] },
        { type: 'object', additionalProperties: PERMISSION_LEVEL },
      ],
    },
    concurrency: {
      description: 'At most one run of this workflow per group (workflow-level concurrency); default one group per flow and ref, false for none',
      // Not anyOf: ajv fills in defaults only outside anyOf/oneOf, and these keywords apply to objects only.
      type: ['object', 'boolean'],
      not: { const: true },
      additionalProperties: false,
      required: ['group'],
      properties: {
        group: { type: 'string', minLength: 1 },
        cancelInProgress: { type: 'boolean', default: false },
      },
    },
  },
} as const;

export type Runner = string | string[];

export interface GhaOptions {
  runsOn: Runner;
  /** Absent: a GPU step is error FLOWC631. */
  gpuRunsOn?: Runner;
  container: boolean;
  gpuContainerOptions: string;
  permissions: string | Record<string, string>;
  environment?: string | { name: string; url?: string };
  /** `password` is a flow secret's name (a key of the flow's `secrets:`). */
  containerCredentials?: { username: string; password: string };
  /** Absent: one group per flow and ref (workflow.ts); false: no `concurrency` key. */
  concurrency?: false | { group: string; cancelInProgress: boolean };
}

/** The options a step may set in its own `targets.github-actions` (SPEC section 8). */
export const GHA_PER_STEP_OPTIONS = ['runsOn', 'environment', 'containerCredentials'] as const;

const read = optionReader<GhaOptions>(GHA_OPTIONS_SCHEMA);

/** The options of `ir.targets['github-actions']` with the schema's defaults (checked by FLOWC601 already). */
export function readOptions(ir: IR): GhaOptions {
  return read(ir.targets['github-actions']);
}

/** The options `step` runs with: its own overrides merged over the flow's, with the defaults. */
export function readStepOptions(ir: IR, step: IRStep): GhaOptions {
  return read(stepTargetOptions(ir, step, 'github-actions'));
}

/** The runner labels the step itself set, which win over `gpuRunsOn` for a GPU step. */
export function ownRunsOn(step: IRStep): Runner | undefined {
  const own = Object.hasOwn(step.targets, 'github-actions') ? step.targets['github-actions'] : undefined;
  if (own === null || typeof own !== 'object' || Array.isArray(own) || !Object.hasOwn(own, 'runsOn')) return undefined;
  return own.runsOn as Runner;
}
