import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { loadProject } from '../../src/project/project-file.js';
import { SourceRegistry } from '../../src/source/files.js';
import { runCli } from '../cli/run-cli.js';
import { PROJECT } from './helpers.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp project holding `flowc.yaml` with `text`, next to a copy-free flow reference. */
async function buildWith(text: string, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-pf-'));
  cleanup.push(dir);
  writeFileSync(join(dir, 'flowc.yaml'), text);
  writeFileSync(join(dir, 'f.flow.yaml'), 'flowc: 1\nname: f\ndefaults: { image: alpine }\nsteps:\n  a: { run: echo a }\n');
  return runCli(['build', '--jobs', '1', '--no-cache', ...args], { cwd: dir });
}

describe('the project file', () => {
  it('loads the fixture project: bindings in order, default flow, config files, set and targets', () => {
    const diagnostics = new DiagnosticBag();
    const project = loadProject({ file: join(PROJECT, 'flowc.yaml'), sources: new SourceRegistry(), diagnostics });
    expect(diagnostics.items).toEqual([]);
    expect(project?.out).toBe(join(PROJECT, 'build'));
    expect(project?.targets).toEqual(['argo', 'stepfunctions', 'github-actions', 'gcp-workflows']);
    expect(project?.bindings.map((b) => b.name)).toEqual(['content-base', 'content-ctr', 'content-retention']);
    const retention = project?.bindings[2];
    expect(retention?.flow).toBe(join(PROJECT, 'content-model.flow.yaml'));
    expect(retention?.configs.map((c) => [c.name, c.file, c.span.line])).toEqual([['app', join(PROJECT, 'config/retention.toml'), 17]]);
    expect(retention?.set).toEqual(['app.train.epochs=20']);
  });

  it('a missing project file is FLOWC701', async () => {
    const r = await runCli(['build', '--project', 'nope.yaml'], { cwd: PROJECT });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error FLOWC701: no project file at .*nope\.yaml/);
  });

  it('reports shape problems (FLOWC702) at their place, all at once', async () => {
    const r = await buildWith(['flowc: 1', 'targets: ir', 'outt: x', 'bindings:', '  - name: a', '    flow: f.flow.yaml', '    configs: { app: 3 }', '  - flow: f.flow.yaml', ''].join('\n'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flowc.yaml:2:10: error FLOWC702: targets must be a list');
    expect(r.stderr).toMatch(/flowc\.yaml:3:1: error FLOWC702: unknown field 'outt' in the project file\n {2}note: did you mean 'out'\?/);
    expect(r.stderr).toContain('flowc.yaml:7:21: error FLOWC702: bindings.0.configs.app must be a file path or a list of file paths');
    expect(r.stderr).toContain("flowc.yaml:8:5: error FLOWC702: bindings.1 is missing the required field 'name'");
  });

  it('needs a flow per binding and targets from somewhere (FLOWC702)', async () => {
    const noFlow = await buildWith('flowc: 1\ntargets: [ir]\nbindings:\n  - name: a\n');
    expect(noFlow.stderr).toContain("flowc.yaml:4:5: error FLOWC702: binding 'a' names no flow");
    const noTargets = await buildWith('flowc: 1\nflow: f.flow.yaml\nbindings:\n  - name: a\n');
    expect(noTargets.code).toBe(1);
    expect(noTargets.stderr).toContain("flowc.yaml:4:11: error FLOWC702: binding 'a' has no targets");
    expect((await buildWith('flowc: 1\nflow: f.flow.yaml\nbindings:\n  - name: a\n', ['--target', 'ir', '--out', 'o'])).code).toBe(0);
  });

  it('checks the format version (FLOWC703), names (FLOWC704, FLOWC705), flow files (FLOWC706) and targets (FLOWC707)', async () => {
    const r = await buildWith(
      [
        'flowc: 2',
        'targets: [ir, argoo]',
        'flow: f.flow.yaml',
        'bindings:',
        '  - name: Bad_Name',
        '  - name: ok',
        '  - name: ok',
        '  - name: other',
        '    flow: missing.flow.yaml',
        '    targets: [gha, nope]',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flowc.yaml:1:8: error FLOWC703: project file format 2 is not supported');
    expect(r.stderr).toMatch(/flowc\.yaml:2:15: error FLOWC707: unknown target 'argoo'\n {2}note: did you mean 'argo'\?/);
    expect(r.stderr).toContain("flowc.yaml:5:11: error FLOWC704: binding name 'Bad_Name' is not a valid flow name");
    expect(r.stderr).toMatch(/flowc\.yaml:7:11: error FLOWC705: binding name 'ok' is used twice\n {2}note: first used at line 6/);
    expect(r.stderr).toContain("flowc.yaml:9:11: error FLOWC706: binding 'other': flow file missing.flow.yaml not found");
    expect(r.stderr).toContain("flowc.yaml:10:20: error FLOWC707: unknown target 'nope'");
  });

  // loadProject looks each flow path up once for all the bindings naming it: each still gets its own FLOWC706.
  it('reports a missing flow (or a folder given as one) in every binding that names it, at each binding', async () => {
    const r = await buildWith(
      [
        'flowc: 1',
        'targets: [ir]',
        'flow: gone.flow.yaml',
        'bindings:',
        '  - name: a',
        '  - name: b',
        '  - name: c',
        '    flow: ./gone.flow.yaml',
        '  - name: d',
        '    flow: f.flow.yaml',
        '  - name: e',
        '    flow: .',
        '  - name: f',
        '    flow: .',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    const missing = r.stderr.split('\n').filter((l) => l.includes('FLOWC706'));
    expect(missing).toEqual([
      "flowc.yaml:3:7: error FLOWC706: binding 'a': flow file gone.flow.yaml not found",
      "flowc.yaml:3:7: error FLOWC706: binding 'b': flow file gone.flow.yaml not found",
      "flowc.yaml:8:11: error FLOWC706: binding 'c': flow file ./gone.flow.yaml not found",
      "flowc.yaml:12:11: error FLOWC706: binding 'e': flow file . not found",
      "flowc.yaml:14:11: error FLOWC706: binding 'f': flow file . not found",
    ]);
  });

  it('a binding config for a config the flow does not declare points at the project file (FLOWC404)', async () => {
    const r = await buildWith('flowc: 1\ntargets: [ir]\nflow: f.flow.yaml\nbindings:\n  - name: a\n    configs: { ap: x.toml }\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/flowc\.yaml:6:20: error FLOWC404: binding ap: the flow declares no config named "ap"/);
    expect(r.stderr).toMatch(/flowc\.yaml:5:11: error FLOWC709: binding 'a' failed to compile/);
  });
});
