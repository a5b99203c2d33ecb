import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { IR } from '../ir/types.js';

/** One file a target produces. `path` is a file name relative to the output folder. */
export interface Artifact {
  path: string;
  contents: string;
  /** The file printed to stdout when no `--out` is given. Exactly one per compile. */
  primary?: boolean;
}

export interface TargetContext {
  /** Report problems (name collisions, engine limits, unsafe literals) with IR origins. */
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
  /** File name patterns this target writes, for `flowc targets` (e.g. `<name>.argo.yaml`). */
  files: string[];
  /** JSON Schema of this target's options (the flow's `targets.<id>` map), or null for none. */
  optionsSchema: object | null;
  compile(ir: IR, ctx: TargetContext): Artifact[];
  /**
   * The name a flow deploys under on this engine, after the target's sanitizing (SPEC section 2),
   * and what that name names. Two bindings or sweep variants with the same deployed name would
   * overwrite each other, so `flowc build` reports them (FLOWC602). Absent: nothing is deployed.
   */
  deployment?: { what: string; name: (flowName: string) => string };
}
