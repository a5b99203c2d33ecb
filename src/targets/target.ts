import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { LoweredGraph } from '../ir/blocks.js';
import type { IR } from '../ir/types.js';
import type { Json, LNode } from '../source/tree.js';
import type { LimitsTable } from './limits.js';

/** One file a target produces. `path` is a file name relative to the output folder. */
export interface Artifact {
  path: string;
  contents: string;
  /** The file printed to stdout when no `--out` is given. Exactly one per compile. */
  primary?: boolean;
}

export interface TargetContext {
  /**
   * Report problems (name collisions, engine limits, unsafe literals) with IR origins. Each target
   * gets a bag of its own: `diagnostics.hasErrors()` is about this target only, and the pipeline
   * drops the artifacts of a target that reported an error.
   */
  diagnostics: DiagnosticBag;
}

/** What a target that renders secrets needs from each secret's `secrets.<name>.<target id>`. */
export interface SecretSupport {
  /**
   * The locator this target reads, as a user would write it ("a Kubernetes Secret reference
   * { name, key }"), for FLOWC608; null when the target needs none (the `ir` target prints
   * references as they are).
   */
  locator: string | null;
  /** Why a locator is unusable for this target (FLOWC608), or undefined when it is fine. */
  checkLocator?: (locator: Json) => string | undefined;
}

/** What `Target.checkWrittenOptions` gets: one `targets.<id>` map of the flow or of a step. */
export interface WrittenOptionsCheck {
  /** The options as written at this level (a step's own overrides, or the flow's). */
  node: LNode;
  /** The options in effect there: for a step, its overrides merged over the flow's. */
  effective: LNode;
  /** How `node` is named in messages: `targets.argo`, `steps.train.targets.argo`. */
  path: string;
  /** The keys of the flow's `secrets:`. */
  secretNames: string[];
  diagnostics: DiagnosticBag;
}

/**
 * A backend. A target is pure: it never reads files, the clock or the environment. It maps the IR
 * to artifacts and reports problems; the CLI decides where (and whether) files are written.
 * Register a new target with one line in `src/targets/index.ts`.
 */
export interface Target {
  /** Canonical id used in `--target` and in the flow's `targets:` map. */
  id: string;
  aliases: string[];
  /** One line for `flowc targets`. */
  description: string;
  /** The engine's name as users know it ("Step Functions"), in diagnostics and docs. */
  engine: string;
  /** File name patterns this target writes, for `flowc targets` (e.g. `<name>.argo.yaml`). */
  files: string[];
  /** JSON Schema of this target's options (the flow's `targets.<id>` map), or null for none. */
  optionsSchema: object | null;
  /** The engine's documented limits (src/targets/limits.ts); null for a target with no engine. */
  limits: LimitsTable | null;
  /**
   * Which of this target's options a step may set in its own `targets.<id>` (SPEC section 8);
   * any other key there is FLOWC609. Absent or empty: no option is per-step. A step's options are
   * its overrides merged over the flow's (`stepTargetOptions`, src/ir/step-options.ts), and the
   * merged map is checked against `optionsSchema`.
   */
  perStepOptions?: readonly string[];
  /**
   * How this target renders secret references (`IRStep.secretEnv`, SPEC section 8). Absent: the
   * target cannot, and a flow whose steps use a secret is refused for it (FLOWC607), never
   * rendered with a plaintext fallback.
   */
  secrets?: SecretSupport;
  /**
   * Checks of option values that the options schema cannot express (an option that names a key
   * of the flow's `secrets:`), reported where each value was written. Called for every target a
   * flow mentions, with options that passed the schema.
   */
  checkWrittenOptions?: (req: WrittenOptionsCheck) => void;
  /**
   * True once this target renders step outputs and dynamic foreach (IRStep.outputs, `output`
   * string parts, IRForeach.from; docs/outputs.md). Absent: a flow that declares or reads a step
   * output is refused for this target before lowering, never compiled with the values missing.
   */
  stepOutputs?: true;
  compile(ir: IR, ctx: TargetContext): Artifact[];
  /**
   * For an engine without a DAG: the nested sequence/parallel blocks `compile` lowers the step
   * graph to (src/ir/lower-blocks.ts). `flowc graph --target` draws the orderings it added and
   * `flowc explain` names the Parallel branch of each step from it. Absent: the engine runs the
   * flow's DAG as written.
   */
  lowering?: (ir: IR) => LoweredGraph;
  /**
   * The name a flow deploys under on this engine, after the target's sanitizing (SPEC section 2),
   * and what that name names. Two bindings or sweep variants with the same deployed name would
   * overwrite each other, so `flowc build` reports them (FLOWC602). Absent: nothing is deployed.
   */
  deployment?: { what: string; name: (flowName: string) => string };
}
