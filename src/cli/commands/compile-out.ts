import { join } from 'node:path';
import { type Diagnostic, DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { COMPILE_MANIFEST, type Manifest, type ManifestUnit, readManifest, serializeManifest } from '../../project/manifest.js';
import { relPathProblem } from '../../project/output-paths.js';
import { compareWithDisk, type PlannedFile } from '../../project/outputs.js';
import { findStale, pruneStale } from '../../project/stale.js';
import { sha256Hex } from '../../source/canonical-json.js';
import { SourceRegistry } from '../../source/files.js';
import type { Json } from '../../source/tree.js';
import { findTarget } from '../../targets/index.js';
import { colourDiff, unifiedDiff } from '../diff.js';
import { type CliIO, EXIT } from '../io.js';
import { type DiagnosticsFormat, reportDiagnostics } from '../report.js';
import { writeFilesTransactionally } from '../write-files.js';
import { unreadableOutputs, writeOutcomeReport } from '../write-report.js';

/** A compile's artifacts as files under `outDir`, each path checked (a target naming a file outside it, or two the same, is a bug in flowc). */
export function plannedOutFiles(outDir: string, artifacts: { path: string; contents: string }[], display: (rel: string) => string): PlannedFile[] {
  const files = artifacts.map((a) => ({ path: join(outDir, a.path), rel: a.path, contents: a.contents }));
  const seen = new Set<string>();
  for (const f of files) {
    const problem = relPathProblem(f.rel);
    if (problem) throw new Error(`a target named its file ${JSON.stringify(f.rel)}, which ${problem}`);
    if (seen.has(f.path)) throw new Error(`two artifacts were named ${display(f.rel)}`);
    seen.add(f.path);
  }
  return files;
}

export interface CompileOutOptions {
  outDir: string;
  /** How a path relative to the output folder is shown. */
  display: (rel: string) => string;
  /** The flow's (deployed) name: the artifacts are `<name>.*`. */
  name: string;
  /** Canonical target ids of this run. */
  targets: string[];
  /** Every file of the run (artifacts and the lockfile), relative to the output folder. */
  files: PlannedFile[];
  /** The lockfile's relative path: every target's unit lists it. */
  lockRel: string;
  /** What the manifest records per unit, besides its files. */
  meta: Record<string, Json>;
  check: boolean;
  prune: boolean;
  format: DiagnosticsFormat;
}

/**
 * `compile --out DIR`, writing or checking, with `compile.manifest.json` (docs/project.md,
 * "compile --out"). The manifest has one unit per flow name and target (`<name>/<target>`), so a
 * folder several compiles share (one per target, one per flow) keeps the other runs' files: only
 * files that this flow and target wrote before and no longer produce (a removed schedule) are stale.
 */
export async function emitCompileOut(io: CliIO, o: CompileOutOptions): Promise<number> {
  const diagnostics = new DiagnosticBag();
  const manifestPath = join(o.outDir, COMPILE_MANIFEST);
  const previous = readManifest(manifestPath, 'compile');
  if (previous === 'unreadable') {
    diagnostics.report('FLOWC712', `${o.display(COMPILE_MANIFEST)} is not a manifest this flowc wrote; stale outputs of earlier compiles cannot be found`, undefined, [
      'files flowc no longer produces will not be reported or pruned; this compile writes a fresh manifest',
    ]);
  }
  const prev = typeof previous === 'string' ? undefined : previous;
  if (prev && prev.rejected.length > 0) {
    const n = prev.rejected.length;
    diagnostics.report('FLOWC714', `${o.display(COMPILE_MANIFEST)} lists ${n} file${n === 1 ? '' : 's'} flowc cannot have written; ${n === 1 ? 'it is' : 'they are'} ignored: never pruned nor reported as stale`, undefined, [
      ...prev.rejected.slice(0, 10).map((r) => `${JSON.stringify(r.path)} ${r.reason}`),
      ...(prev.rejected.length > 10 ? [`and ${n - 10} more`] : []),
    ]);
  }

  const current = unitsOf(o);
  const units = new Map<string, ManifestUnit>();
  const keep = new Set<string>();
  for (const [key, unit] of prev?.units ?? []) {
    if (current.has(key)) continue;
    keep.add(key);
    units.set(key, unit);
  }
  for (const [key, unit] of current) units.set(key, unit);
  const produced = new Set([...units.values()].flatMap((u) => Object.keys(u.files)));
  produced.add(COMPILE_MANIFEST);
  const stale = findStale({ outDir: o.outDir, previous: prev, produced, keep });
  const manifest: Manifest = { kind: 'compile', header: {}, units: new Map([...units].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), stale: o.prune ? {} : stale };
  const files = [...o.files, { path: manifestPath, rel: COMPILE_MANIFEST, contents: serializeManifest(manifest) }];
  const staleFiles = Object.keys(stale).sort();

  if (o.check) {
    const disk = compareWithDisk({ outDir: o.outDir, files, wantText: true });
    for (const { file, onDisk } of disk.differing) {
      if (onDisk === undefined) io.stdout(`missing: ${o.display(file.rel)}\n`);
      else io.stdout(colourDiff(unifiedDiff({ oldText: onDisk, newText: file.contents, oldName: `${o.display(file.rel)} (on disk)`, newName: `${o.display(file.rel)} (compiled)` }), io));
    }
    for (const rel of staleFiles) io.stdout(`stale: ${o.display(rel)} (this flow no longer produces it; --prune removes it)\n`);
    diagnostics.addAll(unreadableOutputs(disk, o.display));
    if (diagnostics.items.length > 0) report(io, diagnostics.items, o.format);
    const problems = disk.differing.length + staleFiles.length;
    if (problems > 0) {
      io.stderr(`flowc: ${problems} file${problems === 1 ? ' is' : 's are'} stale, missing or left over; run the same command without --check${staleFiles.length > 0 ? ' and with --prune' : ''} to update\n`);
    }
    return problems > 0 || diagnostics.hasErrors() ? EXIT.inputErrors : EXIT.ok;
  }

  const disk = compareWithDisk({ outDir: o.outDir, files, wantText: false });
  if (disk.refused.length > 0) {
    diagnostics.addAll(unreadableOutputs(disk, o.display));
    report(io, diagnostics.items, o.format);
    return EXIT.inputErrors;
  }
  const written = writeOutcomeReport(await writeFilesTransactionally({ root: o.outDir, files }), o.display);
  diagnostics.addAll(written.diagnostics);
  if (written.exit !== EXIT.ok) {
    report(io, diagnostics.items, o.format);
    return written.exit;
  }
  const removed: string[] = [];
  if (o.prune && staleFiles.length > 0) {
    const pruned = pruneStale(o.outDir, stale);
    removed.push(...pruned.removed);
    for (const rel of pruned.changed) diagnostics.report('FLOWC711', `${o.display(rel)} was written by an earlier compile but has been changed since; it was left in place and is no longer tracked`);
    for (const r of pruned.refused) {
      diagnostics.report('FLOWC717', `${o.display(r.rel)} is listed as a stale output but is ${r.what}; --prune deletes only regular files in real folders, so it was left in place and is no longer tracked`);
    }
  } else if (staleFiles.length > 0) {
    diagnostics.report('FLOWC710', `${staleFiles.length} file${staleFiles.length === 1 ? '' : 's'} an earlier compile of this flow wrote ${staleFiles.length === 1 ? 'is' : 'are'} no longer produced`, undefined, [
      ...staleFiles.slice(0, 10).map((rel) => `stale: ${o.display(rel)}`),
      ...(staleFiles.length > 10 ? [`and ${staleFiles.length - 10} more (listed under "stale" in ${o.display(COMPILE_MANIFEST)})`] : []),
      'run with --prune to remove them',
    ]);
  }
  if (diagnostics.items.length > 0) report(io, diagnostics.items, o.format);
  for (const rel of removed) io.stdout(`removed ${o.display(rel)}\n`);
  return EXIT.ok;
}

/** One manifest unit per target: the artifacts its file patterns name, plus the shared lockfile. */
function unitsOf(o: CompileOutOptions): Map<string, ManifestUnit> {
  const units = new Map<string, ManifestUnit>();
  const claimed = new Set<string>();
  for (const id of o.targets) {
    const patterns = new Set((findTarget(id)?.files ?? []).map((p) => p.replace('<name>', o.name)));
    const hashes: Record<string, string> = {};
    for (const f of o.files) {
      if (f.rel !== o.lockRel && !patterns.has(f.rel)) continue;
      hashes[f.rel] = sha256Hex(f.contents);
      claimed.add(f.rel);
    }
    units.set(`${o.name}/${id}`, { ...o.meta, target: id, files: hashes });
  }
  // A file no pattern names (a target's patterns are out of date) still belongs to this run.
  const first = units.values().next().value;
  for (const f of o.files) if (!claimed.has(f.rel) && first) first.files[f.rel] = sha256Hex(f.contents);
  return units;
}

function report(io: CliIO, ds: Diagnostic[], format: DiagnosticsFormat): void {
  reportDiagnostics({ io, diagnostics: ds, sources: new SourceRegistry(), format });
}
