import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import { reportReadFailure } from '../source/load-tree.js';
import { configLeaves } from './config-keys.js';
import { checkIR } from './ir-file.js';
import { comparedAsText, type DiffUnit } from './unit.js';

/** At most this many entries are read from a folder: a build folder holds a few files per binding. */
const MAX_ENTRIES = 2000;
const LOCK_SUFFIX = '.config.lock.json';
const IR_SUFFIX = '.ir.json';

/**
 * The units of a build output folder: the folder itself when it holds a lockfile or an IR
 * (`compile --out`), else each subfolder that does (`flowc build`, one per binding). Only regular
 * files are read (links are not followed); the lockfile gives the config keys, `<name>.ir.json`
 * (the `ir` target) the per-step comparison, and every other file is compared as text.
 */
export function readBuildFolder(options: { dir: string; shown: string; sources: SourceRegistry; diagnostics: DiagnosticBag }): DiffUnit[] | undefined {
  const { dir, diagnostics } = options;
  const top = entries(dir);
  if (holdsUnit(top.files)) return [readUnit({ ...options, name: undefined, files: top.files })];
  const units: DiffUnit[] = [];
  for (const sub of top.dirs) {
    const inner = entries(join(dir, sub));
    if (holdsUnit(inner.files)) units.push(readUnit({ ...options, dir: join(dir, sub), shown: `${options.shown}/${sub}`, name: sub, files: inner.files }));
  }
  if (units.length === 0) {
    diagnostics.report('FLOWC042', `${options.shown} holds no build output: no *${LOCK_SUFFIX} or *${IR_SUFFIX} in it or in its subfolders`, undefined, [
      'give a folder written by flowc build or flowc compile --out',
    ]);
    return undefined;
  }
  return units.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function holdsUnit(files: string[]): boolean {
  return files.some((f) => f.endsWith(LOCK_SUFFIX) || f.endsWith(IR_SUFFIX));
}

function readUnit(options: { dir: string; shown: string; name: string | undefined; files: string[]; sources: SourceRegistry; diagnostics: DiagnosticBag }): DiffUnit {
  const { dir, diagnostics } = options;
  const unit: DiffUnit = { name: options.name ?? basename(dir), config: new Map(), place: (f) => f, artifacts: new Map() };
  for (const name of options.files) {
    // The manifest of `flowc build` / `compile --out` records paths and hashes, not what runs.
    if (name.endsWith('.manifest.json')) continue;
    const file = join(dir, name);
    const read = options.sources.read(file);
    if (!('text' in read)) {
      reportReadFailure(diagnostics, { file, failure: read, code: 'FLOWC001', what: 'build output' });
      continue;
    }
    if (comparedAsText(name)) {
      unit.artifacts.set(name, read.text);
      continue;
    }
    const value = parseJson(read.text);
    if (name.endsWith(IR_SUFFIX)) {
      const ir = checkIR({ value, file, shown: `${options.shown}/${name}`, diagnostics });
      if (ir) {
        unit.ir = ir;
        if (options.name === undefined) unit.name = ir.flow.name;
      }
    } else {
      const configs = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { configs?: unknown }).configs : undefined;
      if (configs === undefined) {
        diagnostics.report('FLOWC041', `${options.shown}/${name} is not a config lockfile flowc wrote`, { file, line: 1, col: 1 });
        continue;
      }
      unit.config = configLeaves(configs);
    }
  }
  return unit;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Regular files and real subfolders (not links), sorted; at most MAX_ENTRIES looked at. */
function entries(dir: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).slice(0, MAX_ENTRIES).sort();
  } catch {
    return { files, dirs };
  }
  for (const name of names) {
    try {
      const st = lstatSync(join(dir, name));
      if (st.isFile()) files.push(name);
      else if (st.isDirectory()) dirs.push(name);
    } catch {
      // Gone since it was listed: nothing to compare.
    }
  }
  return { files, dirs };
}
