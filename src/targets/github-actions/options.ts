import type { IR } from '../../ir/types.js';
import { optionReader } from '../options.js';

const RUNNER = {
  description: 'A runner label or a list of labels (jobs.<job_id>.runs-on)',
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  ],
} as const;

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
  /** Absent: one group per flow and ref (workflow.ts); false: no `concurrency` key. */
  concurrency?: false | { group: string; cancelInProgress: boolean };
}

const read = optionReader<GhaOptions>(GHA_OPTIONS_SCHEMA);

/** The options of `ir.targets['github-actions']` with the schema's defaults (checked by FLOWC601 already). */
export function readOptions(ir: IR): GhaOptions {
  return read(ir.targets['github-actions']);
}
