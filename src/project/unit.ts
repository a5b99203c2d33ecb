import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';

/**
 * One thing `flowc build` or `flowc compile --sweep` compiles: a binding of a project, or one
 * variant of a sweep. Plain data (paths absolute), so it can be posted to a worker thread and
 * hashed for the cache. See docs/project.md.
 */
export interface CompileUnit {
  /** The binding or variant name: the artifacts' name and the output sub-folder. */
  name: string;
  /** Absolute path of the flow file. */
  flowPath: string;
  /** Cascade layer 3 (absolute paths), in the order the project file lists them. */
  bindingFiles: { name: string; file: string; span?: Span }[];
  /** Cascade layer 4 (`--config name=FILE`, absolute paths), in CLI order. */
  configs: { name: string; file: string }[];
  /** `--set` overrides, then a sweep's overrides, in order. */
  sets: string[];
  /** Where each of `sets` was written, when in a file (a binding's `set:`); by index. */
  setSpans?: (Span | undefined)[];
  /** Canonical target ids, in the order the user gave them. */
  targets: string[];
  /** The folder relative paths in messages are resolved against. */
  cwd: string;
  /** Config files, extends and schemas must be inside this folder (FLOWC017); default: the flow's project root. */
  projectRoot?: string;
  /** `--allow-outside`. */
  allowOutside?: boolean;
}

/** One file a unit produces; `path` is relative to the unit's output folder. */
export interface UnitFile {
  path: string;
  contents: string;
}

/** What a compile read: each file with the SHA-256 of the text it saw (null: unreadable), and each env var. */
export interface UnitDeps {
  files: { path: string; sha256: string | null }[];
  env: { name: string; value: string | null }[];
}

/** The result of compiling one unit, in a worker, in process, or from the cache. */
export interface UnitOutput {
  name: string;
  ok: boolean;
  diagnostics: Diagnostic[];
  /** The target artifacts, then the config lockfile. Empty when `ok` is false. */
  files: UnitFile[];
  configHash?: string;
  deps?: UnitDeps;
  /** Set when the cache supplied this output. */
  fromCache?: boolean;
  /** The worker thread that compiled it (0: the main thread); for tests and stats. */
  threadId?: number;
}
