import type { WrittenFlow } from '../flow/ast.js';
import { TARGETS } from '../targets/index.js';
import { attributeCauses } from './causes.js';
import { compareIR } from './compare.js';
import { configKeyChanges } from './config-keys.js';
import type { ArtifactChange, SemanticDiff, UnitDiff } from './types.js';
import { unitChanged } from './types.js';
import type { DiffSide, DiffUnit } from './unit.js';

/**
 * The semantic diff of two sides. Units pair by name (bindings, build subfolders); when each
 * side has exactly one unit they pair whatever their names (two variants of one flow, two IR
 * files), and a changed name is a flow-level change. Unchanged units are left out.
 */
export function diffSides(before: DiffSide, after: DiffSide): SemanticDiff {
  const pairs: [DiffUnit | undefined, DiffUnit | undefined][] = [];
  if (before.units.length === 1 && after.units.length === 1) pairs.push([before.units[0], after.units[0]]);
  else {
    const old = new Map(before.units.map((u) => [u.name, u]));
    for (const u of after.units) pairs.push([old.get(u.name), u]);
    for (const u of before.units) if (!after.units.some((a) => a.name === u.name)) pairs.push([u, undefined]);
  }
  const units = pairs.map(([a, b]) => diffUnits(a, b)).filter(unitChanged);
  return { before: before.label, after: after.label, units };
}

/** One unit's diff; a unit only one side has is added or removed, with nothing further. */
export function diffUnits(a: DiffUnit | undefined, b: DiffUnit | undefined): UnitDiff {
  if (!a || !b) return { unit: (a ?? b)?.name ?? '', status: a ? 'removed' : 'added', flow: [], steps: [], config: [], artifacts: [] };
  const config = configKeyChanges({ before: a.config, after: b.config, placeBefore: a.place, placeAfter: b.place });
  const out: UnitDiff = { unit: b.name, status: 'changed', flow: [], steps: [], config, artifacts: compareArtifacts(a.artifacts, b.artifacts, [...new Set([a.name, b.name, a.ir?.flow.name, b.ir?.flow.name].filter((n): n is string => n !== undefined))]) };
  if (a.ir && b.ir) {
    const ir = compareIR(a.ir, b.ir);
    out.flow = ir.flow;
    out.steps = ir.steps;
    attributeCauses({ flows: [a.flow, b.flow].filter((f): f is WrittenFlow => f !== undefined), flowChanges: out.flow, steps: out.steps, config });
  } else if (a.ir || b.ir) out.note = `only the ${a.ir ? 'before' : 'after'} side has ${b.name}.ir.json: per-step changes need the ir target on both sides`;
  else out.note = 'no IR on either side (build with the ir target for per-step changes)';
  return out;
}

function compareArtifacts(a: Map<string, string>, b: Map<string, string>, names: string[]): ArtifactChange[] {
  const out: ArtifactChange[] = [];
  const change = (file: string, status: ArtifactChange['status']): ArtifactChange => {
    const target = targetOf(file, names);
    return target === undefined ? { file, status } : { target, file, status };
  };
  for (const [file, text] of b) {
    const old = a.get(file);
    if (old === undefined) out.push(change(file, 'added'));
    else if (old !== text) out.push(change(file, 'changed'));
  }
  for (const file of a.keys()) if (!b.has(file)) out.push(change(file, 'removed'));
  const key = (x: ArtifactChange) => `${x.target ?? '~'}\0${x.file}`;
  return out.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** The target that writes a file, from the file names each target declares (`<name>.argo.yaml`). */
function targetOf(file: string, names: string[]): string | undefined {
  return TARGETS.find((t) => t.files.some((pattern) => names.some((n) => pattern.replace('<name>', n) === file)))?.id;
}
