import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileUnit } from '../../src/project/compile-unit.js';
import { SharedSources } from '../../src/project/recording.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { SourceText } from '../../src/source/files.js';
import { ALL_TARGETS, tempFolders } from './helpers.js';

const { project } = tempFolders();

/** Everything a unit's compile gives except the thread it ran on. */
function comparable(o: UnitOutput) {
  const { threadId: _, ...rest } = o;
  return rest;
}

// Issue 19: the units of a build share each file's text and parse (SharedSources). The slow path,
// a compile with a registry of its own, is the oracle: every unit must come out the same, whatever
// ran before it in the thread, including parse errors and warnings, which are replayed per unit.
describe('units sharing texts and parses within a build', () => {
  it('compile exactly as each unit alone, and never change a shared tree (shared trees are frozen)', () => {
    const dir = project();
    writeFileSync(join(dir, 'config/broken.toml'), 'target_column = "x"\n[k8s\nnamespace = 1\n');
    writeFileSync(join(dir, 'config/dupes.yaml'), 'target_column: a\ntarget_column: b\n');
    const flowPath = join(dir, 'content-model.flow.yaml');
    const unit = (name: string, configs: string[], sets: string[]): CompileUnit => ({
      name,
      flowPath,
      bindingFiles: configs.map((c) => ({ name: 'app', file: join(dir, 'config', c) })),
      configs: [],
      sets,
      targets: ALL_TARGETS.split(','),
      cwd: dir,
      projectRoot: dir,
    });
    const units = [
      unit('base', [], []),
      unit('ctr', ['ctr.toml'], ['app.train.epochs=3']),
      unit('broken-1', ['broken.toml'], []),
      unit('retention', ['retention.toml'], ['app.retries=2', 'app.train.epochs=7']),
      unit('broken-2', ['broken.toml'], ['app.retries=1']),
      unit('dupes-1', ['dupes.yaml'], []),
      unit('missing', ['nope.toml'], []),
      unit('bad-set', ['ctr.toml'], ['app.train.epochs=[']),
      unit('dupes-2', ['dupes.yaml'], ['app.retries=3']),
      unit('ctr-again', ['ctr.toml'], ['app.train.epochs=3']),
    ];
    const shared = new SharedSources();
    const outputs = units.map((u) => compileUnit(u, {}, shared));
    for (const [i, u] of units.entries()) expect(comparable(outputs[i] as UnitOutput), u.name).toEqual(comparable(compileUnit(u, {})));
    // The inputs above do fail and warn, so replaying parse diagnostics is exercised.
    expect(outputs.filter((o) => !o.ok).map((o) => o.name)).toEqual(['broken-1', 'broken-2', 'dupes-1', 'missing', 'bad-set', 'dupes-2']);
    expect(outputs[4]?.diagnostics.map((d) => d.code)).toEqual(outputs[2]?.diagnostics.map((d) => d.code));
    expect(outputs[4]?.diagnostics.length).toBeGreaterThan(0);
    // ... and the sharing did happen: one text and one parse of the flow and of each config file.
    const flowText = shared.reads.get(flowPath);
    expect(flowText).toBeInstanceOf(SourceText);
    expect(shared.parses.has(flowText as SourceText)).toBe(true);
    for (const c of readdirSync(join(dir, 'config'))) {
      const text = shared.reads.get(join(dir, 'config', c));
      if (text instanceof SourceText) expect(shared.parses.has(text), c).toBe(true);
    }
  });
});
