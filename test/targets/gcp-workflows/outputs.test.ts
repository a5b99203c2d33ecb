import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../../src/source/tree.js';
import type { IR, IROutput, IRPart, IRStep, IRString } from '../../../src/ir/types.js';
import { estimateMemory, estimateSteps } from '../../../src/targets/gcp-workflows/budget.js';
import { OUTPUT_WRAPPER } from '../../../src/targets/gcp-workflows/output-wrapper.js';
import { fitLimits } from '../../../src/targets/gcp-workflows/fit-limits.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import { GCP_OPTIONS_SCHEMA, MAX_DATASTORE_CHARS, readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { Ajv } from 'ajv';
import { buildWorkflow } from '../../../src/targets/gcp-workflows/workflow.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { compile, type Execution, execute, lit, makeIR, step } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

const EXEC_ID = '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab';
const OPTIONS = { project: 'my-project', region: 'us-central1', datastore: 'gs://flowc-data/runs/' };
const out = (name: string, type: 'json' | 'string', line = 5): IROutput => ({ name, type, origin: { file: 'flow.yaml', line, col: 7 } });
const ref = (s: string, o: string): IRPart => ({ kind: 'output', step: s, output: o });
const cat = (...parts: (string | IRPart)[]): IRString => parts.map((p) => (typeof p === 'string' ? { kind: 'lit' as const, value: p } : p));

/** The design's flow: split publishes shards and a manifest, process fans out over the shards, join reads every result. */
function shardsIR(options: Record<string, Json> = OPTIONS, extra: IRStep[] = []): IR {
  return makeIR(
    [
      step('split', { exec: { kind: 'run', script: lit('python split.py > "$FLOWC_OUTPUTS/shards"') }, outputs: [out('manifest', 'string', 6), out('shards', 'json', 5)] }),
      step('process', {
        needs: ['split'],
        foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 2 },
        exec: { kind: 'run', script: cat('echo "shard ', { kind: 'item', path: ['id'] }, ' of ', ref('split', 'manifest'), '" > "$FLOWC_OUTPUTS/result"') },
        outputs: [out('result', 'string', 12)],
      }),
      step('join', {
        needs: ['process'],
        exec: { kind: 'command', argv: [lit('python'), lit('join.py'), lit('--results'), [ref('process', 'result')]] },
        env: [{ name: 'MANIFEST', value: [ref('split', 'manifest')] }],
      }),
      ...extra,
    ],
    { targets: { 'gcp-workflows': options } },
  );
}

/** What each job writes: split the shard list and a manifest with trailing newlines, process one result per shard. */
function writes(shards: string, files: { manifest?: string } = { manifest: 'gs://models/m1\n\n' }) {
  return (s: string, item: string | null): Record<string, string> => {
    if (s === 'split') return { shards, ...files };
    if (s === 'process') return { result: `${item?.startsWith('{') ? (JSON.parse(item) as { id: unknown }).id : item}-ok\n` };
    return {};
  };
}

const shardList = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i })));
const message = (e: Execution): string => String((e.error as Error | null)?.message ?? '');

async function run(ir: IR, shards: string, fake: Parameters<typeof execute>[2] = {}): Promise<Execution> {
  const { yaml, diagnostics } = compile(ir);
  expect(diagnostics.items.filter((d) => d.severity === 'error')).toEqual([]);
  return execute(yaml, null, { writes: writes(shards), ...fake });
}

describe('step outputs and dynamic foreach', () => {
  it('compiles to a definition that passes the schema and structure checks', () => {
    const { yaml, diagnostics } = compile(shardsIR());
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(shardsIR(), yaml)).toEqual([]);
  });

  it.each([2, 5])('runs the loop once per shard split produced at run time (%i), and join sees the results in item order', async (n) => {
    // Later items finish first, so item order is not completion order.
    const e = await run(shardsIR(), shardList(n), { duration: (s, item) => (s === 'process' ? 100 - (JSON.parse(item as string) as { id: number }).id * 10 : 10) });
    expect(e.error).toBeNull();
    const tasks = e.jobs.filter((j) => j.step === 'process');
    expect(tasks.map((j) => j.item).sort()).toEqual(Array.from({ length: n }, (_, i) => JSON.stringify({ id: i })).sort());
    expect(tasks.map((j) => j.env.FLOWC_ITEM_ID).sort()).toEqual(Array.from({ length: n }, (_, i) => String(i)).sort());
    // The manifest reaches the script as env data, trailing newlines removed; the script stays literal.
    for (const t of tasks) expect(t.env.FLOWC_STEPS_SPLIT_MANIFEST).toBe('gs://models/m1');
    expect(tasks[0]?.commands.slice(-1)[0]).toBe('echo "shard ${FLOWC_ITEM_ID} of ${FLOWC_STEPS_SPLIT_MANIFEST}" > "$FLOWC_OUTPUTS/result"');
    // parallelism 2: never more than two tasks at once (counted at each start).
    for (const t of tasks) expect(tasks.filter((u) => u.start <= t.start && t.start < u.end).length).toBeLessThanOrEqual(2);
    const join = e.jobs.find((j) => j.step === 'join');
    expect(join?.start).toBeGreaterThanOrEqual(Math.max(...tasks.map((t) => t.end)));
    const results = join?.commands[join.commands.indexOf('--results') + 1] as string;
    expect(JSON.parse(results)).toEqual(Array.from({ length: n }, (_, i) => `${i}-ok`));
    expect(join?.env.MANIFEST).toBe('gs://models/m1');
    // The layout: <prefix>/<flow>/<run id>/<step>[/<task index>]/<output>.
    expect([...e.objects.keys()].sort()).toEqual(
      [
        `flowc-data/runs/demo/${EXEC_ID}/split/manifest`,
        `flowc-data/runs/demo/${EXEC_ID}/split/shards`,
        ...Array.from({ length: n }, (_, i) => `flowc-data/runs/demo/${EXEC_ID}/process/${i}/result`),
      ].sort(),
    );
  });

  it('hostile output values reach env, argv and run scripts as data, unchanged', async () => {
    const hostile = '${x} $(id) `id` "q" \'s\' \\ {{a}} ${{ b }}\nline2';
    const { yaml } = compile(shardsIR());
    const e = await execute(yaml, null, { writes: writes(shardList(1), { manifest: `${hostile}\n` }) });
    expect(e.error).toBeNull();
    expect(e.jobs.find((j) => j.step === 'process')?.env.FLOWC_STEPS_SPLIT_MANIFEST).toBe(hostile);
    expect(e.jobs.find((j) => j.step === 'join')?.env.MANIFEST).toBe(hostile);
  });

  it('an empty list runs no task, and join runs and sees []', async () => {
    const e = await run(shardsIR(), '[]');
    expect(e.error).toBeNull();
    expect(e.jobs.filter((j) => j.step === 'process')).toEqual([]);
    const join = e.jobs.find((j) => j.step === 'join');
    expect(JSON.parse(join?.commands[join.commands.indexOf('--results') + 1] as string)).toEqual([]);
  });

  it('a value that is not a JSON list fails the run before any task starts, naming the step', async () => {
    const e = await run(shardsIR(), '{"id": 1}');
    expect(message(e)).toBe("flowc: step 'process': its foreach value steps.split.outputs.shards is not a JSON list but a map");
    expect(e.jobs.map((j) => j.step)).toEqual(['split']);
  });

  it('a list longer than maxDynamicItems fails the run before any task starts', async () => {
    const e = await run(shardsIR({ ...OPTIONS, maxDynamicItems: 3 }), shardList(5));
    expect(message(e)).toBe("flowc: step 'process': its foreach value steps.split.outputs.shards has 5 items, over maxDynamicItems (3)");
    expect(e.jobs.map((j) => j.step)).toEqual(['split']);
  });

  it('an output the step never wrote fails the run naming the step and the output', async () => {
    const { yaml } = compile(shardsIR());
    const e = await execute(yaml, {}, { writes: writes(shardList(2), {}) });
    expect(message(e)).toBe(`flowc: step 'split': output 'manifest' was never written (no object gs://flowc-data/runs/demo/${EXEC_ID}/split/manifest)`);
    expect(e.jobs.map((j) => j.step)).toEqual(['split']);
  });

  it('a json output that is not valid JSON fails the run naming the step and the output', async () => {
    const e = await run(shardsIR(), '[{"id": 0},');
    expect(message(e)).toBe("flowc: step 'split': output 'shards' is not one valid JSON value");
  });

  it('a foreach task that wrote no output fails join naming the step and the task', async () => {
    const { yaml } = compile(shardsIR());
    const e = await execute(yaml, {}, { writes: (s, item) => (s === 'process' && item === '{"id":1}' ? {} : writes(shardList(3))(s, item)) });
    expect(message(e)).toBe(`flowc: step 'process' task 1: output 'result' was never written (no object gs://flowc-data/runs/demo/${EXEC_ID}/process/1/result)`);
    expect(e.jobs.some((j) => j.step === 'join')).toBe(false);
  });

  it('a static foreach producer: consumers see its values in item order; strings, numbers and objects as items', async () => {
    const ir = makeIR(
      [
        step('make', { foreach: { items: ['a', 2, { k: 'v' }], from: null, parallelism: null }, outputs: [out('v', 'json')] }),
        step('use', { needs: ['make'], exec: { kind: 'command', argv: [lit('use'), [ref('make', 'v')]] } }),
      ],
      { targets: { 'gcp-workflows': OPTIONS } },
    );
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    const e = await execute(yaml, {}, { writes: (s, item): Record<string, string> => (s === 'make' ? { v: JSON.stringify({ item }) } : {}) });
    expect(e.error).toBeNull();
    expect(JSON.parse(e.jobs.find((j) => j.step === 'use')?.commands[0] as string)).toEqual([{ item: 'a' }, { item: '2' }, { item: '{"k":"v"}' }]);
  });

  it('dynamic items render like static ones: a string as is, others as compact JSON', async () => {
    const ir = shardsIR();
    (ir.steps[1] as IRStep).exec = { kind: 'command', argv: [lit('p'), [{ kind: 'item', path: [] }], [{ kind: 'item', path: ['id'] }], [{ kind: 'item', path: ['missing'] }]] };
    const { yaml } = compile(ir);
    const e = await execute(yaml, {}, { writes: writes('["text", {"id": "x"}, {"id": [1, 2]}]') });
    expect(e.error).toBeNull();
    const argvs = e.jobs.filter((j) => j.step === 'process').map((j) => j.commands.slice(-3));
    expect(argvs.sort()).toEqual(
      [
        ['text', '', ''],
        ['{"id":"x"}', 'x', ''],
        ['{"id":[1,2]}', '[1,2]', ''],
      ].sort(),
    );
  });

  it('the step estimate equals the interpreter count when the list has maxDynamicItems shards', async () => {
    const ir = shardsIR({ ...OPTIONS, maxDynamicItems: 4 });
    const fitted = fitLimits(lowerGraph(ir).block, (id) => ir.steps.some((s) => s.id === id && s.foreach !== null));
    const built = buildWorkflow({ ir, options: readOptions(ir), block: fitted.block, diagnostics: new DiagnosticBag() });
    const estimate = estimateSteps(ir, fitted.block, built);
    const full = await run(ir, shardList(4));
    expect(full.error).toBeNull();
    expect(estimate.least).toBe(full.steps);
    const fewer = await run(ir, shardList(2));
    expect(fewer.steps).toBeLessThan(estimate.least);
  });

  it('the memory estimate counts the wrapper text that each running call with outputs holds', () => {
    const ir = shardsIR();
    const fitted = fitLimits(lowerGraph(ir).block, (id) => ir.steps.some((s) => s.id === id && s.foreach !== null));
    const built = buildWorkflow({ ir, options: readOptions(ir), block: fitted.block, diagnostics: new DiagnosticBag() });
    const wrapper = Buffer.byteLength(JSON.stringify(OUTPUT_WRAPPER));
    // process: 2 tasks at once, each its arguments (with the wrapper text), env and job body, three copies.
    const memory = estimateMemory(ir, fitted.block, built);
    expect(memory.concurrent).toBe(2);
    expect(memory.perCall).toBe(3 * ((built.calls.get('process')?.argBytes ?? 0) + built.sharedEnvBytes));
    expect(built.calls.get('process')?.argBytes).toBeGreaterThan(wrapper);
    expect(memory.bytes).toBeGreaterThan(built.mainBytes + 2 * 3 * wrapper);
  });

  it('a step without outputs keeps its job as before: no wrapper, no volume', () => {
    const { yaml } = compile(shardsIR());
    const def = yaml.slice(yaml.indexOf('run_join'));
    expect(def.slice(0, def.indexOf('\n  - ') > 0 ? def.indexOf('\n  - ') : undefined)).not.toContain('flowc_wrapper');
  });
});

describe('end to end: the jobs run for real in sh, wrapper included', () => {
  /** split writes n shards and a manifest; process writes `<id>-ok`, except for `skip`; join prints what it got. */
  function realIR(n: number, skip = -1): IR {
    return makeIR(
      [
        step('split', {
          exec: { kind: 'run', script: lit(`i=0; { printf '['; while [ $i -lt ${n} ]; do [ $i -gt 0 ] && printf ','; printf '{"id": %d}' $i; i=$((i+1)); done; printf ']'; } > "$FLOWC_OUTPUTS/shards"\necho 'gs://models/m1' > "$FLOWC_OUTPUTS/manifest"\n`) },
          outputs: [out('manifest', 'string'), out('shards', 'json')],
        }),
        step('process', {
          needs: ['split'],
          foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 2 },
          retry: { limit: 1, delaySeconds: 1, backoff: 1, maxDelaySeconds: null },
          exec: { kind: 'run', script: cat('[ "', { kind: 'item', path: ['id'] }, `" = "${skip}" ] || echo "`, { kind: 'item', path: ['id'] }, '-ok" > "$FLOWC_OUTPUTS/result"') },
          outputs: [out('result', 'string')],
        }),
        step('join', { needs: ['process'], exec: { kind: 'command', argv: [lit('echo'), [ref('process', 'result')], [ref('split', 'manifest')]] } }),
      ],
      { targets: { 'gcp-workflows': OPTIONS } },
    );
  }
  let roots: string[] = [];
  afterEach(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    roots = [];
  });
  const runReal = async (ir: IR): Promise<Execution> => {
    const root = mkdtempSync(join(tmpdir(), 'flowc-gcw-jobs-'));
    roots.push(root);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    return execute(yaml, null, { run: { root } });
  };

  it.each([2, 5])('%i shards made at run time: one task each, join sees every result in item order', async (n) => {
    const e = await runReal(realIR(n));
    expect(e.error).toBeNull();
    expect(e.jobs.filter((j) => j.step === 'process' && !j.failed)).toHaveLength(n);
    const join = e.jobs.find((j) => j.step === 'join');
    expect(JSON.parse(join?.commands[0] as string)).toEqual(Array.from({ length: n }, (_, i) => `${i}-ok`));
    expect(join?.commands[1]).toBe('gs://models/m1');
  });

  it('a task that writes no output fails its attempts (the wrapper), and the run fails at that step', async () => {
    const e = await runReal(realIR(3, 1));
    const failed = e.jobs.filter((j) => j.failed);
    expect(failed.map((j) => [j.step, j.item])).toEqual([
      ['process', '{"id":1}'],
      ['process', '{"id":1}'],
    ]);
    expect(message(e)).toMatch(/^job process-0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab-1-2 failed$/);
    expect(e.jobs.some((j) => j.step === 'join')).toBe(false);
  });
});

describe('the datastore option', () => {
  const validate = new Ajv({ strict: false }).compile(GCP_OPTIONS_SCHEMA);
  const url = (n: number): string => `gs://${'b'.repeat(63)}/${'p'.repeat(n - 69)}`;

  it('at its longest, with the longest flow name, step ids and output names, every expression fits 400 characters', async () => {
    expect(validate({ datastore: url(MAX_DATASTORE_CHARS) })).toBe(true);
    expect(validate({ datastore: url(MAX_DATASTORE_CHARS + 1) })).toBe(false);
    const [a, b, o] = ['s'.repeat(40), 't'.repeat(40), 'o'.repeat(40)];
    const ir = makeIR(
      [
        step(a, { foreach: { items: [1], from: null, parallelism: null }, outputs: [out(o, 'json')] }),
        step(b, { needs: [a], foreach: { items: [], from: { step: a, output: o }, parallelism: null }, outputs: [out(o, 'string')] }),
        step('c', { needs: [b], exec: { kind: 'command', argv: [[ref(b, o)]] } }),
      ],
      { targets: { 'gcp-workflows': { datastore: url(MAX_DATASTORE_CHARS) } } },
    );
    ir.flow.name = 'f'.repeat(52);
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await execute(yaml, null, { writes: (s): Record<string, string> => (s === a ? { [o]: '[[1]]' } : s === b ? { [o]: 'x' } : {}) });
    expect(e.error).toBeNull();
    expect(e.jobs.find((j) => j.step === 'c')?.commands).toEqual([]);
    expect(e.jobs.find((j) => j.step === 'c')?.entrypoint).toBe('["x"]');
  });

  it('accepts a bucket alone and a trailing slash; refuses other schemes and bad bucket names', () => {
    expect(['gs://my-bucket', 'gs://my-bucket/', 'gs://my-bucket/a/b'].map((d) => validate({ datastore: d }))).toEqual([true, true, true]);
    expect(['s3://my-bucket', 'gs://B', 'gs://my-bucket//x', 'my-bucket/x'].map((d) => validate({ datastore: d }))).toEqual([false, false, false, false]);
  });
});

describe('FLOWC677: outputs without a datastore', () => {
  it('is an error at the first output declared in the file, with an example', () => {
    const { diagnostics, artifacts } = compile(shardsIR({ project: 'my-project' }));
    // shards (line 5) comes before manifest (line 6) in the file, after it by name.
    expect(diagnostics.items.map((d) => [d.code, d.span])).toEqual([['FLOWC677', { file: 'flow.yaml', line: 5, col: 7 }]]);
    expect(diagnostics.items[0]?.message).toContain('datastore');
    expect(diagnostics.items[0]?.notes).toEqual(['for example, in the flow: targets: { gcp-workflows: { datastore: "gs://my-bucket/flowc" } }']);
    expect(artifacts).toEqual([]);
  });

  it('is reported with the flow\'s other errors in the same run', () => {
    const ir = shardsIR({ project: 'my-project' });
    (ir.steps[0] as IRStep).retry = { limit: 99, delaySeconds: 1, backoff: 1, maxDelaySeconds: null };
    const { diagnostics, artifacts } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC677', 'FLOWC645']);
    expect(artifacts).toEqual([]);
  });

  it('a flow without outputs needs none', () => {
    const { diagnostics } = compile(makeIR([step('a')], { targets: { 'gcp-workflows': { project: 'my-project' } } }));
    expect(diagnostics.items).toEqual([]);
  });
});
