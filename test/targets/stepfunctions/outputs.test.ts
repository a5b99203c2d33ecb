import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { compileToIR } from '../../../src/pipeline/compile.js';
import { estimate } from '../../../src/targets/stepfunctions/history.js';
import type { IR, IROutput, IRPart, IRStep, IRString } from '../../../src/ir/types.js';
import { aslErrors, compile, findState, lit, makeIR, ORIGIN, param, specOverrides, step, withoutBackslashes } from './helpers.js';
import { FakeS3, runWithOutputs } from './outputs-harness.js';
import { evaluatePayloadValue, type JsonValue } from './intrinsics.js';
import { DEFAULT_OUTPUT_UPLOADER } from '../../../src/targets/stepfunctions/options.js';
import { wrapperScript } from '../../../src/targets/stepfunctions/wrapper.js';

const RUN_ID = 'flowc-outputs-run-0001';
const OUT_AT = { file: 'flow.yaml', line: 7, col: 7 };
const out = (name: string, type: IROutput['type']): IROutput => ({ name, type, origin: OUT_AT });
const ref = (s: string, o: string): IRPart => ({ kind: 'output', step: s, output: o });
const item = (...path: (string | number)[]): IRPart => ({ kind: 'item', path });
const str = (...parts: (string | IRPart)[]): IRString => parts.map((p) => (typeof p === 'string' ? { kind: 'lit', value: p } : p));
const OPTIONS = { jobQueue: 'queue-1', jobDefinition: 'jobdef-1', datastore: 's3://flowc-data/runs/' };

/**
 * The dynamic-shards shape (docs/outputs.md): `split` publishes a JSON list of `n` shards (a run
 * parameter, so the count is known only at run time) and a manifest; `process` runs once per
 * shard and publishes a result; `join` gets the results as a JSON list in item order, in argv,
 * and the manifest in its env. `split` and `process` are real shell scripts.
 */
function shardsIR(o: { options?: Record<string, unknown>; splitScript?: IRString } = {}): IR {
  const split = step('split', {
    exec: {
      kind: 'run',
      script:
        o.splitScript ??
        str(
          'i=0; sep=; list=\nwhile [ "$i" -lt "',
          { kind: 'param', name: 'n' },
          '" ]; do list="$list$sep{\\"id\\": \\"s$i\\"}"; sep=", "; i=$((i + 1)); done\nprintf \'[%s]\\n\' "$list" > "$FLOWC_OUTPUTS/shards"\nprintf \'s3://models/m-1\\n\\n\' > "$FLOWC_OUTPUTS/manifest"\n',
        ),
    },
    outputs: [out('manifest', 'string'), out('shards', 'json')],
  });
  const process = step('process', {
    needs: ['split'],
    foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 4 },
    exec: { kind: 'run', script: str('echo "shard ', item('id'), ' of ', ref('split', 'manifest'), '" && echo "', item('id'), '-ok" > "$FLOWC_OUTPUTS/result"') },
    outputs: [out('result', 'string')],
  });
  const join = step('join', {
    needs: ['process'],
    exec: { kind: 'command', argv: [lit('python'), lit('join.py'), lit('--results'), [ref('process', 'result')]] },
    env: [{ name: 'MANIFEST', value: [ref('split', 'manifest')] }],
  });
  return makeIR([split, process, join], { parameters: [param({ name: 'n', type: 'integer', default: 2 })], targets: { stepfunctions: (o.options ?? OPTIONS) as never } });
}

const s3s: FakeS3[] = [];
afterAll(() => {
  for (const s of s3s) s.clean();
});
const newS3 = () => {
  const s = new FakeS3();
  s3s.push(s);
  return s;
};
/** Later items wait less, so they tend to finish first (no assertion depends on it: timing is not guaranteed). */
const delayMs = (state: string, n: number) => (state === 'process' ? 12 - 2 * n : 1);

describe('step outputs and dynamic foreach on Step Functions', () => {
  const compiled = compile(shardsIR());
  const def = compiled.definition as Record<string, any>;

  it('compiles without diagnostics to a definition asl-validator accepts', () => {
    expect(compiled.diagnostics.items).toEqual([]);
    expect(aslErrors(def)).toEqual([]);
  });

  it.each([2, 5])('runs the Map once per shard split produced at run time (%i), and join gets the results in item order', async (n) => {
    const s3 = newS3();
    const run = await runWithOutputs(def, { n }, { runId: RUN_ID, s3, delayMs });
    expect(run.error).toBeUndefined();
    const processJobs = run.jobs.filter((j) => j.state === 'process');
    expect(processJobs).toHaveLength(n);
    const ids = Array.from({ length: n }, (_, i) => `s${i}`);
    // Each task got its element, its field and the manifest (trailing newlines removed).
    expect(processJobs.map((j) => j.env.FLOWC_ITEM_ID).sort()).toEqual([...ids].sort());
    for (const j of processJobs) {
      expect(j.env.FLOWC_ITEM).toBe(`{"id":"${j.env.FLOWC_ITEM_ID}"}`);
      expect(j.env.FLOWC_STEPS_SPLIT_MANIFEST).toBe('s3://models/m-1');
      expect(j.status).toBe(0);
    }
    // The layout: <datastore>/<flow>/<run id>/<step>[/<task index>]/<output>.
    expect(s3.uploads().sort()).toEqual(
      [
        `s3://flowc-data/runs/demo/${RUN_ID}/split/manifest`,
        `s3://flowc-data/runs/demo/${RUN_ID}/split/shards`,
        ...ids.map((_, i) => `s3://flowc-data/runs/demo/${RUN_ID}/process/${i}/result`),
      ].sort(),
    );
    expect(s3.get('flowc-data', `runs/demo/${RUN_ID}/split/manifest`)).toBe('s3://models/m-1');
    const join = run.jobs.filter((j) => j.state === 'join');
    expect(join).toHaveLength(1);
    expect(join[0]?.command.slice(0, 3)).toEqual(['python', 'join.py', '--results']);
    expect(JSON.parse(join[0]?.command[3] as string)).toEqual(ids.map((id) => `${id}-ok`));
    expect(join[0]?.env.MANIFEST).toBe('s3://models/m-1');
    // Every job started after the ones it needs ended.
    const split = run.jobs.find((j) => j.state === 'split') as { end: number };
    for (const j of processJobs) expect(j.start).toBeGreaterThan(split.end);
    for (const j of processJobs) expect((join[0] as { start: number }).start).toBeGreaterThan(j.end);
  });

  it('runs no task for an empty list, and join sees []', async () => {
    const s3 = newS3();
    const run = await runWithOutputs(def, { n: 0 }, { runId: RUN_ID, s3 });
    expect(run.error).toBeUndefined();
    expect(run.jobs.filter((j) => j.state === 'process')).toHaveLength(0);
    const join = run.jobs.find((j) => j.state === 'join');
    expect(JSON.parse(join?.command[3] as string)).toEqual([]);
  });

  it('fails the run naming the step when an output never reached S3, before any later step', async () => {
    const s3 = newS3();
    // The job succeeded, but its upload is gone (a wrong bucket policy, a lifecycle rule).
    const run = await runWithOutputs(def, { n: 2 }, { runId: RUN_ID, s3, afterJob: (j) => j.state === 'split' && s3.remove(`${j.env.FLOWC_OUTPUTS_URI}/manifest`) });
    expect(run.error?.name).toBe('flowc.OutputUnreadable');
    expect(run.error?.message).toContain("step 'split': cannot read its output 'manifest' from s3://flowc-data/runs/demo/<run id>/split/manifest");
    expect(run.jobs.map((j) => j.state)).toEqual(['split']);
  });

  it('fails the step in its container when it does not write a declared output, naming step and output', async () => {
    const s3 = newS3();
    const ir = shardsIR({ splitScript: str('printf \'[1]\' > "$FLOWC_OUTPUTS/shards"\n') });
    const run = await runWithOutputs(compile(ir).definition as Record<string, any>, {}, { runId: RUN_ID, s3 });
    expect(run.error?.name).toBe('States.TaskFailed');
    expect(run.error?.message).toContain("flowc: step split: output 'manifest' was not written");
    expect(s3.uploads()).toEqual([]);
    expect(run.jobs.map((j) => j.state)).toEqual(['split']);
  });

  it('fails the run before any task when the list is not a list, naming the step', async () => {
    for (const value of ['{"a": 1}', '"[1]"', '3']) {
      const s3 = newS3();
      const ir = shardsIR({ splitScript: str(`printf '%s' '${value}' > "$FLOWC_OUTPUTS/shards"; echo m > "$FLOWC_OUTPUTS/manifest"\n`) });
      const run = await runWithOutputs(compile(ir).definition as Record<string, any>, {}, { runId: RUN_ID, s3 });
      expect(run.error?.name, value).toBe('flowc.NotAList');
      expect(run.error?.message).toContain("step 'process': foreach needs a JSON list, but output 'shards' of step 'split' is not one");
      expect(run.jobs.map((j) => j.state)).toEqual(['split']);
    }
  });

  it('renders elements of any type like static items: strings as is, others as compact JSON, missing fields as empty', async () => {
    const s3 = newS3();
    const list = '["plain", {"id": 7}, {"id": {"a": [1, "x"]}}, {"other": true}, 2.5, null]';
    const ir = shardsIR({ splitScript: str(`printf '%s' '${list}' > "$FLOWC_OUTPUTS/shards"; echo m > "$FLOWC_OUTPUTS/manifest"\n`) });
    const run = await runWithOutputs(compile(ir).definition as Record<string, any>, {}, { runId: RUN_ID, s3 });
    expect(run.error).toBeUndefined();
    const got = run.jobs
      .filter((j) => j.state === 'process')
      .map((j) => [j.env.FLOWC_ITEM, j.env.FLOWC_ITEM_ID])
      .sort();
    expect(got).toEqual(
      [
        ['plain', ''],
        ['{"id":7}', '7'],
        ['{"id":{"a":[1,"x"]}}', '{"a":[1,"x"]}'],
        ['{"other":true}', ''],
        ['2.5', ''],
        ['null', ''],
      ].sort(),
    );
  });

  it('reads outputs into $.outputs.<step>.<output>.value and wraps only the steps that declare outputs', () => {
    const read = findState(def, 'split-read-shards');
    expect(read?.Resource).toBe('arn:aws:states:::aws-sdk:s3:getObject');
    expect(read?.Parameters).toEqual({ Bucket: 'flowc-data', 'Key.$': "States.Format('runs/demo/{}/split/shards', $$.Execution.Name)" });
    expect(read?.ResultSelector).toEqual({ 'value.$': 'States.StringToJson($.Body)' });
    expect(read?.ResultPath).toBe('$.outputs.split.shards');
    expect(findState(def, 'process-foreach')?.ItemsPath).toBe('$.outputs.split.shards.value');
    expect(findState(def, 'join')?.Parameters.ContainerOverrides.Command).toBeUndefined();
    expect(findState(def, 'join')?.Parameters.ContainerOverrides['Command.$']).toBe("States.Array('python', 'join.py', '--results', States.JsonToString($.outputs.process.result.value))");
    expect(findState(def, 'split')?.Parameters.ContainerOverrides.Command.slice(0, 2)).toEqual(['sh', '-c']);
  });
});

describe('FLOWC674: outputs without a datastore', () => {
  it('is an error at the first declared output, with the option and an example', () => {
    const { jobQueue, jobDefinition } = OPTIONS;
    const c = compile(shardsIR({ options: { jobQueue, jobDefinition } }));
    const d = c.diagnostics.items.filter((x) => x.code === 'FLOWC674');
    expect(d).toHaveLength(1);
    expect(d[0]?.span).toEqual(OUT_AT);
    expect(d[0]?.message).toContain("step 'split' declares outputs");
    expect(d[0]?.message).toContain('targets.stepfunctions.datastore');
    expect(d[0]?.notes?.join('\n')).toContain('datastore: s3://my-bucket/flowc');
    expect(c.artifacts).toEqual([]);
  });

  it('is not reported for a flow without outputs', () => {
    const c = compile(makeIR([step('a')]));
    expect(c.diagnostics.items.filter((x) => x.code === 'FLOWC674')).toEqual([]);
  });
});

describe('FLOWC676: dynamic item paths JSONPath cannot address', () => {
  it('is an error at the step', () => {
    const ir = shardsIR();
    const at = { file: 'flow.yaml', line: 20, col: 3 };
    const process = ir.steps[1] as IRStep;
    ir.steps[1] = { ...process, origin: at, env: [{ name: 'KEY', value: [item('a-b')] }] };
    const c = compile(ir);
    const d = c.diagnostics.items.filter((x) => x.code === 'FLOWC676');
    expect(d.map((x) => x.span)).toEqual([at]);
    expect(d[0]?.message).toContain("step 'process': ${item.a-b}");
  });
});

void ORIGIN;

describe('FLOWC675: a datastore that is not s3://bucket/prefix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-sfn-ds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const flowWith = (datastore: string) => {
    writeFileSync(join(dir, 'flow.yaml'), `flowc: 1\nname: ds\ntargets:\n  stepfunctions:\n    datastore: ${JSON.stringify(datastore)}\nsteps:\n  a:\n    image: alpine:3.20\n    command: [echo, hi]\n`);
    return compileToIR({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {} } as never).diagnostics.filter((d) => d.code === 'FLOWC675');
  };

  it.each([
    ['http://bucket/prefix', 'is not an S3 URI'],
    ['s3://', 'is not an S3 bucket name'],
    ['s3://My_Bucket/x', "'My_Bucket' is not an S3 bucket name"],
    ['s3://ab', "'ab' is not an S3 bucket name"],
    ['s3://a..b/x', "'a..b' is not an S3 bucket name"],
    ['s3://bucket/a//b', "the key prefix 'a//b' may hold only"],
    ['s3://bucket/a/../b', "the key prefix 'a/../b' may hold only"],
    ["s3://bucket/it's", "the key prefix 'it's' may hold only"],
  ])('%s: %s, at the value', (uri, message) => {
    const d = flowWith(uri);
    expect(d).toHaveLength(1);
    expect(d[0]?.message).toContain(`targets.stepfunctions.datastore: `);
    expect(d[0]?.message).toContain(message);
    expect(d[0]?.span).toMatchObject({ file: join(dir, 'flow.yaml'), line: 5, col: 16 });
  });

  it.each(['s3://flowc-data', 's3://flowc-data/', 's3://flowc.data-1/runs/ml=1/(x)'])('accepts %s', (uri) => {
    expect(flowWith(uri)).toEqual([]);
  });
});

describe('outputs across Parallel branches and static foreach producers', () => {
  /**
   * par( seq(a, e), b ) then c: `e` reads `a` inside its branch; `b` is a static foreach whose
   * tasks each publish `y`; `c` reads all three after the Parallel, which gathers them.
   */
  // Over 40 at once makes a Distributed Map (history.ts), with more than 40 items to run.
  const itemsFor = (parallelism: number | null) => ['p', { n: 'q' }, 'r', ...(parallelism !== null && parallelism > 40 ? Array.from({ length: 40 }, (_, i) => `i${i}`) : [])];
  function fanIR(o: { compute: 'batch' | 'ecs'; parallelism: number | null }): IR {
    const a = step('a', { exec: { kind: 'run', script: str('printf \'{"k": [1, 2]}\' > "$FLOWC_OUTPUTS/x"') }, outputs: [out('x', 'json')] });
    const e = step('e', { needs: ['a'], exec: { kind: 'run', script: str('printf "%s\\n" "', ref('a', 'x'), '" > "$FLOWC_OUTPUTS/z"') }, outputs: [out('z', 'string')] });
    const b = step('b', {
      foreach: { items: itemsFor(o.parallelism), from: null, parallelism: o.parallelism },
      exec: { kind: 'run', script: str('printf "%s!" "', item(), '" > "$FLOWC_OUTPUTS/y"') },
      outputs: [out('y', 'string')],
    });
    const c = step('c', {
      needs: ['e', 'b'],
      exec: { kind: 'command', argv: [lit('report'), [ref('b', 'y')]] },
      env: [
        { name: 'X', value: [ref('a', 'x')] },
        { name: 'Z', value: str('z=', ref('e', 'z')) },
      ],
    });
    const options = o.compute === 'ecs' ? { compute: 'ecs', ecs: { subnets: ['subnet-1'] }, datastore: 's3://flowc-data' } : { ...OPTIONS, datastore: 's3://flowc-data' };
    return makeIR([a, e, b, c], { targets: { stepfunctions: options as never } });
  }

  it.each([
    ['batch', null],
    ['ecs', null],
    ['batch', 50],
  ] as const)('on %s with parallelism %s: every value reaches c, a foreach list in item order', async (compute, parallelism) => {
    const ir = fanIR({ compute, parallelism });
    const c = compile(ir);
    expect(c.diagnostics.errors()).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    expect(findState(def, 'b-foreach')?.ItemProcessor.ProcessorConfig.Mode).toBe(parallelism === 50 ? 'DISTRIBUTED' : 'INLINE');
    const s3 = newS3();
    const run = await runWithOutputs(def, {}, { runId: RUN_ID, s3, delayMs: (state, n) => (state === 'b' ? 9 - 3 * n : 1) });
    expect(run.error).toBeUndefined();
    expect(run.jobs.filter((j) => j.status !== undefined && j.status !== 0)).toEqual([]);
    const e = run.jobs.find((j) => j.state === 'e');
    expect(e?.env.FLOWC_STEPS_A_X).toBe('{"k":[1,2]}');
    const job = run.jobs.find((j) => j.state === 'c');
    expect(job?.command[0]).toBe('report');
    // aws-local-stepfunctions drops the backslashes of intrinsic results (helpers.ts): compare without.
    const texts = itemsFor(parallelism).map((i) => `${typeof i === 'string' ? i : JSON.stringify(i)}!`);
    expect(job?.command[1]).toBe(withoutBackslashes(JSON.stringify(texts)));
    expect(JSON.parse(job?.env.X as string)).toEqual({ k: [1, 2] });
    expect(job?.env.Z).toBe('z={"k":[1,2]}');
    expect(s3.uploads()).toContain(`s3://flowc-data/demo/${RUN_ID}/b/1/y`);
  });
});

describe('history estimate with outputs', () => {
  it('counts each read (5 events) and a dynamic foreach as its list check, rejoin and Distributed Map', () => {
    const ir = shardsIR();
    const steps = new Map(ir.steps.map((s) => [s.id, s]));
    const got = estimate(ir, lowerGraph(ir).block, steps, new Map([['process', 'DISTRIBUTED']]));
    // execution 2, parameter states 8, split 6 + 2 reads x 5, process 2 + 2 + 2 + 6, join 6.
    expect(got.happy).toBe(2 + 8 + 6 + 10 + 12 + 6);
  });
});

describe('rendering outputs, checked exactly with the spec evaluator (intrinsics.ts)', () => {
  const HOSTILE = `q"uo'te \\back {} $(id) \`x\`\nline`;
  it('gives join the JSON list and the manifest byte for byte, and a command-form producer its wrapper and argv intact', () => {
    const ir = shardsIR();
    ir.steps.push(
      step('cmdprod', {
        needs: ['join'],
        exec: { kind: 'command', argv: [lit('tool'), [{ kind: 'param', name: 'p' }], lit("it's {x} \\")] },
        outputs: [out('o', 'string')],
      }),
    );
    ir.edges.push(['join', 'cmdprod']);
    ir.parameters.push(param({ name: 'p', default: 'd' }));
    const c = compile(ir);
    expect(c.diagnostics.errors()).toEqual([]);
    const def = c.definition as Record<string, any>;
    const results = ['a"', 'b\\', "c'{}", HOSTILE];
    const input = { params: { n: 2, p: HOSTILE }, outputs: { split: { manifest: { value: HOSTILE } }, process: { result: { value: results } } } } as JsonValue;
    const context = { Execution: { Name: RUN_ID } } as JsonValue;
    const join = specOverrides(findState(def, 'join') as Record<string, any>, { input, context });
    expect(join.Command).toEqual(['python', 'join.py', '--results', JSON.stringify(results)]);
    expect(join.Environment.find((e: any) => e.Name === 'MANIFEST').Value).toBe(HOSTILE);
    const prod = specOverrides(findState(def, 'cmdprod') as Record<string, any>, { input, context });
    const cmdprod = ir.steps.find((s) => s.id === 'cmdprod') as IRStep;
    expect(prod.Command).toEqual(['sh', '-c', wrapperScript(cmdprod, DEFAULT_OUTPUT_UPLOADER), 'flowc-outputs', 'tool', HOSTILE, "it's {x} \\"]);
    expect(prod.Environment.find((e: any) => e.Name === 'FLOWC_OUTPUTS_URI').Value).toBe(`s3://flowc-data/runs/demo/${RUN_ID}/cmdprod`);
    const read = findState(def, 'process-read-result') as Record<string, any>;
    expect(evaluatePayloadValue(read.Parameters['Key.$'], { input: { index: 3, run: RUN_ID }, context })).toBe(`runs/demo/${RUN_ID}/process/3/result`);
  });
});

describe('FLOWC664 for a dynamic foreach', () => {
  it('warns when its parallelism is over what a Distributed Map runs at once, whatever the list turns out to be', () => {
    const ir = shardsIR();
    const process = ir.steps[1] as IRStep;
    ir.steps[1] = { ...process, foreach: { ...(process.foreach as NonNullable<IRStep['foreach']>), parallelism: 20_000 } };
    const d = compile(ir).diagnostics.items.filter((x) => x.code === 'FLOWC664');
    expect(d.map((x) => x.message)).toEqual([
      "step 'process': parallelism 20000 is over the 10000 child executions a Distributed Map runs at once, so at most 10000 of its items run at once (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-map-process-modes.html)",
    ]);
  });
});

describe('a dynamic foreach inside a Parallel branch', () => {
  it('hands its list and the other branch values to the step after the Parallel', async () => {
    const split = step('split', { outputs: [out('shards', 'json')] });
    const process = step('process', { needs: ['split'], foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: null }, env: [{ name: 'ID', value: [item('id')] }], outputs: [out('result', 'string')] });
    const other = step('other', { outputs: [out('o', 'string')] });
    const join = step('join', { needs: ['process', 'other'], env: [{ name: 'O', value: [ref('other', 'o')] }, { name: 'R', value: [ref('process', 'result')] }] });
    const ir = makeIR([split, process, other, join], { targets: { stepfunctions: OPTIONS as never } });
    const c = compile(ir);
    expect(c.diagnostics.errors()).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    expect(Object.values(def.States).some((s: any) => s.Type === 'Parallel')).toBe(true);
    for (const n of [0, 3]) {
      const s3 = newS3();
      const simulate = (job: { state: string; env: Record<string, string> }): Record<string, string> =>
        job.state === 'split' ? { shards: JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i }))) } : job.state === 'process' ? { result: `r${job.env.ID}` } : job.state === 'other' ? { o: 'other-value' } : {};
      const run = await runWithOutputs(def, {}, { runId: RUN_ID, s3, simulate, delayMs: (s, k) => (s === 'process' ? 6 - 2 * k : 1) });
      expect(run.error).toBeUndefined();
      const j = run.jobs.find((x) => x.state === 'join');
      expect(j?.env.O).toBe('other-value');
      expect(JSON.parse(j?.env.R as string)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
      expect(run.jobs.filter((x) => x.state === 'process')).toHaveLength(n);
    }
  });
});
