import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { expectGolden } from '../helpers/golden.js';
import { runCli } from '../cli/run-cli.js';
import { parseXml } from './xml.js';

const GOLDEN = resolve(import.meta.dirname, 'golden');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-graph-'));
  for (const f of ['ml-training', 'non-series-parallel', 'scheduled']) cpSync(join(FIXTURES, f), join(work, f), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, { cwd: work });
/**
 * Asks the cross-deps fixture for nested blocks on Step Functions: by default it runs as AWS Batch
 * job dependencies, which add no ordering (docs/targets/stepfunctions.md, "Exact DAGs").
 */
const asBlocks = () => writeFileSync(join(work, 'non-series-parallel/flow.yaml'), `${readFileSync(join(FIXTURES, 'non-series-parallel/flow.yaml'), 'utf8')}targets:\n  stepfunctions:\n    dag: blocks\n`);
const ml = ['ml-training/flow.yaml', '--config', 'app=ml-training/config/ctr.toml'];
const ML_STEPS = ['start', 'featurize', 'fetch', 'train', 'evaluate'];

describe('flowc graph: mermaid and dot goldens', () => {
  it.each([
    ['content-model.mmd', [...ml]],
    ['content-model.dot', [...ml, '--format', 'dot']],
    ['cross-deps.sfn.mmd', ['non-series-parallel/flow.yaml', '--target', 'sfn']],
    ['cross-deps.sfn.dot', ['non-series-parallel/flow.yaml', '--target', 'sfn', '--format', 'dot']],
    ['morning-refresh.gcp.mmd', ['scheduled/flow.yaml', '--target', 'gcp-workflows']],
  ])('%s', async (golden, args) => {
    if (golden.includes('.sfn.')) asBlocks();
    const r = await run(['graph', ...args]);
    expect(r.code, r.stderr).toBe(0);
    expectGolden(join(GOLDEN, golden), r.stdout);
  });

  it('draws the foreach count, resources and the legend', async () => {
    const r = await run(['graph', ...ml]);
    expect(r.stdout).toContain('s2[["fetch<br/>1 CPU, 2 GiB<br/>foreach 3 items, 2 at once"]]');
    expect(r.stdout).toContain('s3["train<br/>8 CPU, 32 GiB, 1 GPU"]');
    expect(r.stdout).toContain('param alpha: number = 0.01 (learning rate)');
    expect(r.stdout).toContain('schedule: 0 5 * * 1 UTC');
  });

  it('draws the ordering the Step Functions lowering added dashed, and none without --target', async () => {
    // As a Batch DAG (the default for this flow) Step Functions adds no ordering.
    const dag = await run(['graph', 'non-series-parallel/flow.yaml', '--target', 'sfn', '--format', 'dot']);
    expect(dag.code, dag.stderr).toBe(0);
    expect(dag.stdout).not.toContain('style=dashed, color');
    expect(dag.stderr).not.toContain('FLOWC605');
    asBlocks();
    const sfn = await run(['graph', 'non-series-parallel/flow.yaml', '--target', 'sfn', '--format', 'dot']);
    expect(sfn.stdout).toContain('"load_b" -> "build_c" [style=dashed, color=gray40];');
    expect(sfn.stderr).toContain('FLOWC605');
    const plain = await run(['graph', 'non-series-parallel/flow.yaml', '--format', 'dot']);
    expect(plain.stdout).not.toContain('dashed, color');
    // Argo runs the DAG as written: nothing is added.
    const argo = await run(['graph', 'non-series-parallel/flow.yaml', '--target', 'argo', '--format', 'dot']);
    expect(argo.stdout).not.toContain('style=dashed, color');
  });
});

describe('flowc graph --format svg', () => {
  it('is well-formed XML that names every step, written with -o', async () => {
    const r = await run(['graph', ...ml, '--format', 'svg', '-o', 'out.svg']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const svg = readFileSync(join(work, 'out.svg'), 'utf8');
    const { root, texts } = parseXml(svg);
    expect(root).toBe('svg');
    for (const step of ML_STEPS) expect(texts).toContain(step);
    expect(texts).toContain('foreach 3 items, 2 at once');
  });

  it('the committed docs/content-model.svg is what the command generates', async () => {
    const r = await run(['graph', ...ml, '--format', 'svg']);
    expect(r.stdout).toBe(readFileSync(resolve(import.meta.dirname, '../../docs/content-model.svg'), 'utf8'));
    asBlocks();
    const sfn = await run(['graph', 'non-series-parallel/flow.yaml', '--target', 'sfn', '--format', 'svg']);
    expect(sfn.stdout).toBe(readFileSync(resolve(import.meta.dirname, '../../docs/cross-deps.sfn.svg'), 'utf8'));
  });
});

describe('flowc graph and explain usage errors', () => {
  it.each([
    [['graph', ...ml, '--format', 'png'], 'FLOWC030', "flowc graph cannot write --format 'png'"],
    [['explain', ...ml, '-t', 'argo', '--format', 'yaml'], 'FLOWC030', "flowc explain cannot write --format 'yaml'"],
    [['graph', ...ml, '--target', 'sfn,argo'], 'FLOWC031', "flowc graph shows one target at a time; --target got 'sfn,argo'"],
    [['explain', ...ml, '--target', 'all'], 'FLOWC031', "flowc explain shows one target at a time; --target got 'all'"],
    [['explain', ...ml], 'FLOWC032', 'flowc explain needs --target'],
    [['graph', ...ml, '--target', 'prefect'], 'FLOWC002', "unknown target 'prefect'"],
    [['explain', ...ml, '--target', 'airflow'], 'FLOWC033', "flowc explain cannot read what target 'airflow' writes: it is a template target"],
    [['graph'], 'FLOWC010', 'no flow file given: flowc graph needs the flow file'],
    [['explain', '--target', 'sfn'], 'FLOWC010', 'no flow file given: flowc explain needs the flow file'],
  ])('%j is %s (exit 2)', async (args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^flowc: error ${code}: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a flow file that does not exist is FLOWC001 at the file (exit 1), for both commands', async () => {
    for (const command of [['graph'], ['explain', '-t', 'argo']]) {
      const r = await run([...command, 'nope.yaml']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^nope\.yaml:1:1: error FLOWC001: cannot read flow file /);
    }
  });

  it('a flow error is reported with its location and nothing is drawn', async () => {
    writeFileSync(join(work, 'bad.yaml'), 'flowc: 1\nname: bad\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    needs: [ghost]\n    run: echo\n');
    const r = await run(['graph', 'bad.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bad\.yaml:6:\d+: error FLOWC\d{3}: .*ghost/m);
  });

  it('--diagnostics json puts the JSON on stderr when the picture goes to stdout', async () => {
    const r = await run(['graph', 'nope.yaml', '--diagnostics', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr).diagnostics[0].code).toBe('FLOWC001');
  });
});

describe('the real bin', () => {
  it('renders the SVG from the compiled dist/ (the lazy Graphviz import resolves there too)', () => {
    const root = resolve(import.meta.dirname, '../..');
    const r = spawnSync(process.execPath, [join(root, 'bin/flowc.js'), 'graph', 'fixtures/ml-training/flow.yaml', '--config', 'app=fixtures/ml-training/config/ctr.toml', '--format', 'svg'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(root, 'docs/content-model.svg'), 'utf8'));
  });
});
