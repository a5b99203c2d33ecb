import type { IR } from '../../ir/types.js';

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
      description: 'The workflow GITHUB_TOKEN permissions; default { contents: read }',
      anyOf: [
        { enum: ['read-all', 'write-all'] },
        { type: 'object', additionalProperties: PERMISSION_LEVEL },
      ],
    },
    concurrency: {
      description: 'At most one run of this workflow per group (workflow-level concurrency)',
      type: 'object',
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
  gpuRunsOn: Runner | null;
  container: boolean;
  gpuContainerOptions: string;
  permissions: string | Record<string, string>;
  concurrency: { group: string; cancelInProgress: boolean } | null;
}

/**
 * The options of `ir.targets['github-actions']` with defaults applied. The compiler has already
 * checked them against GHA_OPTIONS_SCHEMA; a value of the wrong type here falls back to its default.
 */
export function readOptions(ir: IR): GhaOptions {
  const raw = ir.targets['github-actions'];
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const runner = (v: unknown): Runner | null =>
    typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  const perms = o.permissions;
  const conc = o.concurrency;
  return {
    runsOn: runner(o.runsOn) ?? 'ubuntu-latest',
    gpuRunsOn: runner(o.gpuRunsOn),
    container: typeof o.container === 'boolean' ? o.container : true,
    gpuContainerOptions: typeof o.gpuContainerOptions === 'string' ? o.gpuContainerOptions : '--gpus all',
    permissions:
      typeof perms === 'string' || (perms !== null && typeof perms === 'object' && !Array.isArray(perms))
        ? (perms as string | Record<string, string>)
        : { contents: 'read' },
    concurrency:
      conc !== null && typeof conc === 'object' && !Array.isArray(conc) && typeof conc.group === 'string'
        ? { group: conc.group, cancelInProgress: conc.cancelInProgress === true }
        : null,
  };
}
