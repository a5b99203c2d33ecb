import { describe, expect, it } from 'vitest';
import type { IRString } from '../../../src/ir/types.js';
import { checkExecution, compile, execute, lit, makeIR, param, step, succeeded } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

const EXEC_ID = '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab';

/** Literal text every target must pass through unchanged (SPEC 6), Workflows' own syntax first. */
const HOSTILE = [
  '${x}',
  '$${y}',
  '${',
  '}',
  '$',
  '${"a" + b}',
  '{{workflow.name}}',
  '${{ secrets.TOKEN }}',
  '"double" \'single\'',
  'line1\nline2\r\n\ttab',
  'back\\slash \\n \\"',
  '$(rm -rf /) `id`',
  'ünïcødé ✓ 🚀',
  'yes',
  'null',
  '0777',
  ': colon # hash',
  '- dash',
  '\u0001 control \u007f',
];

describe('execution in the interpreter', () => {
  it('passes hostile literals unchanged to the container: argv, run script and env', async () => {
    const joined = HOSTILE.join(' | ');
    const ir = makeIR([
      step('argv', { exec: { kind: 'command', argv: HOSTILE.map(lit) }, env: HOSTILE.map((h, i) => ({ name: `H${i}`, value: lit(h) })) }),
      step('script', { needs: ['argv'], exec: { kind: 'run', script: lit(joined) } }),
    ]);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    const [a, s] = succeeded(e);
    expect([a?.entrypoint, ...(a?.commands ?? [])]).toEqual(HOSTILE);
    HOSTILE.forEach((h, i) => expect(a?.env[`H${i}`]).toBe(h));
    expect(s?.entrypoint).toBe('/bin/sh');
    expect(s?.commands).toEqual(['-c', joined]);
  });

  it('keeps hostile literals around run-time values, and in foreach items', async () => {
    const mixed: IRString = [{ kind: 'lit', value: '${x} "' }, { kind: 'param', name: 'p' }, { kind: 'lit', value: '" $${' }, { kind: 'item', path: [] }];
    const items = ['${item}', 'a"b', 'c\nd'];
    const ir = makeIR([step('each', { exec: { kind: 'command', argv: [lit('echo'), mixed] }, foreach: { items, from: null, parallelism: null } })], {
      parameters: [param({ name: 'p', default: '${p} \\ "q"' })],
    });
    const { yaml } = compile(ir);
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    const got = succeeded(e).map((j) => j.commands[0]).sort();
    expect(got).toEqual(items.map((i) => `\${x} "\${p} \\ "q"" $\${${i}`).sort());
    expect(succeeded(e).map((j) => j.env.FLOWC_ITEM).sort()).toEqual([...items].sort());
  });

  it('joins a string longer than one expression allows, holding ${ and a parameter', async () => {
    const long = `for f in \${FILES}; do echo "\${f}"; done # ${'x'.repeat(900)} "quoted" \\ end`;
    const script: IRString = [{ kind: 'lit', value: long }, { kind: 'param', name: 'day' }, { kind: 'lit', value: long }];
    const ir = makeIR([step('long', { exec: { kind: 'run', script }, env: [{ name: 'BIG', value: lit(long) }] })], {
      parameters: [param({ name: 'day', required: true })],
    });
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    // Joined just before the call, into variables the call's values name.
    expect(yaml).toContain('call: flowc_text');
    expect(yaml).toContain('commands: [-c, "${flowc_text_long_1}"]');
    const e = await execute(yaml, { day: '2024-05-01' });
    expect(checkExecution(ir, e)).toEqual([]);
    const [job] = succeeded(e);
    // The parameter reaches the script as a shell variable; its value is in the env.
    expect(job?.commands).toEqual(['-c', `${long}\${FLOWC_PARAM_DAY}${long}`]);
    expect(job?.env.FLOWC_PARAM_DAY).toBe('2024-05-01');
    expect(job?.env.BIG).toBe(long);
  });

  it('gives parameters their defaults, takes supplied values, and formats each type as text', async () => {
    const ir = makeIR(
      [
        step('show', {
          exec: { kind: 'command', argv: [lit('show'), [{ kind: 'param', name: 'alpha' }], [{ kind: 'param', name: 'mode' }], [{ kind: 'param', name: 'n' }], [{ kind: 'param', name: 'dry' }]] },
          env: [
            { name: 'ALPHA', value: [{ kind: 'param', name: 'alpha' }] },
            { name: 'MODE', value: [{ kind: 'lit', value: 'mode=' }, { kind: 'param', name: 'mode' }] },
          ],
        }),
      ],
      {
        parameters: [
          param({ name: 'alpha', type: 'number', default: 0.01 }),
          param({ name: 'mode', type: 'string', default: 'full', enum: ['full', 'incremental'] }),
          param({ name: 'n', type: 'integer', default: 3 }),
          param({ name: 'dry', type: 'boolean', default: false }),
        ],
      },
    );
    const { yaml } = compile(ir);
    expect(yaml).toContain('${default(map.get(args, "alpha"), 0.01)}');
    const defaults = succeeded(await execute(yaml, null))[0];
    expect(defaults?.commands).toEqual(['0.01', 'full', '3', 'false']);
    expect(defaults?.env).toMatchObject({ ALPHA: '0.01', MODE: 'mode=full' });
    const given = succeeded(await execute(yaml, { alpha: 0.5, mode: 'incremental', n: 7, dry: true }))[0];
    expect(given?.commands).toEqual(['0.5', 'incremental', '7', 'true']);
    expect(given?.env).toMatchObject({ ALPHA: '0.5', MODE: 'mode=incremental' });
  });

  it('stops with a clear error when a required parameter has no value', async () => {
    const ir = makeIR([step('a', { exec: { kind: 'command', argv: [lit('echo'), [{ kind: 'param', name: 'date' }]] } })], {
      parameters: [param({ name: 'date', required: true })],
    });
    const { yaml } = compile(ir);
    const e = await execute(yaml, {});
    expect(e.jobs).toEqual([]);
    expect(String((e.error as Error).message)).toContain("required parameter 'date' has no value");
    const ok = await execute(yaml, { date: '2024-01-02' });
    expect(succeeded(ok)[0]?.commands).toEqual(['2024-01-02']);
  });

  it('sets FLOWC_* variables, the execution id as run id, and resources of the job', async () => {
    const ir = makeIR([
      step('train', {
        resources: { cpuMillis: 8000, memoryMiB: 30720, gpu: 2 },
        timeoutSeconds: 9000,
        exec: { kind: 'command', argv: [lit('python'), [{ kind: 'lit', value: 'run-' }, { kind: 'run', field: 'id' }], [{ kind: 'flow', field: 'name' }], [{ kind: 'step', field: 'name' }]] },
        env: [{ name: 'USER_VAR', value: lit('v') }],
      }),
    ]);
    ir.targets['gcp-workflows'] = { project: 'proj-1', region: 'europe-west1', serviceAccount: 'sa@proj-1.iam.gserviceaccount.com', machineType: 'n1-standard-8', network: 'default' };
    const { yaml } = compile(ir);
    const e = await execute(yaml, {});
    const job = succeeded(e)[0];
    expect(job?.commands).toEqual([`run-${EXEC_ID}`, 'demo', 'train']);
    expect(job?.env).toEqual({
      FLOWC_FLOW: 'demo',
      FLOWC_STEP: 'train',
      FLOWC_RUN_ID: EXEC_ID,
      FLOWC_CONFIG_HASH: ir.config.hash,
      FLOWC_CONFIG: '{"app":{"region":"eu"}}',
      USER_VAR: 'v',
    });
    expect(job?.parent).toBe('projects/proj-1/locations/europe-west1');
    expect(job?.jobId).toBe(`train-${EXEC_ID}-1`);
    expect(job?.timeout).toBe(9000);
    expect(job?.body).toMatchObject({
      taskGroups: [{ taskSpec: { computeResource: { cpuMilli: 8000, memoryMib: 30720 }, maxRunDuration: '9000s' } }],
      allocationPolicy: {
        instances: [{ installGpuDrivers: true, policy: { accelerators: [{ type: 'nvidia-tesla-t4', count: 2 }], machineType: 'n1-standard-8' } }],
        network: { networkInterfaces: [{ network: 'default' }] },
        serviceAccount: { email: 'sa@proj-1.iam.gserviceaccount.com' },
      },
    });
  });

  it('reads project and region from the workflow when the options leave them out', async () => {
    const ir = makeIR([step('a')], { targets: {} });
    const { yaml } = compile(ir);
    const job = succeeded(await execute(yaml, {}))[0];
    expect(job?.parent).toBe('projects/env-project/locations/europe-west4');
    expect(job?.body).toMatchObject({ allocationPolicy: {} });
  });

  it('retries a failing job with backoff, under a new job id each attempt', async () => {
    const ir = makeIR([step('flaky', { retry: { limit: 3, delaySeconds: 10, backoff: 2, maxDelaySeconds: 15 } })]);
    const { yaml } = compile(ir);
    const e = await execute(yaml, {}, { failures: () => 3, duration: () => 100 });
    expect(checkExecution(ir, e)).toEqual([]);
    // Each attempt runs 100 s; delays are 10, then 20 capped at 15, then 40 capped at 15.
    expect(e.jobs.map((j) => [j.jobId.slice(-2), j.start, j.failed])).toEqual([
      ['-1', 0, true],
      ['-2', 110, true],
      ['-3', 225, true],
      ['-4', 340, false],
    ]);
  });

  it('fails the run when retries are exhausted, and does not retry without a policy', async () => {
    const ir = makeIR([step('a', { retry: { limit: 1, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } }), step('b', { needs: ['a'] })]);
    const e = await execute(compile(ir).yaml, {}, { failures: (s) => (s === 'a' ? 5 : 0) });
    expect(e.error).toBeTruthy();
    expect(e.jobs.map((j) => j.step)).toEqual(['a', 'a']);
    const single = makeIR([step('a')]);
    const e2 = await execute(compile(single).yaml, {}, { failures: () => 1 });
    expect(e2.jobs.length).toBe(1);
    expect(e2.error).toBeTruthy();
  });

  it('runs foreach items at most `parallelism` at once, with distinct job ids', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const ir = makeIR([step('fan', { foreach: { items, from: null, parallelism: 2 } })]);
    const e = await execute(compile(ir).yaml, {}, { duration: () => 10 });
    expect(checkExecution(ir, e)).toEqual([]);
    const starts = succeeded(e).map((j) => j.start).sort((x, y) => x - y);
    expect(starts).toEqual([0, 0, 10, 10, 20]);
    expect(new Set(e.jobs.map((j) => j.jobId)).size).toBe(5);
    expect(e.jobs.map((j) => j.jobId).sort()).toEqual(items.map((_, i) => `fan-${EXEC_ID}-${i}-1`));
  });

  it('formats map and number items as JSON text and reads paths into them', async () => {
    const items = [{ r: 'eu', n: 1 }, { r: 'us', n: 2.5 }];
    const ir = makeIR([
      step('fan', { foreach: { items, from: null, parallelism: null }, exec: { kind: 'command', argv: [lit('go'), [{ kind: 'item', path: ['r'] }], [{ kind: 'item', path: ['n'] }]] } }),
    ]);
    const e = await execute(compile(ir).yaml, {});
    expect(succeeded(e).map((j) => [j.commands, j.env.FLOWC_ITEM]).sort()).toEqual([
      [['eu', '1'], '{"r":"eu","n":1}'],
      [['us', '2.5'], '{"r":"us","n":2.5}'],
    ]);
  });

  it('runs independent branches at the same time in virtual time', async () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })]);
    const e = await execute(compile(ir).yaml, {}, { duration: (s) => (s === 'b' ? 30 : 10) });
    expect(checkExecution(ir, e)).toEqual([]);
    const at = Object.fromEntries(succeeded(e).map((j) => [j.step, [j.start, j.end]]));
    expect(at).toEqual({ a: [0, 10], b: [10, 40], c: [10, 20], d: [40, 50] });
    expect(structureProblems(ir, compile(ir).yaml)).toEqual([]);
  });

  it('keeps YAML 1.1 booleans (y, on, no) as names and values', async () => {
    const ir = makeIR([step('no', { exec: { kind: 'command', argv: [lit('on'), [{ kind: 'param', name: 'y' }], [{ kind: 'param', name: 'on' }]] }, env: [{ name: 'Y', value: lit('yes') }] })], {
      parameters: [param({ name: 'y', default: 'n' }), param({ name: 'on', type: 'boolean', default: false })],
    });
    const { yaml } = compile(ir);
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    const job = succeeded(e)[0];
    expect([job?.entrypoint, ...(job?.commands ?? [])]).toEqual(['on', 'n', 'false']);
    expect(job?.env.Y).toBe('yes');
    expect(job?.env.FLOWC_STEP).toBe('no');
  });
});
