import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToIR } from '../../src/pipeline/compile.js';
import { compileUnit } from '../../src/project/compile-unit.js';
import { RecordingSources, SharedSources } from '../../src/project/recording.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { ALL_TARGETS, tempFolders } from './helpers.js';

const { project } = tempFolders();

/** A unit's result as bytes, without the thread it ran on: what the build writes and reports. */
function bytes(o: UnitOutput): string {
  const { threadId: _, ...rest } = o;
  return JSON.stringify(rest);
}

/**
 * A project whose units exercise every part a thread's units share (SourceRegistry.derive and
 * parse): the flow's parse and shape check, config files and `extends:`, the schema's compile,
 * `--set` value parses (repeated and distinct), template parses, and the path guard. The flow
 * reads `${flow.name}` and `${env:...}` so a unit's name and environment reach its output; a
 * credential-looking value in the base config warns in every unit (FLOWC425), the second flow
 * has an unknown field (FLOWC201) and the third a wrong schema (FLOWC413), so diagnostics of
 * shared parts are replayed per unit.
 */
function variants(): { units: CompileUnit[]; env: Record<string, string> } {
  const dir = project();
  const flowPath = join(dir, 'content-model.flow.yaml');
  const flow = readFileSync(flowPath, 'utf8').replace('env: { TARGET:', 'env: { NAME: "${flow.name}", TAG: "${app.tag}", TARGET:');
  writeFileSync(flowPath, flow);
  const typo = join(dir, 'typo.flow.yaml');
  writeFileSync(typo, flow.replace('description:', 'descripton:'));
  // A schema that is itself wrong: its check is shared, its FLOWC413 reported by every unit.
  const badSchema = join(dir, 'bad-schema.flow.yaml');
  writeFileSync(badSchema, flow.replace('config/app.schema.json', 'config/bad.schema.json'));
  writeFileSync(join(dir, 'config/bad.schema.json'), '{ "type": "object", "properties": { "retries": { "type": "integr" } } }\n');
  appendFileSync(join(dir, 'config/base.toml'), '\n[tokens]\nci = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"\n');
  writeFileSync(join(dir, 'config/base.toml'), readFileSync(join(dir, 'config/base.toml'), 'utf8').replace('retries = 2', 'retries = 2\ntag = "${env:MODEL_TAG}"'));
  const files = [[], ['ctr.toml'], ['retention.toml'], ['gpu.toml']];
  const sets = [
    ['app.train.epochs=3'],
    ['app.train.epochs=3', 'app.retries=1'],
    ['app.train.epochs=4'],
    ['app.regions=[us, eu]'],
    ['app.regions=[us, eu]', 'app.train.epochs=3'],
    [],
    // Errors in the shared parse of a value, twice: each unit reports its own.
    ['app.train.epochs=['],
    // A value that fails the resolved flow's checks (a list where an option wants text).
    ['app.aws.job_queue=[a, b]'],
    ['++app.k8s.namespace=team-a'],
  ];
  const units: CompileUnit[] = [];
  for (let i = 0; i < 24; i++) {
    units.push({
      name: `v-${i}`,
      flowPath: i % 7 === 6 ? typo : i % 11 === 5 ? badSchema : flowPath,
      bindingFiles: (files[i % files.length] as string[]).map((f) => ({ name: 'app', file: join(dir, 'config', f) })),
      configs: [],
      sets: sets[i % sets.length] as string[],
      targets: ALL_TARGETS.split(','),
      cwd: dir,
      projectRoot: dir,
    });
  }
  return { units, env: { MODEL_TAG: 'm-7' } };
}

// Issue 19: the units compiled in one thread share what depends only on file contents (parses,
// shape checks, schema compiles, value and template parses). The oracle is each unit compiled
// alone, with a registry of its own: the shared compile must give the same bytes, whatever order
// the units come in and whatever the units before it computed.
describe('N variants compiled in one thread with sharing', () => {
  it('give byte-identical outputs and diagnostics to each variant compiled alone', () => {
    const { units, env } = variants();
    const alone = units.map((u) => bytes(compileUnit(u, env)));
    for (const order of [units.map((_, i) => i), units.map((_, i) => units.length - 1 - i)]) {
      const shared = new SharedSources();
      for (const i of order) expect(bytes(compileUnit(units[i] as CompileUnit, env, shared)), (units[i] as CompileUnit).name).toBe(alone[i]);
      // The sharing did happen: parses and derived values were kept.
      expect(shared.derived.size).toBeGreaterThanOrEqual(4);
    }
    // The inputs do exercise what they are meant to: successes, failures, warnings and the name.
    const outputs = units.map((u, i) => JSON.parse(alone[i] as string) as UnitOutput);
    const codes = (o: UnitOutput) => o.diagnostics.map((d) => d.code);
    expect(outputs.filter((o) => o.ok).length).toBeGreaterThan(10);
    expect(outputs.filter((o) => !o.ok).length).toBeGreaterThan(3);
    expect(outputs.filter((o) => codes(o).includes('FLOWC201')).length).toBeGreaterThanOrEqual(3);
    expect(outputs.filter((o) => codes(o).includes('FLOWC405')).length).toBeGreaterThanOrEqual(2);
    expect(outputs.filter((o) => codes(o).includes('FLOWC413')).length).toBeGreaterThanOrEqual(2);
    expect(outputs.filter((o) => o.ok && codes(o).includes('FLOWC425')).length).toBeGreaterThan(10);
    for (const o of outputs.filter((x) => x.ok)) {
      expect(o.files.some((f) => f.contents.includes(`NAME: ${o.name}`) || f.contents.includes(`"NAME": "${o.name}"`)), o.name).toBe(true);
      expect(o.deps?.env).toEqual([{ name: 'MODEL_TAG', value: expect.stringMatching(/^sha256:/) }]);
    }
  });

  it('resolve the same configs, provenance (which --set set what) included, and the same IR', () => {
    const { units, env } = variants();
    const front = (u: CompileUnit, sources?: RecordingSources) => {
      const r = compileToIR({ ...u, nameOverride: u.name, env, ...(sources ? { sources } : {}) });
      return JSON.stringify({ resolved: r.resolved ?? null, ir: r.ir ?? null, diagnostics: r.diagnostics });
    };
    const shared = new SharedSources();
    for (const u of [...units].reverse()) expect(front(u, new RecordingSources(shared)), u.name).toBe(front(u));
  });
});
