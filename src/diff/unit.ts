import type { WrittenFlow } from '../flow/ast.js';
import type { IR } from '../ir/types.js';
import type { ConfigLeaves } from './config-keys.js';

/** One side of one comparison: a compiled flow or binding, an IR file, or a build folder's unit. */
export interface DiffUnit {
  /** The binding's name, the flow's name, or the build folder's subfolder. */
  name: string;
  /** Absent for a build folder without `<name>.ir.json`. */
  ir?: IR;
  /** The flow as written, when this side was compiled here (for naming the config keys a field reads). */
  flow?: WrittenFlow;
  config: ConfigLeaves;
  /** Turns a file named in `config`'s origins into what the user reads. */
  place: (file: string) => string;
  /** Target artifacts by file name (lockfile and IR left out: they are compared semantically). */
  artifacts: Map<string, string>;
}

/** One side of `flowc diff`: what the user named it, and its units. */
export interface DiffSide {
  label: string;
  units: DiffUnit[];
}

/** Files compared by meaning, not text: the lockfile's provenance moves when a config is reformatted. */
export function comparedAsText(file: string): boolean {
  return !file.endsWith('.config.lock.json') && !file.endsWith('.ir.json');
}
