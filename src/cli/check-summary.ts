import type { PlannedFile } from '../project/outputs.js';
import { visibleText } from '../source/visible-text.js';
import { configChanges } from './config-changes.js';
import { irChangeLines } from '../diff/summary.js';

const LOCK_SUFFIX = '.config.lock.json';

/**
 * The first thing `flowc build --check` (and a sweep's) prints when outputs are out of date: per
 * binding, the files that differ or are missing and which config keys changed them (from the old
 * and new lockfiles), so a CI log says what happened without a diff; the diff follows only with
 * `--diff` or on a terminal (docs/decisions.md, "Diagnostics and CLI").
 */
export function checkSummary(options: {
  noun: string;
  unitCount: number;
  differing: { file: PlannedFile; onDisk: string | undefined }[];
  stale: string[];
}): string {
  const { differing, noun } = options;
  if (differing.length === 0 && options.stale.length === 0) return '';
  const byUnit = new Map<string, { file: PlannedFile; onDisk: string | undefined }[]>();
  for (const d of differing) {
    const slash = d.file.rel.indexOf('/');
    const unit = slash < 0 ? '' : d.file.rel.slice(0, slash);
    byUnit.set(unit, [...(byUnit.get(unit) ?? []), d]);
  }
  const units = [...byUnit.keys()].filter((u) => u !== '');
  const missing = differing.filter((d) => d.onDisk === undefined).length;
  const differ = differing.length - missing;
  const parts: string[] = [];
  if (differ > 0) parts.push(`${differ} file${differ === 1 ? ' differs' : 's differ'}`);
  if (missing > 0) parts.push(`${missing} missing`);
  if (options.stale.length > 0) parts.push(`${options.stale.length} stale`);
  const lines = [`flowc --check: ${units.length} of ${options.unitCount} ${noun}${options.unitCount === 1 ? '' : 's'} out of date (${parts.join(', ')})`];
  for (const unit of units) {
    const ds = byUnit.get(unit) ?? [];
    const names = (pick: (d: { onDisk: string | undefined }) => boolean) => ds.filter(pick).map((d) => d.file.rel.slice(unit.length + 1));
    const changed = names((d) => d.onDisk !== undefined);
    const gone = names((d) => d.onDisk === undefined);
    const what = [changed.length > 0 ? `${changed.join(', ')} differ${changed.length === 1 ? 's' : ''}` : '', gone.length > 0 ? `${gone.join(', ')} missing` : ''].filter(Boolean).join('; ');
    lines.push(`  ${visibleText(unit)}: ${visibleText(what)}`);
    lines.push(...causeLines(ds));
    // The per-step summary of `flowc diff`, when the binding is built for the ir target too.
    lines.push(...irLines(ds));
  }
  for (const d of byUnit.get('') ?? []) lines.push(`  ${visibleText(d.file.rel)} ${d.onDisk === undefined ? 'is missing' : 'differs'}`);
  return `${lines.join('\n')}\n`;
}

/** Why a unit's files changed: the config keys (from its lockfile), else the flow or flowc. */
function causeLines(ds: { file: PlannedFile; onDisk: string | undefined }[]): string[] {
  if (ds.every((d) => d.onDisk === undefined)) return [];
  const lock = ds.find((d) => d.file.rel.endsWith(LOCK_SUFFIX));
  if (!lock) return ['    config unchanged: the flow file or flowc itself changed these files'];
  if (lock.onDisk === undefined) return ['    no lockfile on disk to compare the config with'];
  const changes = configChanges(lock.onDisk, lock.file.contents);
  if (!changes) return ['    the lockfile on disk is not one flowc wrote; config changes unknown'];
  const out = changes.keys.map((k) => `    config ${k}`);
  if (changes.more > 0) out.push(`    and ${changes.more} more config key${changes.more === 1 ? '' : 's'} (--diff shows them)`);
  if (changes.flowChanged) out.push('    the flow file changed');
  if (out.length === 0) out.push('    config values unchanged (their provenance or flowc changed)');
  return out;
}

/** What changes for the engine, keyed by step, from the IR on disk and the IR just compiled. */
function irLines(ds: { file: PlannedFile; onDisk: string | undefined }[]): string[] {
  const ir = ds.find((d) => d.file.rel.endsWith('.ir.json'));
  if (!ir || ir.onDisk === undefined) return [];
  return irChangeLines({ before: ir.onDisk, after: ir.file.contents, indent: '    ' });
}
