import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { checkDeployedNames } from '../../src/project/deployed-names.js';
import { variantName } from '../../src/project/sweep.js';
import { TARGETS } from '../../src/targets/index.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { listFiles, tempFolders } from './helpers.js';

const { temp, project } = tempFolders();
const serial = ['--jobs', '1', '--no-cache'];
const FLOW_NAME = /^[a-z][a-z0-9-]{0,51}$/;

/** 1-based line and column of the first `needle` in `text`. */
function locate(text: string, needle: string): { line: number; col: number } {
  const at = text.indexOf(needle);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: (before.at(-1) as string).length + 1 };
}

describe('bindings whose names collide after a target sanitizes them (FLOWC602)', () => {
  it('model and model-: an error per target that merges them, at the later binding, before anything is written', async () => {
    const dir = project();
    appendFileSync(join(dir, 'flowc.yaml'), '  - name: content-base-\n    description: the same WorkflowTemplate as content-base, on Argo\n');
    const out = join(temp(), 'out');
    const r = await runCli(['build', '--out', out, ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    const { line, col } = locate(readFileSync(join(dir, 'flowc.yaml'), 'utf8'), 'content-base-');
    const lines = r.stderr.split('\n').filter((l) => l.includes('FLOWC602'));
    expect(lines).toEqual([
      `flowc.yaml:${line}:${col}: error FLOWC602: bindings 'content-base' and 'content-base-' both deploy as 'content-base' on argo (WorkflowTemplate and CronWorkflow name); the one deployed last would replace the other`,
      `flowc.yaml:${line}:${col}: error FLOWC602: bindings 'content-base' and 'content-base-' both deploy as 'content-base' on gcp-workflows (Cloud Workflows workflow id); the one deployed last would replace the other`,
    ]);
    expect(existsSync(out)).toBe(false);

    // Targets that keep the names apart build both; so does --only, which still checks every binding.
    expect((await runCli(['build', '--out', out, '--target', 'stepfunctions,github-actions', ...serial], { cwd: dir })).code).toBe(0);
    expect(listFiles(out)).toContain('content-base-/content-base-.asl.json');
    const only = await runCli(['build', '--out', join(temp(), 'o2'), '--only', 'content-ctr', '--target', 'argo', ...serial], { cwd: dir });
    expect(only.code).toBe(1);
    expect(only.stderr).toContain('FLOWC602');
  });

  it('reports every colliding pair per target with deployed names (unit)', () => {
    const diagnostics = new DiagnosticBag();
    const all = TARGETS.map((t) => t.id);
    checkDeployedNames({ units: [{ name: 'model', targets: all }, { name: 'model-', targets: all }, { name: 'model--', targets: ['argo'] }, { name: 'other', targets: all }], noun: 'variant', diagnostics });
    expect(diagnostics.items.map((d) => `${d.code} ${d.message.split(' (')[0]}`)).toEqual([
      "FLOWC602 variants 'model' and 'model-' both deploy as 'model' on argo",
      "FLOWC602 variants 'model' and 'model-' both deploy as 'model' on gcp-workflows",
      "FLOWC602 variants 'model' and 'model--' both deploy as 'model' on argo",
    ]);
  });

  it('the Scheduler job of a flow named model- starts the workflow id model (Workflows ids end with a letter or digit)', async () => {
    const dir = temp();
    const flow = readFileSync(join(FIXTURES, 'scheduled/flow.yaml'), 'utf8').replace('name: morning-refresh', 'name: model-');
    writeFileSync(join(dir, 'flow.yaml'), flow);
    const r = await runCli(['compile', 'flow.yaml', '--target', 'gcp-workflows', '--out', 'out'], { cwd: dir });
    expect(r.code).toBe(0);
    const job = JSON.parse(readFileSync(join(dir, 'out/model-.scheduler.json'), 'utf8'));
    expect(job.httpTarget.uri).toMatch(/\/workflows\/model\/executions$/);
  });
});

describe('names cannot leave the output folder or collide there', () => {
  it('a flow name that is a path is refused before anything is written', async () => {
    const dir = temp();
    const flow = readFileSync(join(FIXTURES, 'linear/flow.yaml'), 'utf8').replace(/^name: .*$/m, 'name: ../../escaped');
    writeFileSync(join(dir, 'flow.yaml'), flow);
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    const r = await runCli(['compile', 'flow.yaml', '--target', TARGETS.map((t) => t.id).join(','), '--out', 'a/b'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flow\.yaml:\d+:\d+: error FLOWC\d{3}: /m);
    expect(listFiles(dir)).toEqual(['flow.yaml']);
  });

  it('a binding name that is a path is refused (FLOWC704)', async () => {
    const dir = project();
    appendFileSync(join(dir, 'flowc.yaml'), '  - name: ../escaped\n');
    const r = await runCli(['build', '--out', join(temp(), 'out'), ...serial], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error FLOWC704');
  });

  it('sweep variant names are valid flow names whatever the swept values hold', () => {
    const values = ['../../x', '/etc/passwd', 'a\nb', 'MODEL', 'model-', '-', '', '..', 'ünï', '\u202e', 'x'.repeat(300), '%2e%2e'];
    for (const flow of ['a', 'x'.repeat(52), 'model-']) {
      for (const v of values) {
        const name = variantName(flow, [`app.k=${v}`, `app.j=${v}`]);
        expect(name).toMatch(FLOW_NAME);
      }
    }
  });

  it("every target's files for one flow are distinct plain file names", () => {
    // `<n>` numbers the parts of a partitioned flow (docs/partitioning.md).
    const files = TARGETS.flatMap((t) => t.files).map((f) => f.replace('<name>', 'x'.repeat(52)).replace('<n>', '12'));
    expect(new Set(files).size).toBe(files.length);
    for (const f of files) expect(f).toMatch(/^[a-z0-9-]+(\.[a-z][a-z0-9-]*)+$/);
  });
});
