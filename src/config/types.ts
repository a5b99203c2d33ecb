import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import type { Origin, Span } from '../source/span.js';
import type { Json, LNode } from '../source/tree.js';
import type { PathGuard } from './path-guard.js';
import type { TaintedLeaf } from './taint.js';

/** One `configs:` entry of a flow, with paths already made absolute (SPEC §4 layers 1 and 2). */
export interface ConfigDecl {
  name: string;
  nameSpan: Span;
  /** The flow's `files:`, in order. */
  files: { path: string; span: Span }[];
  schema?: { path: string; span: Span };
  /** The inline `default:` map (located). */
  default?: LNode;
}

/** Everything the cascade reads (SPEC §4). Paths are absolute. */
export interface ResolveConfigsRequest {
  decls: ConfigDecl[];
  /** Layer 3: binding files from the project file. */
  bindingFiles?: { name: string; file: string; span?: Span }[];
  /** Layer 4: `--config name=FILE`, in CLI order; `arg` is the argument as typed. */
  cliConfigs?: { name: string; file: string; arg: string }[];
  /** Layer 5: raw `--set` strings in CLI order. */
  sets?: string[];
  /** Where each of `sets` was written, when it came from a file (a binding's `set:`); by index. */
  setSpans?: (Span | undefined)[];
  /** The compile-time environment for `${env:...}`. */
  env: Record<string, string | undefined>;
  sources: SourceRegistry;
  diagnostics: DiagnosticBag;
  /** Refuses config files, extends and schemas outside the project root (FLOWC017); none: no check. */
  guard?: PathGuard;
  /**
   * How file paths appear inside message text (the chain of an extends cycle). Spans are made
   * relative by the printer; this is only for paths written into messages. Default: relative to
   * the working directory, as diagnostics print.
   */
  relativize?: (absPath: string) => string;
}

/** A value an override or a later layer replaced. */
export interface Overridden {
  origin: Origin;
  value: Json;
}

/** Where a value produced by interpolation took its parts from. */
export interface InterpolationSource {
  /** The reference as written inside `${...}`: `train.cpu`, `env:HOME`. */
  ref: string;
  /** Where the referenced value came from (an env var, or the referenced leaf's own origin). */
  origin: Origin;
  /** True when `${env:NAME,default}` used its default because NAME was not set. */
  defaulted?: boolean;
}

/** The provenance of one resolved leaf (a scalar, or an empty map or list). */
export interface LeafProvenance {
  /** Path inside its config: `train.cpu`, `regions[0]`, `"dotted.key".x`. */
  path: string;
  value: Json;
  /** Where the final value came from; for an interpolated value, where the `${...}` string stood. */
  origin: Origin;
  /** Values it replaced, most recent first. */
  overrode: Overridden[];
  /** Set when the value came from interpolation: the text as written and what it read. */
  interpolated?: { template: string; sources: InterpolationSource[] };
}

export interface ResolvedConfigs {
  /**
   * Resolved config by config name; map keys keep the cascade's insertion order. Tainted values
   * (`tainted`) read as REDACTED here and in `provenance`: nothing downstream holds them.
   */
  values: Record<string, Json>;
  /** Values flowc keeps out of everything it writes, by config name (src/config/taint.ts). */
  tainted: Record<string, TaintedLeaf[]>;
  /** Leaves by config name, sorted by path. */
  provenance: Record<string, LeafProvenance[]>;
}
