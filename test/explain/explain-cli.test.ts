import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/explain/model.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { expectGolden } from '../helpers/golden.js';
import { runCli } from '../cli/run-cli.js';

const GOLDEN = resolve(import.meta.dirname, 'golden');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-explain-'));
  for (const f of ['ml-training', 'non-series-parallel', 'secure-training', 'scheduled']) cpSync(join(FIXTURES, f), join(work, f), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const ml = ['ml-training/flow.yaml', '--config', 'app=ml-training/config/ctr.toml'];
const ML_STEPS = ['start', 'featurize', 'fetch', 'train', 'evaluate'];

async function explainJson(args: string[], target: string): Promise<Explanation> {
  const r = await runCli(['explain', ...args, '--target', target, '--format', 'json'], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Explanation;
}

const mapped = (e: Explanation, step: string) => e.steps.find((s) => s.step === step);

describe('flowc explain on ml-training, per target', () => {
  it('stepfunctions: Task states, the Parallel branch, the Map, parameters and the EventBridge schedule', async () => {
    const e = await explainJson(ml, 'sfn');
    expect(e.target).toBe('stepfunctions');
    expect(e.steps.map((s) => s.step)).toEqual(ML_STEPS);
    expect(mapped(e, 'train')).toEqual({ step: 'train', as: 'Task state `train` (batch:submitJob.sync)', within: [] });
    expect(mapped(e, 'featurize')?.within).toEqual(['branch 1 of Parallel state `parallel-1-featurize-to-fetch`']);
    expect(mapped(e, 'fetch')?.within).toEqual(['branch 2 of Parallel state `parallel-1-featurize-to-fetch`', 'Inline Map state `fetch-foreach`, MaxConcurrency 2']);
    expect(e.foreach).toEqual([{ subject: 'fetch', as: 'Inline Map state `fetch-foreach`, MaxConcurrency 2' }]);
    expect(e.parameters[0]).toEqual({ subject: 'alpha', as: 'execution input field `alpha` (default in Pass state `flowc-defaults`)' });
    expect(e.schedule).toMatch(/^EventBridge Scheduler schedule `content-model`: cron\(0 5 \? \* MON \*\) in UTC/);
    expect(e.files).toEqual(['content-model.asl.json', 'content-model.schedule.json', 'content-model.batch.json']);
    expect(e.warnings.map((w) => w.code)).toEqual(['FLOWC628']);
  });

  it('argo: container templates under DAG tasks, withItems, workflow parameters, the CronWorkflow', async () => {
    const e = await explainJson(ml, 'argo');
    expect(e.steps.map((s) => s.step)).toEqual(ML_STEPS);
    expect(mapped(e, 'fetch')).toEqual({ step: 'fetch', as: 'container template `fetch`', within: ['DAG task `fetch` of template `main`', 'DAG task `fetch` of template `fetch-items`'] });
    expect(e.foreach).toEqual([{ subject: 'fetch', as: 'DAG task `fetch` withItems (3 items), parallelism 2' }]);
    expect(e.parameters[0]?.as).toBe('workflow parameter `{{workflow.parameters.alpha}}`');
    expect(e.schedule).toMatch(/^CronWorkflow `content-model`: 0 5 \* \* 1/);
  });

  it('github-actions: jobs, the matrix, dispatch inputs, on.schedule', async () => {
    const e = await explainJson(ml, 'gha');
    expect(mapped(e, 'train')?.as).toBe('job `train` in container `ghcr.io/acme/content-model:2.7.1` on `[self-hosted, gpu]`');
    expect(e.foreach).toEqual([{ subject: 'fetch', as: 'matrix strategy of job `fetch`: 3 matrix entries, max-parallel 2' }]);
    expect(e.parameters[0]?.as).toBe('workflow_dispatch input `alpha` and workflow_call input `alpha`');
    expect(e.schedule).toBe('on.schedule cron `0 5 * * 1` (UTC, on the default branch)');
  });

  it('gcp-workflows: subworkflow calls, the parallel branch and for loop, Cloud Scheduler', async () => {
    const e = await explainJson(ml, 'gcp-workflows');
    expect(mapped(e, 'fetch')).toEqual({
      step: 'fetch',
      as: 'step `each_fetch` calling subworkflow `flowc_step` (googleapis.batch.v1.projects.locations.jobs.create)',
      within: ['branch `par_0_1` of parallel step `par_0`', 'parallel for loop of step `run_fetch`'],
    });
    expect(e.foreach).toEqual([{ subject: 'fetch', as: 'parallel for loop of step `run_fetch` over 3 items, concurrency_limit 2' }]);
    expect(e.ordering).toEqual(["nested sequence and parallel blocks; the flow's graph is series-parallel, so they keep its order exactly"]);
    expect(e.schedule).toMatch(/^Cloud Scheduler job `projects\/acme-ml-dev\/locations\/us-central1\/jobs\/content-model`: 0 5 \* \* 1 in Etc\/UTC/);
  });

  it('ir: each concept is a field of the IR document', async () => {
    const e = await explainJson(ml, 'ir');
    expect(e.steps.map((s) => s.as)).toEqual(ML_STEPS.map((_, i) => `steps[${i}]`));
    expect(e.foreach).toEqual([{ subject: 'fetch', as: 'steps[2].foreach: foreach 3 items, 2 at once' }]);
  });

  it('the text form (stepfunctions)', async () => {
    const r = await runCli(['explain', ...ml, '-t', 'sfn'], { cwd: work });
    expect(r.code).toBe(0);
    expectGolden(join(GOLDEN, 'content-model.sfn.txt'), r.stdout);
  });
});

describe('flowc explain: secrets, added orderings, and choices the target made', () => {
  it.each([
    ['sfn', 'Secrets Manager `arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf` as a container secret of job definition `secure-training-train` (secure-training.batch.json)'],
    ['argo', 'Kubernetes Secret `hf` key `token` (secretKeyRef)'],
    ['gha', 'GitHub Actions secret `HF_TOKEN` (`${{ secrets.HF_TOKEN }}`)'],
    ['gcp-workflows', 'Secret Manager `projects/acme-ml/secrets/hf/versions/latest` as a Cloud Batch secret variable'],
    ['ir', 'secretEnv reference to secrets.hf_token, never a value'],
  ])('%s: where each secret env comes from', async (target, as) => {
    const e = await explainJson(['secure-training/flow.yaml'], target);
    expect(e.secrets).toEqual([
      { subject: 'train: HF_TOKEN', as },
      { subject: 'publish: HF_TOKEN', as },
    ]);
  });

  it('gcp-workflows: runs the same graph as an exact chain schedule, with no ordering added and no warning', async () => {
    const e = await explainJson(['non-series-parallel/flow.yaml'], 'gcp-workflows');
    expect(e.ordering).toEqual([expect.stringMatching(/^a chain schedule: .* on 2 chains, the iterations of parallel step `flowc_dag`/)]);
    expect(e.warnings).toEqual([]);
  });

  it('gcp-workflows: a graph wider than 20 branches is explained as its worker pool, not as blocks', async () => {
    const lines = ['flowc: 1', 'name: wide', 'defaults:', '  image: alpine:3.20', 'targets:', '  gcp-workflows: {project: my-project, region: us-central1, serviceAccount: "r@my-project.iam.gserviceaccount.com"}', 'steps:'];
    for (let i = 0; i < 24; i++) lines.push(`  a${i}:`, `    command: [run, a${i}]`);
    lines.push('  b: {needs: [a0, a1], command: [run, b]}', '  c: {needs: [a1], command: [run, c]}', '  d: {needs: [b, c], command: [run, d]}', '  e: {needs: [a2, d], command: [run, e]}');
    writeFileSync(join(work, 'wide.flow.yaml'), `${lines.join('\n')}\n`);
    const e = await explainJson(['wide.flow.yaml'], 'gcp-workflows');
    expect(e.ordering).toEqual([expect.stringMatching(/^a worker pool: .* to one of 19 workers .* no ordering is added, at most 19 steps run at once/)]);
    expect(e.warnings.map((w) => w.code)).toEqual(['FLOWC657']);
  });

  it.each(['sfn'])('%s: the ordering its lowering added, with the FLOWC605 warning', async (target) => {
    // Step Functions lowers to blocks when asked: by default this flow runs as Batch job dependencies (below).
    if (target === 'sfn') {
      const flow = join(work, 'non-series-parallel/flow.yaml');
      writeFileSync(flow, `${readFileSync(flow, 'utf8')}targets:\n  stepfunctions:\n    dag: blocks\n`);
    }
    const e = await explainJson(['non-series-parallel/flow.yaml'], target);
    expect(e.ordering).toEqual([
      "nested sequence and parallel blocks; the flow's graph is not series-parallel, so 1 ordering was added (see FLOWC605):",
      '`build_c` waits for `load_b`',
    ]);
    // Each target chooses where it points (sfn: the first step made to wait; gcp: the flow).
    expect(e.warnings).toEqual([expect.objectContaining({ code: 'FLOWC605', at: expect.stringMatching(/^non-series-parallel\/flow\.yaml:\d+:\d+$/) })]);
  });

  it('sfn: a flow that is not series-parallel runs as AWS Batch job dependencies, adding no ordering', async () => {
    const e = await explainJson(['non-series-parallel/flow.yaml'], 'sfn');
    expect(e.ordering).toEqual(["each need is an AWS Batch job dependency (the Task's DependsOn); Batch runs the flow's graph as written, and the run waits for the final jobs"]);
    expect(mapped(e, 'build_d')).toEqual({ step: 'build_d', as: 'Task state `build_d` (batch:submitJob)', within: [] });
    expect(e.warnings).toEqual([]);
  });

  it('argo keeps the DAG as written', async () => {
    const e = await explainJson(['non-series-parallel/flow.yaml'], 'argo');
    expect(e.ordering).toEqual(["each need is a DAG task dependency of template `main`; Argo runs the flow's graph as written"]);
    expect(e.warnings).toEqual([]);
  });

  it('reads the Map mode the target chose: 50 items with no parallelism run as a Distributed Map', async () => {
    const items = Array.from({ length: 50 }, (_, i) => `"s${i}"`).join(', ');
    writeFileSync(join(work, 'wide.yaml'), `flowc: 1\nname: wide\ndefaults: { image: alpine:3.20 }\nsteps:\n  shard:\n    foreach: [${items}]\n    run: echo \${item}\n`);
    const e = await explainJson(['wide.yaml'], 'sfn');
    expect(e.foreach).toEqual([{ subject: 'shard', as: expect.stringMatching(/^Distributed Map state `shard-foreach`/) }]);
    const argo = await explainJson(['wide.yaml'], 'argo');
    expect(argo.foreach[0]?.as).toBe('DAG task `shard` withItems (50 items)');
  });

  it('the schedule of a scheduled flow, for every target that writes one', async () => {
    expect((await explainJson(['scheduled/flow.yaml'], 'argo')).schedule).toMatch(/in Europe\/Amsterdam/);
    expect((await explainJson(['scheduled/flow.yaml'], 'gcp-workflows')).schedule).toMatch(/in Europe\/Amsterdam/);
    expect((await explainJson(['scheduled/flow.yaml'], 'sfn')).schedule).toMatch(/in Europe\/Amsterdam/);
  });

  it('control characters in the text form are shown escaped', async () => {
    writeFileSync(join(work, 'ctl.yaml'), 'flowc: 1\nname: ctl\nparameters:\n  p: { type: string, default: "a\\u001b[31mred" }\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    run: echo\n');
    const r = await runCli(['explain', 'ctl.yaml', '-t', 'ir'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
  });
});
