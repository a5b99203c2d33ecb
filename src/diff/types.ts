import type { Json } from '../source/tree.js';

/** A config key whose resolved value differs between the two sides, and where it was set. */
export interface ConfigKeyChange {
  /** `<config>.<path>`, as `flowc config --explain` names it: `app.train.cpu`, `app.regions[0]`. */
  key: string;
  /** Absent: the key did not exist on that side. */
  before?: Json;
  after?: Json;
  /** Where the value was set: `config/ctr.toml:4:1`, `--set app.x=1`; the before side's when the key was removed. */
  at?: string;
}

/** One field of the flow or of a step whose value differs. */
export interface FieldChange {
  /** Dotted field path: `resources.cpu`, `env.LOG_LEVEL`, `targets.argo.namespace`, `schedule.cron`. */
  field: string;
  before?: Json;
  after?: Json;
  /** The changed config keys this field reads (`${app...}` in the flow where it is written). */
  causes?: ConfigKeyChange[];
}

export interface StepDiff {
  step: string;
  status: 'added' | 'removed' | 'changed';
  /** For a changed step, each differing field; for an added one, what it runs and after what (`after` only); for a removed one, empty. */
  changes: FieldChange[];
}

/** An artifact file that differs, exists only after or only before. */
export interface ArtifactChange {
  /** The target that writes the file, when its name says (`src/targets/*`: `files`). */
  target?: string;
  file: string;
  status: 'changed' | 'added' | 'removed';
}

/** The semantic diff of one binding (a project), one flow (configs), or one build folder. */
export interface UnitDiff {
  /** The binding or flow name. */
  unit: string;
  status: 'added' | 'removed' | 'changed';
  /** Flow-level fields: name, description, schedule, parameters, target options, secrets. */
  flow: FieldChange[];
  steps: StepDiff[];
  /** Every config key whose value changed, with where it was set. */
  config: ConfigKeyChange[];
  /** Target artifacts whose text changed ("what changes for the engine" where the IR cannot say). */
  artifacts: ArtifactChange[];
  /** Set when the IR of one side was not available (a build folder without the ir target). */
  note?: string;
}

export interface SemanticDiff {
  /** What a unit is: a project's binding, a flow, or a build folder's unit. */
  noun?: 'binding' | 'flow' | 'unit';
  before: string;
  after: string;
  units: UnitDiff[];
}

/** True when a unit has something to report (an unchanged unit is left out of the diff). */
export function unitChanged(u: UnitDiff): boolean {
  return u.status !== 'changed' || u.flow.length > 0 || u.steps.length > 0 || u.config.length > 0 || u.artifacts.length > 0;
}
