import type { Json } from '../source/tree.js';

/**
 * The IR: a versioned, JSON-serializable model of one compiled flow, described by
 * `schemas/ir.schema.json`. Everything deploy-time is resolved here (configs, resources, retry,
 * images, static foreach lists, target options); everything run-time stays symbolic as typed
 * string parts, and each target renders those parts in its own syntax with its own escaping.
 */
export const IR_VERSION = 1;

export interface IR {
  irVersion: typeof IR_VERSION;
  /** The flowc version that produced this IR. */
  flowcVersion: string;
  flow: IRFlowMeta;
  config: IRConfig;
  parameters: IRParameter[];
  schedule: IRSchedule | null;
  /** Steps in a stable topological order: ties broken by the order steps appear in the flow file. */
  steps: IRStep[];
  /** Every `needs` edge as [from, to] (from must finish before to starts), sorted by step order. */
  edges: [string, string][];
  /** Resolved target options by canonical target id (only targets the flow mentions). */
  targets: Record<string, Json>;
  /**
   * The flow's `secrets:`, sorted by name (SPEC section 8): references, never values. Steps use
   * them through `IRStep.secretEnv`; `secretLocator` (src/ir/secrets.ts) reads one target's locator.
   */
  secrets: IRSecret[];
}

/** A named secret: where each engine finds it. flowc never sees the value. */
export interface IRSecret {
  name: string;
  /** Resolved locators by canonical target id, sorted by id; the shape is the target's own. */
  locators: Record<string, Json>;
  /** Where the secret is declared. */
  origin: IROrigin;
}

export interface IRFlowMeta {
  name: string;
  description: string | null;
  /** The flow file's name (no folder), for humans. */
  source: string;
  /** SHA-256 (hex) of the flow file's bytes. */
  sourceHash: string;
}

export interface IRConfig {
  /** SHA-256 (hex) of the canonical JSON of `values`. */
  hash: string;
  /** The resolved config of every declared config, by config name. */
  values: Record<string, Json>;
}

export type ParamType = 'string' | 'number' | 'integer' | 'boolean';

export interface IRParameter {
  name: string;
  type: ParamType;
  /** True when the parameter has no default and a value must be supplied at run start. */
  required: boolean;
  /** Absent when there is no default. */
  default?: string | number | boolean;
  enum?: (string | number | boolean)[];
  description?: string;
  origin: IROrigin;
}

export interface IRSchedule {
  /** A 5-field cron expression (minute hour day-of-month month day-of-week). */
  cron: string;
  /** IANA timezone name; null means UTC. */
  timezone: string | null;
  origin: IROrigin;
}

/** A flow location, relative to the flow file's folder, 1-based. */
export interface IROrigin {
  file: string;
  line: number;
  col: number;
}

export interface IRStep {
  /** The step id exactly as written in the flow. */
  id: string;
  /** Direct dependencies, in the order written. */
  needs: string[];
  image: string;
  exec: IRExec;
  /** User env (flow defaults merged with the step's own), sorted by name. FLOWC_* come from `stepEnv`. */
  env: IREnvVar[];
  /**
   * Env variables whose value is a secret the engine injects when the task starts (`NAME:
   * "${secrets.x}"`), sorted by name. Kept apart from `env` so that no text renderer (and not
   * `stepEnv`) can ever print one: a target renders these only through its engine's own
   * mechanism, and a target that has none refuses the flow (src/check/target-secrets.ts). A name
   * is in `env` or here, never both.
   */
  secretEnv: IRSecretEnv[];
  resources: IRResources;
  retry: IRRetry | null;
  timeoutSeconds: number | null;
  foreach: IRForeach | null;
  /**
   * The values this step publishes when it completes (`outputs:`), sorted by name. The step
   * writes each to the file `$FLOWC_OUTPUTS/<name>`; steps that depend on it (directly or not)
   * read it as `${steps.<id>.outputs.<name>}` (an `output` part) or iterate over it
   * (`IRForeach.from`). See docs/outputs.md for what each engine does with them.
   */
  outputs: IROutput[];
  /**
   * The step's own `targets:` overrides by canonical target id, resolved, sorted by id; only
   * targets the step overrides. The options a step runs with are these merged over `IR.targets`
   * (`stepTargetOptions`, src/ir/step-options.ts); keeping the overrides apart lets a target see
   * which steps differ from the flow (to share templates or job definitions among the others).
   */
  targets: Record<string, Json>;
  origin: IROrigin;
}

export type IRExec =
  /** A shell script, run as `sh -c` (targets choose the exact shell invocation). */
  | { kind: 'run'; script: IRString }
  /** An exec-form argv, no shell. */
  | { kind: 'command'; argv: IRString[] };

export interface IREnvVar {
  name: string;
  value: IRString;
}

/** `NAME: "${secrets.SECRET}"`: a reference to a secret, never a value. */
export interface IRSecretEnv {
  /** The env variable's name. */
  name: string;
  /** The secret's name, a key of `IR.secrets`. */
  secret: string;
  /** Where the env value was written. */
  origin: IROrigin;
}

export interface IRResources {
  /** CPU in millicores (1 core = 1000). */
  cpuMillis: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Number of GPUs; 0 for none. */
  gpu: number;
}

export interface IRRetry {
  /** Retries after the first attempt (so limit + 1 attempts at most). */
  limit: number;
  /** Delay before the first retry, in seconds. */
  delaySeconds: number;
  /** Multiplier applied to the delay after each retry (1 = constant). */
  backoff: number;
  /** Upper bound for any single delay, in seconds; null for none. */
  maxDelaySeconds: number | null;
}

export interface IRForeach {
  /** The static list, resolved at compile time; one task per item. Empty when `from` is set. */
  items: Json[];
  /**
   * A dynamic foreach: the items are the JSON list an ancestor step published as this output,
   * known only when that step completes. Null for a static list.
   */
  from: IROutputRef | null;
  /** Most items running at once; null for no limit. */
  parallelism: number | null;
}

/** `outputs: { <name>: { type } }`: a value the step publishes by writing `$FLOWC_OUTPUTS/<name>`. */
export interface IROutput {
  name: string;
  /**
   * `string`: the file's text, trailing newlines removed (as shell command substitution does).
   * `json`: the file must hold one JSON value; the step fails when it does not.
   */
  type: IROutputType;
  origin: IROrigin;
}

export type IROutputType = 'json' | 'string';

/** One output of one step. */
export interface IROutputRef {
  step: string;
  output: string;
}

/**
 * A string whose run-time parts stay symbolic. Adjacent literals are merged; an empty string is
 * `[]`. Targets render each part in their own syntax and escape `lit` parts for it.
 */
export type IRString = IRPart[];

export type IRPart =
  | { kind: 'lit'; value: string }
  /** `${params.NAME}`: the run's parameter value, formatted as text. */
  | { kind: 'param'; name: string }
  /** `${item}` or `${item.a[0]}`: the foreach item (or a path into it), formatted as text. */
  | { kind: 'item'; path: (string | number)[] }
  /** `${run.id}`: the engine's id of this run. */
  | { kind: 'run'; field: 'id' }
  /** `${flow.name}`: the flow's (or binding's) name. */
  | { kind: 'flow'; field: 'name' }
  /** `${step.name}`: the current step's id. */
  | { kind: 'step'; field: 'name' }
  /**
   * `${steps.<step>.outputs.<output>}`: an output of an ancestor step, as text. A `string`
   * output is its text; a `json` output its JSON text. When `step` is a foreach step, the text
   * is a JSON list of every task's value in item order (a `json` output's values parsed, a
   * `string` output's as JSON strings). JSON text is not byte-stable across engines: read it
   * with a JSON parser.
   */
  | { kind: 'output'; step: string; output: string };
