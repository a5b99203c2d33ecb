import type { Span } from '../source/span.js';
import type { LMap, LNode, LScalar, LSeq } from '../source/tree.js';

/**
 * The flow as written: typed access to the located nodes of a flow file that passed the flow
 * schema (`schemas/flow.schema.json`). Values stay located trees because any of them may still be
 * a `${...}` interpolation; `src/ir/lower.ts` resolves them into the IR.
 */
export interface WrittenFlow {
  /** Absolute path of the flow file. */
  file: string;
  root: LMap;
  flowc: LScalar;
  name: LScalar;
  description?: LScalar;
  configs: WrittenConfigDecl[];
  parameters: WrittenParameter[];
  schedule?: LNode;
  defaults?: WrittenStepFields;
  targets: WrittenTargetOptions[];
  /** `secrets:` in the order written (SPEC section 8). */
  secrets: WrittenSecret[];
  steps: WrittenStep[];
}

/** A named secret: where each target's engine finds it. flowc never sees the value. */
export interface WrittenSecret {
  name: string;
  nameSpan: Span;
  node: LMap;
  /** Locators by canonical target id, in the order written (a string or a map; the target judges). */
  locators: WrittenTargetOptions[];
}

export interface WrittenConfigDecl {
  name: string;
  nameSpan: Span;
  node: LMap;
  /** Paths as written (relative to the flow file's folder). */
  files: LScalar[];
  schema?: LScalar;
  default?: LMap;
}

export interface WrittenParameter {
  name: string;
  nameSpan: Span;
  node: LMap;
  type: LScalar;
  default?: LNode;
  required?: LScalar;
  enum?: LSeq;
  description?: LScalar;
}

export interface WrittenTargetOptions {
  /** Canonical target id as written (argo, stepfunctions, github-actions, gcp-workflows). */
  id: string;
  idSpan: Span;
  node: LNode;
}

/** Fields a step shares with the flow's `defaults:`. */
export interface WrittenStepFields {
  node: LMap;
  image?: LNode;
  resources?: LNode;
  retry?: LNode;
  timeout?: LNode;
  env?: LNode;
}

export interface WrittenStep extends WrittenStepFields {
  id: string;
  idSpan: Span;
  description?: LScalar;
  needs?: LNode;
  run?: LNode;
  command?: LNode;
  foreach?: LNode;
  parallelism?: LNode;
  /** `outputs:` (docs/outputs.md): a map of output name to `{ type: json | string }`. */
  outputs?: LNode;
  /** Per-step target options (SPEC section 8), merged over the flow's `targets:` when lowered. */
  targets: WrittenTargetOptions[];
}
