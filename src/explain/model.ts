/**
 * What `flowc explain` reports for one target: where each flow concept landed in the artifacts
 * that target produced. Every `as` is read from those artifacts (src/explain/<target>.ts), never
 * from a table kept beside the target, so it cannot drift from what `compile` writes.
 */
export interface Explanation {
  flow: string;
  target: string;
  engine: string;
  /** The files the target wrote, primary first. */
  files: string[];
  steps: StepMapping[];
  foreach: ConceptMapping[];
  /** How `needs` became the engine's ordering, and any ordering the target added. */
  ordering: string[];
  parameters: ConceptMapping[];
  schedule: string | null;
  secrets: ConceptMapping[];
  warnings: ExplainWarning[];
}

export interface StepMapping {
  step: string;
  /** The engine object that runs it: "Task state `train`". */
  as: string;
  /** Its containers, outermost first: "branch 2 of Parallel state `p`". */
  within: string[];
}

export interface ConceptMapping {
  /** The flow's name for it: a step id, a parameter, `train: HF_TOKEN`. */
  subject: string;
  as: string;
}

export interface ExplainWarning {
  code: string;
  message: string;
  /** `file:line:col`, relative to the working folder, when the warning has a place. */
  at?: string;
}

/** What a target's explainer derives from its artifacts; the command adds flow, files, warnings. */
export type TargetExplanation = Pick<Explanation, 'steps' | 'foreach' | 'ordering' | 'parameters' | 'schedule' | 'secrets'>;
