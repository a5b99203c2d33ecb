import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source/span.js';

/**
 * Config files, `extends:` targets and schemas may only be read from inside the project root
 * unless `--allow-outside` is given (docs/security.md, "Paths outside the project"): what a config
 * file holds is copied into artifacts, so `extends: ~/.docker/config.json` would publish the
 * user's registry credentials. Symlinks are resolved before the check.
 */
export class PathGuard {
  private readonly realRoot: string;

  constructor(
    /** The project root (absolute). */
    readonly root: string,
    readonly allowOutside: boolean,
    private readonly diagnostics: DiagnosticBag,
    /** How paths appear in messages. */
    private readonly relativize: (absPath: string) => string,
    /** `realOrResolved`, or the same answered once per path for all units of a build (one snapshot of the files). */
    private readonly realpath: (absPath: string) => string = realOrResolved,
  ) {
    this.realRoot = realpath(root);
  }

  /** True when `absPath` may be read; else reports FLOWC017 at `span` (where it was named). */
  allows(absPath: string, what: string, span?: Span): boolean {
    if (this.allowOutside) return true;
    const real = this.realpath(absPath);
    const rel = relative(this.realRoot, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return true;
    const shown = this.relativize(absPath);
    const via = real !== resolve(absPath) ? ` (a link to ${real})` : '';
    this.diagnostics.report('FLOWC017', `${what} ${shown}${via} is outside the project root ${this.root}`, span, [
      'flowc copies what config files hold into artifacts, so it reads them only from inside the project',
      'move the file into the project, or pass --allow-outside if reading it is intended',
    ]);
    return false;
  }
}

/**
 * The project root of a flow: the nearest folder at or above the flow's own that holds a project
 * file (`flowc.yaml`) or a `.git`, else the flow's folder.
 */
export function projectRootOf(flowFile: string): string {
  const start = dirname(resolve(flowFile));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'flowc.yaml')) || existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** The path with every symlink resolved; for a path that does not exist (yet), its nearest existing parent's. */
export function realOrResolved(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync.native(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realOrResolved(parent), abs.slice(parent.length + (parent.endsWith('/') ? 0 : 1)));
  }
}
