import { describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IRParameter } from '../../../src/ir/types.js';
import { findTarget } from '../../../src/targets/index.js';
import { githubActionsTarget } from '../../../src/targets/github-actions/index.js';
import { assignJobIds, sanitizeJobId } from '../../../src/targets/github-actions/job-ids.js';
import { renderLiteral, renderTemplate } from '../../../src/targets/github-actions/expressions.js';
import { evaluateScalar } from './github-eval.js';
import { compileGha, irWith, lintFindings, parseWorkflow, step } from './helpers.js';

const origin = { file: 'flow.yaml', line: 4, col: 3 };
const codes = (d: DiagnosticBag) => d.items.map((x) => x.code);

describe('registration', () => {
  test('github-actions is registered with the alias gha', () => {
    expect(findTarget('gha')?.id).toBe('github-actions');
    expect(findTarget('github-actions')?.files).toEqual(['<name>.gha.yml', '<name>.part-<n>.gha.yml']);
  });
});

describe('job ids', () => {
  test('valid ids stay; others are sanitized to [A-Za-z_][A-Za-z0-9_-]*', () => {
    expect(sanitizeJobId('train_model')).toBe('train_model');
    expect(sanitizeJobId('a.b c')).toBe('a_b_c');
    expect(sanitizeJobId('1st')).toBe('_1st');
    expect(sanitizeJobId('-x')).toBe('_-x');
  });

  test('ids that collide after sanitizing (or by case) are FLOWC602 at the later step', () => {
    const bag = new DiagnosticBag();
    const ids = assignJobIds([step('a.b'), step('a_b', { origin: { ...origin, line: 9 } }), step('A_B'), step('ok')], bag);
    expect(codes(bag)).toEqual(['FLOWC602', 'FLOWC602']);
    expect(bag.items[0]?.message).toContain("steps 'a.b' and 'a_b' both become the GitHub Actions job id 'a_b'");
    expect(bag.items[0]?.span).toEqual({ file: 'flow.yaml', line: 9, col: 3 });
    expect([...ids.entries()]).toEqual([
      ['a.b', 'a_b'],
      ['ok', 'ok'],
    ]);
  });

  test('a sanitized job keeps the step id as its display name and in FLOWC_STEP; compile fails on collision', () => {
    const ok = compileGha(irWith([step('a.b'), step('c', { needs: ['a.b'] })]));
    const wf = parseWorkflow(ok.text as string);
    expect(wf.jobs.a_b.name).toBe('a.b');
    expect(wf.jobs.a_b.env.FLOWC_STEP).toBe('a.b');
    expect(wf.jobs.c.needs).toEqual(['a_b']);
    const bad = compileGha(irWith([step('a.b'), step('a_b')]));
    expect(bad.text).toBeNull();
    expect(codes(bad.diagnostics)).toEqual(['FLOWC602']);
  });
});

describe('template text', () => {
  const ctx = { inputs: null, matrix: {}, github: {} };
  test('literal ${{ never opens an expression, in any position', () => {
    for (const text of ['${{', '${{}}', '$${{ x }}', '${{{', "it's ${{ a }} '}}'", '${', '}}', 'plain']) {
      const r = renderTemplate([{ kind: 'text', text }]);
      expect(evaluateScalar(r.text, ctx)).toBe(text);
      const l = renderLiteral(text);
      expect(evaluateScalar(l.text, ctx)).toBe(text);
      // A literal-only field is one string literal (GitHub reads it as text even where no expressions are allowed).
      if (text.includes('${{')) expect(l.text).toMatch(/^\$\{\{ '.*' \}\}$/s);
    }
  });

  test('the expression length GitHub would build is measured', () => {
    expect(renderTemplate([{ kind: 'text', text: 'no expressions' }]).expressionLength).toBe(0);
    expect(renderTemplate([{ kind: 'expr', expr: 'inputs.a' }]).expressionLength).toBe('inputs.a'.length);
    // format('a{0}b', inputs.a) is 25 characters
    expect(renderTemplate([{ kind: 'text', text: 'a' }, { kind: 'expr', expr: 'inputs.a' }, { kind: 'text', text: 'b' }]).expressionLength).toBe("format('a{0}b', inputs.a)".length);
  });
});

describe('parameters and schedule', () => {
  const p = (over: Partial<IRParameter>): IRParameter => ({ name: 'x', type: 'string', required: false, default: 'd', origin, ...over });

  test('inputs for workflow_dispatch and workflow_call, one env variable per parameter', async () => {
    const ir = irWith([step('a')], {
      parameters: [
        p({ name: 'date', required: true, default: undefined, description: 'first day' }),
        p({ name: 'days', type: 'integer', default: 7 }),
        p({ name: 'mode', enum: ['full', 'incremental'], default: 'full' }),
        p({ name: 'level', type: 'number', enum: [1, 2.5], default: 2.5 }),
        p({ name: 'dry', type: 'boolean', default: false }),
      ],
    });
    const { text, diagnostics } = compileGha(ir);
    expect(diagnostics.items).toEqual([]);
    const wf = parseWorkflow(text as string);
    expect(wf.on.workflow_dispatch.inputs).toEqual({
      date: { description: 'first day', type: 'string', required: true },
      days: { type: 'number', required: false, default: 7 },
      mode: { type: 'choice', required: false, default: 'full', options: ['full', 'incremental'] },
      level: { type: 'choice', required: false, default: '2.5', options: ['1', '2.5'] },
      dry: { type: 'boolean', required: false, default: false },
    });
    expect(wf.on.workflow_call.inputs.mode).toEqual({ type: 'string', required: false, default: 'full' });
    expect(wf.on.workflow_call.inputs.level).toEqual({ type: 'number', required: false, default: 2.5 });
    expect(wf.on.schedule).toBeUndefined();
    expect(wf.env.FLOWC_PARAM_DATE).toBe('${{ inputs.date }}');
    expect(wf.env.FLOWC_PARAM_DRY).toBe('${{ inputs.dry }}');
    expect(await lintFindings(text as string)).toEqual([]);
  });

  test('FLOWC602: parameters that need the same env variable or input id', () => {
    const ir = irWith([step('a')], { parameters: [p({ name: 'a_b' }), p({ name: 'A_b' })] });
    const { diagnostics } = compileGha(ir);
    expect(codes(diagnostics)).toEqual(['FLOWC602']);
  });

  test('a schedule is on.schedule with its IANA timezone; UTC, under any name, needs none', async () => {
    const tz = compileGha(irWith([step('a')], { schedule: { cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam', origin } }));
    expect(parseWorkflow(tz.text as string).on.schedule).toEqual([{ cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam' }]);
    expect(await lintFindings(tz.text as string)).toEqual([]);
    const utc = compileGha(irWith([step('a')], { schedule: { cron: '*/15 * * * *', timezone: null, origin } }));
    expect(utc.text).toContain("- cron: '*/15 * * * *'\n");
    expect(parseWorkflow(utc.text as string).on.schedule).toEqual([{ cron: '*/15 * * * *' }]);
    // UTC is GitHub's default and actionlint 1.7.12 rejects it as a value: no key under any of its names.
    for (const timezone of ['UTC', 'Etc/UTC', 'Etc/UCT', 'Etc/Zulu', 'Etc/Universal', 'Etc/GMT', 'Etc/GMT+0', 'Etc/Greenwich']) {
      const alias = compileGha(irWith([step('a')], { schedule: { cron: '0 3 * * *', timezone, origin } }));
      expect(parseWorkflow(alias.text as string).on.schedule, timezone).toEqual([{ cron: '0 3 * * *' }]);
    }
    // A zone that is UTC only in winter keeps its name.
    const london = compileGha(irWith([step('a')], { schedule: { cron: '0 3 * * *', timezone: 'Europe/London', origin } }));
    expect(parseWorkflow(london.text as string).on.schedule).toEqual([{ cron: '0 3 * * *', timezone: 'Europe/London' }]);
  });
});

describe('jobs', () => {
  test('runs-on, container, GPU steps, timeout and host mode', async () => {
    const ir = irWith(
      [
        step('prep', { timeoutSeconds: 61 }),
        step('train', { needs: ['prep'], resources: { cpuMillis: 8000, memoryMiB: 32768, gpu: 1 }, image: 'ghcr.io/acme/train:1' }),
      ],
      { targets: { 'github-actions': { runsOn: ['ubuntu-22.04'], gpuRunsOn: ['self-hosted', 'gpu'] } } },
    );
    const { text, diagnostics } = compileGha(ir);
    expect(diagnostics.items).toEqual([]);
    const wf = parseWorkflow(text as string);
    expect(wf.jobs.prep['runs-on']).toEqual(['ubuntu-22.04']);
    expect(wf.jobs.prep.container).toBe('alpine:3.20');
    expect(wf.jobs.prep['timeout-minutes']).toBe(2);
    expect(wf.jobs.train['runs-on']).toEqual(['self-hosted', 'gpu']);
    // A ghcr.io image logs in with the job's own token (credentials.ts).
    expect(wf.jobs.train.container).toEqual({
      image: 'ghcr.io/acme/train:1',
      credentials: { username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
      options: '--gpus all',
    });
    expect(wf.jobs.train.permissions).toEqual({ packages: 'read' });
    expect(wf.jobs.train['timeout-minutes']).toBeUndefined();
    expect(await lintFindings(text as string, { customLabels: ['gpu'] })).toEqual([]);

    const host = compileGha({ ...ir, targets: { 'github-actions': { container: false, gpuRunsOn: 'gpu-runner', permissions: { contents: 'read', 'id-token': 'write' }, concurrency: { group: 'nightly ${{ x }}', cancelInProgress: true } } } });
    const hwf = parseWorkflow(host.text as string);
    expect(hwf.jobs.train.container).toBeUndefined();
    expect(hwf.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(evaluateScalar(hwf.concurrency.group, { inputs: null, matrix: {}, github: {} })).toBe('nightly ${{ x }}');
    expect(hwf.concurrency['cancel-in-progress']).toBe(true);
    expect(codes(host.diagnostics)).toEqual([]);
    expect(hwf.jobs.train['runs-on']).toBe('gpu-runner');
    expect(await lintFindings(host.text as string, { customLabels: ['gpu-runner'] })).toEqual([]);
  });

  test('FLOWC631: a GPU step without gpuRunsOn is an error at the step (ubuntu-latest has no GPU)', () => {
    const ir = irWith([step('prep'), step('train', { needs: ['prep'], resources: { cpuMillis: 1000, memoryMiB: 1024, gpu: 2 }, origin: { ...origin, line: 12 } })]);
    const { text, diagnostics } = compileGha(ir);
    expect(text).toBeNull();
    expect(codes(diagnostics)).toEqual(['FLOWC631']);
    expect(diagnostics.items[0]?.severity).toBe('error');
    expect(diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 12, col: 3 });
    expect(diagnostics.items[0]?.message).toContain("step 'train' asks for 2 GPU(s) but targets.github-actions.gpuRunsOn is not set");
  });

  test('no GITHUB_TOKEN permissions by default: no job checks out the repository or calls the API', async () => {
    const { text } = compileGha(irWith([step('a')]));
    expect(text).toContain('\npermissions: {}\n');
    const wf = parseWorkflow(text as string);
    expect(wf.permissions).toEqual({});
    for (const job of Object.values(wf.jobs) as { steps: Record<string, unknown>[] }[]) {
      expect(job.steps.every((s) => s.uses === undefined)).toBe(true);
    }
    expect(await lintFindings(text as string)).toEqual([]);
  });

  test('one run of a flow at a time per ref by default (Argo CronWorkflow Forbid); the option overrides or turns it off', async () => {
    const ir = irWith([step('a')], { flow: { name: 'nightly', description: null, source: 'flow.yaml', sourceHash: '0'.repeat(64) } });
    const { text } = compileGha(ir);
    const wf = parseWorkflow(text as string);
    // Named after the flow, not github.workflow (the caller's name under workflow_call).
    expect(wf.concurrency).toEqual({
      group: "flowc-nightly-${{ github.ref }}${{ inputs.flowc-call-id && format('-{0}', inputs.flowc-call-id) || '' }}",
      'cancel-in-progress': false,
    });
    const group = (inputs: Record<string, unknown> | null) => evaluateScalar(wf.concurrency.group, { inputs, matrix: {}, github: { ref: 'refs/heads/main' } });
    expect(group(null)).toBe('flowc-nightly-refs/heads/main');
    expect(group({ 'flowc-call-id': '' })).toBe('flowc-nightly-refs/heads/main');
    // Calls the caller names apart do not queue behind (or cancel) each other.
    expect(group({ 'flowc-call-id': 'eu' })).toBe('flowc-nightly-refs/heads/main-eu');
    expect(await lintFindings(text as string)).toEqual([]);

    const off = parseWorkflow(compileGha({ ...ir, targets: { 'github-actions': { concurrency: false } } }).text as string);
    expect(off.concurrency).toBeUndefined();
    const own = parseWorkflow(compileGha({ ...ir, targets: { 'github-actions': { concurrency: { group: 'shared' } } } }).text as string);
    expect(own.concurrency).toEqual({ group: 'shared', 'cancel-in-progress': false });
  });

  test('FLOWC_RUN_ID is one id for the whole run: the same in every attempt of a re-run', () => {
    const wf = parseWorkflow(compileGha(irWith([step('a'), step('b', { needs: ['a'] })])).text as string);
    const at = (attempt: string) => evaluateScalar(wf.env.FLOWC_RUN_ID, { inputs: null, matrix: {}, github: { run_id: '4242', run_attempt: attempt } });
    expect(at('1')).toBe('4242');
    expect(at('3')).toBe('4242');
  });

  test('FLOWC_RUN_ID is distinct per workflow_call call named by flowc-call-id, and stable across re-runs', async () => {
    const params: IRParameter[] = [{ name: 'date', type: 'string', required: true, origin }];
    const ir = irWith([step('a', { env: [{ name: 'OUT', value: [{ kind: 'lit', value: 's3://b/' }, { kind: 'run', field: 'id' }, { kind: 'lit', value: '/x' }] }] })], { parameters: params });
    const { text } = compileGha(ir);
    const wf = parseWorkflow(text as string);
    // An optional input of workflow_call only, after the flow's own; a dispatch form never shows it.
    expect(Object.keys(wf.on.workflow_call.inputs)).toEqual(['date', 'flowc-call-id']);
    expect(wf.on.workflow_call.inputs['flowc-call-id']).toMatchObject({ type: 'string', required: false, default: '' });
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(['date']);
    // A flow without parameters can be told apart per call too.
    expect(Object.keys(parseWorkflow(compileGha(irWith([step('a')])).text as string).on.workflow_call.inputs)).toEqual(['flowc-call-id']);

    const runId = (inputs: Record<string, unknown> | null, attempt = '1') =>
      evaluateScalar(wf.env.FLOWC_RUN_ID, { inputs, matrix: {}, github: { run_id: '4242', run_attempt: attempt } });
    // Two calls in one caller run share github.run_id; their names tell them apart.
    expect(runId({ date: 'd', 'flowc-call-id': 'train-eu' })).toBe('4242-train-eu');
    expect(runId({ date: 'd', 'flowc-call-id': 'train-us' })).toBe('4242-train-us');
    expect(runId({ date: 'd', 'flowc-call-id': 'train-eu' }, '3')).toBe('4242-train-eu');
    // A call without it (GitHub applies the default ''), a dispatch and a scheduled run: the run id.
    expect(runId({ date: 'd', 'flowc-call-id': '' })).toBe('4242');
    expect(runId({ date: 'd' })).toBe('4242');
    expect(runId(null)).toBe('4242');
    // ${run.id} inside a user env value is the same id.
    expect(evaluateScalar(wf.jobs.a.env.OUT, { inputs: { 'flowc-call-id': 'eu' }, matrix: {}, github: { run_id: '4242' } })).toBe('s3://b/4242-eu/x');
    expect(await lintFindings(text as string)).toEqual([]);
  });

  test('FLOWC633: a job whose timeout, every attempt included, is over the hosted 6 hours warns at the step', () => {
    const retry = { limit: 2, delaySeconds: 60, backoff: 1, maxDelaySeconds: null };
    // 3 attempts x 2 h + 2 min = 362 min
    const { text, diagnostics } = compileGha(irWith([step('a', { timeoutSeconds: 7200, retry, origin: { ...origin, line: 7 } })]));
    expect(text).not.toBeNull();
    expect(codes(diagnostics)).toEqual(['FLOWC633']);
    expect(diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 7, col: 3 });
    expect(diagnostics.items[0]?.message).toContain("step 'a': its job needs 362 minutes");
    // Exactly 6 hours fits; a self-hosted runner has no 6-hour cap.
    expect(codes(compileGha(irWith([step('a', { timeoutSeconds: 21_600 })])).diagnostics)).toEqual([]);
    const selfHosted = compileGha(irWith([step('a', { timeoutSeconds: 7200, retry })], { targets: { 'github-actions': { runsOn: ['self-hosted', 'linux'] } } }));
    expect(codes(selfHosted.diagnostics)).toEqual([]);
    // The label alone, as a string rather than a list, is the same runner.
    const selfHostedLabel = compileGha(irWith([step('a', { timeoutSeconds: 7200, retry })], { targets: { 'github-actions': { runsOn: 'self-hosted' } } }));
    expect(codes(selfHostedLabel.diagnostics)).toEqual([]);
  });

  test('with a retry policy the job timeout covers every attempt and the waits', () => {
    const ir = irWith([step('a', { timeoutSeconds: 600, retry: { limit: 2, delaySeconds: 30, backoff: 2, maxDelaySeconds: null } })]);
    // 3 attempts x 10 min + 30 s + 60 s = 31.5 min -> 32
    expect(parseWorkflow(compileGha(ir).text as string).jobs.a['timeout-minutes']).toBe(32);
  });

  test('static foreach: matrix include, max-parallel, fail-fast off, item paths as their own keys', async () => {
    const ir = irWith([
      step('fan', {
        foreach: { items: [{ region: 'eu', n: 1 }, { region: 'us', n: 2 }], from: null, parallelism: 3 },
        exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'item', path: ['region'] }] },
        env: [{ name: 'N', value: [{ kind: 'item', path: ['n'] }] }],
      }),
    ]);
    const { text } = compileGha(ir);
    const job = parseWorkflow(text as string).jobs.fan;
    expect(job.strategy).toEqual({
      'fail-fast': false,
      'max-parallel': 3,
      matrix: {
        include: [
          { item: '{"n":1,"region":"eu"}', item_region: 'eu', item_n: '1' },
          { item: '{"n":2,"region":"us"}', item_region: 'us', item_n: '2' },
        ],
      },
    });
    expect(job.env).toEqual({
      FLOWC_STEP: 'fan',
      FLOWC_ITEM: '${{ matrix.item }}',
      FLOWC_ITEM_REGION: '${{ matrix.item_region }}',
      FLOWC_ITEM_N: '${{ matrix.item_n }}',
      N: '${{ matrix.item_n }}',
    });
    expect(job.steps[0].run).toBe('echo ${FLOWC_ITEM_REGION}');
    expect(await lintFindings(text as string)).toEqual([]);
  });

  test('repeated items stay separate jobs; an empty list is a job with nothing to run', async () => {
    const dup = compileGha(irWith([step('d', { foreach: { items: ['a', 'a'], from: null, parallelism: null } })]));
    expect(parseWorkflow(dup.text as string).jobs.d.strategy.matrix.include).toEqual([
      { item: 'a', flowc_index: 0 },
      { item: 'a', flowc_index: 1 },
    ]);
    const empty = compileGha(irWith([step('e', { foreach: { items: [], from: null, parallelism: null } }), step('after', { needs: ['e'] })]));
    const job = parseWorkflow(empty.text as string).jobs.e;
    expect(job.strategy).toBeUndefined();
    expect(job.steps[0].run).toContain('nothing to run');
    expect(await lintFindings(empty.text as string)).toEqual([]);
  });

  test('exec form quotes each argv element for the shell and execs the program', () => {
    const ir = irWith([
      step('a', {
        exec: {
          kind: 'command',
          argv: [
            [{ kind: 'lit', value: 'if' }],
            [{ kind: 'lit', value: '--x=1' }],
            [{ kind: 'lit', value: "it's" }],
            [],
            [{ kind: 'lit', value: 'v=' }, { kind: 'param', name: 'p' }],
          ],
        },
      }),
    ], { parameters: [{ name: 'p', type: 'string', required: false, default: 'd', origin }] });
    expect(parseWorkflow(compileGha(ir).text as string).jobs.a.steps[0].run).toBe(`exec 'if' --x=1 'it'\\''s' '' v="\${FLOWC_PARAM_P}"\n`);
  });
});

describe('limits and unsafe text', () => {
  test('FLOWC603: a foreach over more than 256 items', () => {
    const items = Array.from({ length: 300 }, (_, i) => `r${i}`);
    const { text, diagnostics } = compileGha(irWith([step('fan', { foreach: { items, from: null, parallelism: null } })]));
    expect(text).toBeNull();
    expect(codes(diagnostics)).toEqual(['FLOWC603']);
    expect(diagnostics.items[0]?.message).toBe("step 'fan': the matrix of its foreach is 300 jobs, 44 over the limit of 256 jobs on jobs one matrix expands to (https://docs.github.com/en/actions/reference/limits)");
    expect(diagnostics.items[0]?.message).toContain('44 over');
  });

  test('FLOWC603: more than 25 parameters, one workflow_dispatch input each', async () => {
    const params = (n: number): IRParameter[] => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, type: 'string', required: false, default: 'd', origin: { ...origin, line: 20 + i } }));
    const over = compileGha(irWith([step('a')], { parameters: params(27) }));
    expect(over.text).toBeNull();
    expect(codes(over.diagnostics)).toEqual(['FLOWC603']);
    expect(over.diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 45, col: 3 });
    expect(over.diagnostics.items[0]?.message).toBe(
      "the workflow_dispatch inputs of 'demo' (one per parameter, 'p25' is the 26th) is 27 inputs, 2 over the limit of 25 inputs on workflow_dispatch inputs (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_dispatchinputs)",
    );
    const atLimit = compileGha(irWith([step('a')], { parameters: params(25) }));
    expect(atLimit.diagnostics.items).toEqual([]);
    expect(Object.keys(parseWorkflow(atLimit.text as string).on.workflow_dispatch.inputs)).toHaveLength(25);
  });

  test('a workflow file over 500 KB: one step alone is FLOWC603; more steps are split into a parent and parts (FLOWC692)', () => {
    const big = 'x'.repeat(10_000);
    const alone = compileGha(irWith([step('s0', { exec: { kind: 'run', script: [{ kind: 'lit', value: `echo ${'x'.repeat(520_000)}` }] } })]));
    expect(alone.text).toBeNull();
    expect(codes(alone.diagnostics)).toEqual(['FLOWC603']);
    expect(alone.diagnostics.items[0]?.message).toMatch(/is \d+ bytes, \d+ over the limit of 512000 bytes on workflow file size \(https:\/\/docs\.github\.com\/en\/actions\/reference\/limits\)$/);
    // Partitioning (docs/targets/github-actions.md#partitioning; partition.test.ts covers it in depth).
    const steps = Array.from({ length: 60 }, (_, i) => step(`s${i}`, { exec: { kind: 'run', script: [{ kind: 'lit', value: `echo ${big}` }] } }));
    const diagnostics = new DiagnosticBag();
    const artifacts = githubActionsTarget.compile(irWith(steps), { diagnostics });
    expect(codes(diagnostics)).toEqual(['FLOWC692']);
    expect(artifacts.length).toBeGreaterThan(2);
    for (const a of artifacts) expect(Buffer.byteLength(a.contents)).toBeLessThanOrEqual(512_000);
  });

  test('FLOWC604: NUL characters, and literal ${{ that would make an expression over 21,000 characters', () => {
    const nul = compileGha(irWith([step('a', { env: [{ name: 'E', value: [{ kind: 'lit', value: 'a\0b' }] }] })]));
    expect(codes(nul.diagnostics)).toEqual(['FLOWC604']);
    expect(nul.diagnostics.items[0]?.message).toContain('steps.a.env.E contains a NUL character');
    const long = compileGha(irWith([step('a', { exec: { kind: 'run', script: [{ kind: 'lit', value: `echo '\${{' ${'y'.repeat(21_000)}` }] } })]));
    expect(codes(long.diagnostics)).toEqual(['FLOWC604']);
    expect(long.diagnostics.items[0]?.message).toContain("the script of step 'a' is too long for GitHub Actions");
  });

  test('FLOWC606: a config too large for one environment value is left out, with a warning', () => {
    const { text, diagnostics } = compileGha(irWith([step('a')], {}, { app: { blob: 'z'.repeat(200_000) } }));
    expect(codes(diagnostics)).toEqual(['FLOWC606']);
    expect(diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, its environment value is \d+ bytes, \d+ over the limit of 130048 bytes on one environment value .*; steps still get FLOWC_CONFIG_HASH$/);
    const wf = parseWorkflow(text as string);
    expect(wf.env.FLOWC_CONFIG).toBeUndefined();
    expect(wf.env.FLOWC_CONFIG_HASH).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('scale', () => {
  test('a 1,000-step flow fits GitHub limits, is deterministic and lints clean', async () => {
    const steps = Array.from({ length: 1000 }, (_, i) =>
      step(`step_${i}`, {
        needs: i === 0 ? [] : [`step_${Math.floor((i - 1) / 2)}`],
        exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'python' }], [{ kind: 'lit', value: 'run.py' }], [{ kind: 'lit', value: String(i) }]] },
        timeoutSeconds: 3600,
      }),
    );
    const ir = irWith(steps);
    const { text, diagnostics } = compileGha(ir);
    expect(diagnostics.items).toEqual([]);
    expect(Buffer.byteLength(text as string)).toBeLessThan(500 * 1024);
    expect(compileGha(ir).text).toBe(text);
    expect(await lintFindings(text as string)).toEqual([]);
  });
});

describe('the oracle can fail', () => {
  test('actionlint flags an untrusted expression pasted into a script (what flowc never writes)', async () => {
    const { text } = compileGha(irWith([step('a', { exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ok' }] } })]));
    const injected = (text as string).replace('run: echo ok', 'run: echo "${{ github.event.issue.title }}"');
    const findings = await lintFindings(injected);
    expect(findings.map((f) => f.kind)).toContain('expression');
  });
});

describe('header comment', () => {
  test('records version, source and config hash; no description text can leave the comment', () => {
    const ir = irWith([step('a')], {
      flow: { name: 'demo', description: 'line one\nline two\rjobs: {}\u2028x: 1\u0085y: 2', source: 'flow.yaml', sourceHash: '0'.repeat(64) },
    });
    const text = compileGha(ir).text as string;
    const header = text.split('\n').filter((l) => l.startsWith('#'));
    expect(header[0]).toBe('# Generated by flowc 0.1.0 from flow.yaml: edit the flow, not this file.');
    expect(header[1]).toBe(`# Flow: demo · config sha256: ${ir.config.hash}`);
    expect(header).toContain('# Description: line one');
    const wf = parseWorkflow(text);
    expect(Object.keys(wf)).toEqual(['name', 'on', 'permissions', 'concurrency', 'defaults', 'env', 'jobs']);
    expect(Object.keys(wf.jobs)).toEqual(['a']);
  });
});
