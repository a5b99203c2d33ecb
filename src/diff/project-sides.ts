import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bindingRequest } from '../api/project.js';
import { type Diagnostic, DiagnosticBag } from '../diagnostics/diagnostic.js';
import { relativeTo } from '../pipeline/paths.js';
import { loadProject, type Project } from '../project/project-file.js';
import { SourceRegistry } from '../source/files.js';
import { compileUnit } from './compile-unit.js';
import { exportTree } from './git-tree.js';
import type { DiffSide, DiffUnit } from './unit.js';

/** At most this many of the base revision's own problems are quoted in its FLOWC046. */
const MAX_BASE_NOTES = 10;

/**
 * `flowc diff --base REV`: every binding of the project compiled in the work tree and at REV
 * (a copy of the project folder out of git, under the OS temp folder, removed afterwards). The
 * work tree's problems are reported as they are; the revision's as one FLOWC046 warning per
 * failing part, each quoting its problems at `REV:path:line:col`, and what failed there counts as
 * absent (a broken base must not hide what the fix changes).
 */
export function projectSides(options: {
  projectFile: string;
  rev: string;
  cwd: string;
  env: Record<string, string | undefined>;
  targets?: string[];
  allowOutside: boolean;
  diagnostics: DiagnosticBag;
  sources: SourceRegistry;
}): { before: DiffSide; after: DiffSide } | undefined {
  const { diagnostics, rev } = options;
  const project = loadProject({ file: options.projectFile, sources: options.sources, diagnostics });
  if (!project || diagnostics.hasErrors()) return undefined;
  const after = compileBindings({ project, ...options, place: (abs) => relativeTo(options.cwd, abs), report: (ds) => diagnostics.addAll(ds) });
  const tree = exportTree({ dir: project.dir, rev, diagnostics });
  if (!tree) return undefined;
  try {
    const place = (abs: string) => `${rev}:${relativeTo(tree.root, abs)}`;
    const baseFile = join(tree.dir, relative(project.dir, options.projectFile));
    const shown = place(baseFile);
    const label = `${rev} (${tree.commit.slice(0, 12)})`;
    const sides = (units: DiffUnit[]) => ({ before: { label, units }, after: { label: 'work tree', units: after } });
    // A revision without a project, or with a broken one, is no reason to hide what the work tree has.
    if (!existsSync(baseFile)) {
      diagnostics.report('FLOWC046', `there is no ${shown}: every binding is shown as added`);
      return sides([]);
    }
    const baseBag = new DiagnosticBag();
    const baseProject = loadProject({ file: baseFile, sources: new SourceRegistry(), diagnostics: baseBag });
    if (!baseProject || baseBag.hasErrors()) {
      diagnostics.report('FLOWC046', `the project file ${shown} has errors at that revision: every binding is shown as added`, undefined, quoted(baseBag.items, place));
      return sides([]);
    }
    const before = compileBindings({
      ...options,
      project: baseProject,
      place,
      report: (ds, name) => {
        if (ds.some((d) => d.severity === 'error')) diagnostics.report('FLOWC046', `binding '${name}' does not compile at ${rev}: it is shown as added`, undefined, quoted(ds, place));
      },
    });
    return sides(before);
  } finally {
    rmSync(tree.root, { recursive: true, force: true });
  }
}

function compileBindings(options: {
  project: Project;
  env: Record<string, string | undefined>;
  targets?: string[];
  allowOutside: boolean;
  place: (abs: string) => string;
  report: (ds: Diagnostic[], binding: string) => void;
}): DiffUnit[] {
  const units: DiffUnit[] = [];
  for (const b of options.project.bindings) {
    const compiled = compileUnit({
      name: b.name,
      request: bindingRequest(options.project, b, { env: options.env, allowOutside: options.allowOutside }),
      targets: options.targets ?? b.targets,
      place: options.place,
    });
    options.report(compiled.diagnostics, b.name);
    if (compiled.unit) units.push(compiled.unit);
  }
  return units;
}

/** A revision's problems as notes, at `REV:path:line:col` (its files exist only in a temp folder). */
function quoted(ds: Diagnostic[], place: (abs: string) => string): string[] {
  const errors = ds.filter((d) => d.severity === 'error');
  const notes = errors.slice(0, MAX_BASE_NOTES).map((d) => `${d.span ? `${place(d.span.file)}:${d.span.line}:${d.span.col}: ` : ''}${d.code}: ${d.message}`);
  if (errors.length > MAX_BASE_NOTES) notes.push(`and ${errors.length - MAX_BASE_NOTES} more`);
  return notes;
}
