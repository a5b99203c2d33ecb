import { describe, expect, test } from 'vitest';
import type { IROutput, IRPart, IRStep, IRString } from '../../../src/ir/types.js';
import { ARGO_LIMITS } from '../../../src/targets/argo/limits.js';
import { runWorkflow } from './argo-sim.js';
import { compileArgo, flow, lit, step, validateArgo } from './helpers.js';
import { shellExec } from './shell-exec.js';
import { outputVariables, runWithSampleOutputs, SAMPLE_SHARDS } from './outputs-oracle.js';

/**
 * Step outputs and dynamic foreach on Argo (src/targets/argo/outputs.ts): each flow compiles,
 * passes the schema and reference checks, and runs in the Argo model (argo-sim.ts `runWorkflow`)
 * with this machine's `sh` running the containers, so the wrapper flowc writes really runs.
 */

const at = { file: 'flow.yaml', line: 3, col: 5 };
const out = (name: string, type: IROutput['type']): IROutput => ({ name, type, origin: at });
const ref = (s: string, o: string): IRPart => ({ kind: 'output', step: s, output: o });
const item = (...path: (string | number)[]): IRPart => ({ kind: 'item', path });
const run = (...parts: (string | IRPart)[]): IRStep['exec'] => ({ kind: 'run', script: parts.map((p) => (typeof p === 'string' ? { kind: 'lit', value: p } : p)) as IRString });

/** split publishes `list` (json) and `manifest`; process fans out over it; join reads both. */
function shards(o: { list: string; parallelism: number | null; resultType?: IROutput['type']; result?: IRStep['exec'] }): IRStep[] {
  return [
    step('split', {
      exec: run(`cat > "$FLOWC_OUTPUTS/shards" <<'EOF'\n${o.list}\nEOF\nprintf 's3://b/m\\n\\n' > "$FLOWC_OUTPUTS/manifest"`),
      outputs: [out('manifest', 'string'), out('shards', 'json')],
    }),
    step('process', {
      needs: ['split'],
      foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: o.parallelism },
      exec: o.result ?? run('printf \'%s|%s|%s\' "', item(), '" "', item('id'), '" "', ref('split', 'manifest'), '" > "$FLOWC_OUTPUTS/result"'),
      outputs: [out('result', o.resultType ?? 'string')],
    }),
    step('join', {
      needs: ['process'],
      exec: { kind: 'command', argv: [lit('python'), lit('join.py'), [{ kind: 'lit', value: '--results=' }, ref('process', 'result')]] },
      env: [{ name: 'MANIFEST', value: [ref('split', 'manifest')] }],
    }),
  ];
}

function compiled(steps: IRStep[]): Record<string, any> {
  const { text, diagnostics } = compileArgo(flow(steps));
  expect(diagnostics.items).toEqual([]);
  return validateArgo(text as string)[0] as Record<string, any>;
}

function runIt(wt: Record<string, any>) {
  return runWorkflow(wt, { workflowName: 'demo-x7k2p', params: {}, exec: shellExec() });
}

const envOf = (c: { env: [string, string][] } | undefined, name: string) => c?.env.find(([n]) => n === name)?.[1];

const HOSTILE = [
  { id: 'a', note: 'plain' },
  { id: 'b{{workflow.name}}', note: '$(HOME) $$ {{ }}' },
  { id: 'c "quoted" \\ back', note: 'ünï' },
  { id: 7, note: null },
];

describe('argo: step outputs and dynamic foreach', () => {
  for (const parallelism of [null, 2]) {
    test(`withParam fans out over the list split writes at run time; join sees the results in item order (parallelism ${parallelism})`, () => {
      const wt = compiled(shards({ list: JSON.stringify(HOSTILE), parallelism }));
      const r = runIt(wt);
      expect(r.message).toBe('');
      expect(r.phase).toBe('Succeeded');
      const tasks = r.containers.get('process') ?? [];
      expect(tasks).toHaveLength(HOSTILE.length);
      // ${item} is a string element as is, others compact JSON; ${item.id} the same for the path.
      const expected = HOSTILE.map((h) => `${JSON.stringify(h)}|${h.id}|s3://b/m`);
      expect(tasks.map((c) => envOf(c, 'FLOWC_ITEM'))).toEqual(HOSTILE.map((h) => JSON.stringify(h)));
      const join = r.containers.get('join')?.[0];
      const results = (join?.argv[2] as string).slice('--results='.length);
      expect(JSON.parse(results)).toEqual(expected);
      // Trailing newlines removed, like $(cat f).
      expect(envOf(join, 'MANIFEST')).toBe('s3://b/m');
    });
  }

  test('item paths with hostile keys and nested indexes read like static items', () => {
    const list = [{ 'k}}{{"\\': 'v1', a: [{ b: 'deep' }] }, { a: [] }, 'plain', { a: [{ b: { c: 1 } }] }];
    const steps = shards({ list: JSON.stringify(list), parallelism: null, result: run('printf \'%s|%s\' "', item('k}}{{"\\'), '" "', item('a', 0, 'b'), '" > "$FLOWC_OUTPUTS/result"') });
    const r = runIt(compiled(steps));
    expect(r.message).toBe('');
    const results = JSON.parse((r.containers.get('join')?.[0]?.argv[2] as string).slice('--results='.length));
    expect(results).toEqual(['v1|deep', '|', '|', '|{"c":1}']);
  });

  test('string elements reach ${item} as they are', () => {
    const wt = compiled(shards({ list: '["x y", "{{workflow.name}}", "$(FLOWC_LBRACE)", "7"]', parallelism: null }));
    const r = runIt(wt);
    expect(r.phase).toBe('Succeeded');
    expect(r.containers.get('process')?.map((c) => envOf(c, 'FLOWC_ITEM'))).toEqual(['x y', '{{workflow.name}}', '$(FLOWC_LBRACE)', '7']);
  });

  test('a foreach json output is the list of parsed values, whatever their kind', () => {
    const values = ['1', '"s"', '{"a":[1,2]}', 'null', 'true'];
    const steps = shards({
      list: JSON.stringify(values),
      parallelism: null,
      resultType: 'json',
      result: run('printf \'%s\\n\' "', item(), '" > "$FLOWC_OUTPUTS/result"'),
    });
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Succeeded');
    const results = (r.containers.get('join')?.[0]?.argv[2] as string).slice('--results='.length);
    expect(JSON.parse(results)).toEqual(values.map((v) => JSON.parse(v)));
  });

  test('a foreach string output stays a list of strings even when every value looks like JSON', () => {
    const values = ['{"a":1}', '[2]'];
    const steps = shards({ list: JSON.stringify(values), parallelism: 3, result: run('printf \'%s\' "', item(), '" > "$FLOWC_OUTPUTS/result"') });
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Succeeded');
    expect(JSON.parse((r.containers.get('join')?.[0]?.argv[2] as string).slice('--results='.length))).toEqual(values);
  });

  for (const parallelism of [null, 2]) {
    test(`an empty list runs no task, and join still runs and sees [] (parallelism ${parallelism})`, () => {
      const r = runIt(compiled(shards({ list: '[]', parallelism })));
      expect(r.phase).toBe('Succeeded');
      expect(r.containers.get('process')).toBeUndefined();
      expect(r.containers.get('join')?.[0]?.argv[2]).toBe('--results=[]');
    });
  }

  test('a value that is not a JSON list fails the run before any task of the step starts', () => {
    const r = runIt(compiled(shards({ list: '{"id": 1}', parallelism: null })));
    expect(r.phase).toBe('Failed');
    expect(r.containers.get('process')).toBeUndefined();
    expect(r.containers.get('join')).toBeUndefined();
  });

  test('a declared output whose file is missing fails the step, naming step and output', () => {
    const steps = shards({ list: '["a"]', parallelism: null, result: run('true') });
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Failed');
    expect(r.message).toContain("flowc: step 'process' exited 0 without writing its output 'result'");
    expect(r.containers.get('join')).toBeUndefined();
  });

  test("the step's own exit code wins over the outputs check", () => {
    const steps = shards({ list: '["a"]', parallelism: null, result: run('exit 3') });
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Failed');
    expect(r.message).toMatch(/^process\(0\) exited 3/);
  });

  test('an output over the size limit fails the step with its size and the limit', () => {
    const limit = ARGO_LIMITS.outputValueBytes;
    const steps = shards({ list: '["a"]', parallelism: null, result: run(`head -c ${limit + 1} /dev/zero | tr '\\0' x > "$FLOWC_OUTPUTS/result"`) });
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Failed');
    expect(r.message).toContain(`output 'result' is ${limit + 1} bytes, over the limit of ${limit} bytes`);
    const atLimit = shards({ list: '["a"]', parallelism: null, result: run(`head -c ${limit} /dev/zero | tr '\\0' x > "$FLOWC_OUTPUTS/result"`) });
    expect(runIt(compiled(atLimit)).phase).toBe('Succeeded');
  });

  test('a plain output keeps inner newlines, spaces and shell text; only trailing newlines go', () => {
    const text = '  a $(x) `y` {{z}}\n\nb  ';
    const steps: IRStep[] = [
      step('make', { exec: run(`printf '%s\\n\\n' '${text.replace(/'/g, "'\\''")}' > "$FLOWC_OUTPUTS/v"`), outputs: [out('v', 'string')] }),
      step('use', { needs: ['make'], exec: run('printf %s "', ref('make', 'v'), '" > /dev/null'), env: [{ name: 'V', value: [lit('<'), ref('make', 'v'), lit('>')].flat() }] }),
    ];
    const r = runIt(compiled(steps));
    expect(r.phase).toBe('Succeeded');
    const use = r.containers.get('use')?.[0];
    expect(envOf(use, 'FLOWC_STEPS_MAKE_V')).toBe(text);
    expect(envOf(use, 'V')).toBe(`<${text}>`);
    // The script reads the value through its variable, never pasted into the script's text.
    expect(use?.argv[2]).toBe('printf %s "${FLOWC_STEPS_MAKE_V}" > /dev/null');
  });

  test('a command-form producer runs under the wrapper too', () => {
    const steps: IRStep[] = [
      step('make', { image: 'busybox', exec: { kind: 'command', argv: [lit('sh'), lit('-c'), lit('echo 42 > "$FLOWC_OUTPUTS/n"')] }, outputs: [out('n', 'json')] }),
      step('use', { needs: ['make'], exec: { kind: 'command', argv: [lit('echo'), [ref('make', 'n')]] } }),
    ];
    const wt = compiled(steps);
    const make = (wt.spec.templates as any[]).find((t) => t.name === 'make');
    expect(make.container.command).toEqual(['sh', '-c']);
    expect(make.container.args.slice(1)).toEqual(['flowc-outputs', 'sh', '-c', 'echo 42 > "$FLOWC_OUTPUTS/n"']);
    expect(make.outputs).toEqual({ parameters: [{ name: 'n', valueFrom: { path: '/flowc/values/n' } }] });
    const r = runIt(wt);
    expect(r.phase).toBe('Succeeded');
    expect(r.containers.get('use')?.[0]?.argv).toEqual(['echo', '42']);
  });
});

describe('argo: static foreach with outputs', () => {
  test('a static foreach producer publishes its list in item order; a static foreach consumer with parallelism gets it through its wrapper', () => {
    const steps: IRStep[] = [
      step('make', {
        foreach: { items: ['b', 'a', { k: 1 }], from: null, parallelism: 2 },
        exec: run('printf \'%s!\\n\' "', item(), '" > "$FLOWC_OUTPUTS/v"'),
        outputs: [out('v', 'string')],
      }),
      step('use', {
        needs: ['make'],
        foreach: { items: ['x', 'y'], from: null, parallelism: 1 },
        exec: { kind: 'command', argv: [lit('echo'), [item()], [ref('make', 'v')]] },
      }),
    ];
    const r = runIt(compiled(steps));
    expect(r.message).toBe('');
    const uses = r.containers.get('use') ?? [];
    expect(uses.map((c) => c.argv[1])).toEqual(['x', 'y']);
    for (const c of uses) expect(JSON.parse(c.argv[2] as string)).toEqual(['b!', 'a!', '{"k":1}!']);
  });
});

describe('argo: a dynamic foreach over a foreach step\'s output', () => {
  test('iterates over the list of its tasks\' values, in item order', () => {
    const steps: IRStep[] = [
      step('make', { foreach: { items: [2, 1], from: null, parallelism: null }, exec: run('printf \'[%s, "x"]\' "', item(), '" > "$FLOWC_OUTPUTS/pair"'), outputs: [out('pair', 'json')] }),
      step('each', { needs: ['make'], foreach: { items: [], from: { step: 'make', output: 'pair' }, parallelism: null }, exec: { kind: 'command', argv: [lit('echo'), [item()], [item(0)]] } }),
    ];
    const r = runIt(compiled(steps));
    expect(r.message).toBe('');
    expect(r.containers.get('each')?.map((c) => c.argv.slice(1))).toEqual([
      ['[2,"x"]', '2'],
      ['[1,"x"]', '1'],
    ]);
  });
});

describe('argo: layouts step outputs cannot use', () => {
  test('FLOWC670: more steps than one DAG holds', () => {
    const n = ARGO_LIMITS.dagTasks + 1;
    const steps = [step('s0', { outputs: [out('v', 'string')], exec: run('echo > "$FLOWC_OUTPUTS/v"') })];
    for (let i = 1; i < n; i++) steps.push(step(`s${i}`, { needs: ['s0'], exec: { kind: 'command', argv: [lit('echo'), [ref('s0', 'v')]] } }));
    const { text, diagnostics } = compileArgo(flow(steps));
    expect(text).toBeNull();
    const d = diagnostics.items.find((x) => x.code === 'FLOWC670');
    expect(d?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(d?.message).toContain(`${n} steps`);
  });

  test("FLOWC615: a dynamic foreach's own strings are still checked against MAX_ARG_STRLEN", () => {
    const steps = shards({ list: '["a"]', parallelism: null, result: run(`echo ${'x'.repeat(ARGO_LIMITS.argStringBytes)} > "$FLOWC_OUTPUTS/result"`) });
    const { text, diagnostics } = compileArgo(flow(steps));
    expect(text).toBeNull();
    // FLOWC616 too: the wrapper's own text needs the kubelet's `$$` decoding, which offloaded args lose.
    expect(diagnostics.items.map((d) => [d.code, d.span])).toEqual([
      ['FLOWC615', { file: 'flow.yaml', line: 10, col: 1 }],
      ['FLOWC616', { file: 'flow.yaml', line: 10, col: 1 }],
    ]);
  });

  test('FLOWC671: more templates than a workflow holds', () => {
    // Few enough steps for one DAG, but each foreach with parallelism adds a wrapper template.
    const n = ARGO_LIMITS.templates / 2 + 1;
    const steps = [step('s0', { outputs: [out('v', 'string')], exec: run('echo > "$FLOWC_OUTPUTS/v"') })];
    for (let i = 1; i < n; i++) steps.push(step(`s${i}`, { needs: ['s0'], foreach: { items: ['a'], from: null, parallelism: 1 }, exec: { kind: 'command', argv: [lit('echo'), [ref('s0', 'v')]] } }));
    const { text, diagnostics } = compileArgo(flow(steps));
    expect(text).toBeNull();
    expect(diagnostics.items.map((x) => x.code)).toEqual(['FLOWC671']);
    expect(diagnostics.items[0]?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
  });
});

describe('argo: the design example (split -> dynamic process -> join) with sample outputs', () => {
  test('every consumer gets each output as flowc defines it, and process runs once per shard', () => {
    const steps: IRStep[] = [
      step('split', { exec: run('python split.py > "$FLOWC_OUTPUTS/shards"'), outputs: [out('manifest', 'string'), out('shards', 'json')] }),
      step('process', {
        needs: ['split'],
        foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 4 },
        exec: run('echo "shard ', item('id'), ' of ', ref('split', 'manifest'), '" && echo "', item('id'), '-ok" > "$FLOWC_OUTPUTS/result"'),
        outputs: [out('result', 'string')],
      }),
      step('join', {
        needs: ['process'],
        exec: { kind: 'command', argv: [lit('python'), lit('join.py'), lit('--results'), [ref('process', 'result')]] },
        env: [{ name: 'MANIFEST', value: [ref('split', 'manifest')] }],
      }),
    ];
    const ir = flow(steps);
    const wt = compiled(steps);
    const { run: r, expectedText } = runWithSampleOutputs(ir, wt);
    expect(r.message).toBe('');
    expect(r.containers.get('process')).toHaveLength(SAMPLE_SHARDS.length);
    expect(r.containers.get('process')?.map((c) => envOf(c, 'FLOWC_ITEM_ID'))).toEqual(SAMPLE_SHARDS.map((s) => s.id));
    const { got, want } = outputVariables(ir, r, expectedText);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
    expect(r.containers.get('join')?.[0]?.argv.slice(0, 3)).toEqual(['python', 'join.py', '--results']);
    expect(JSON.parse(r.containers.get('join')?.[0]?.argv[3] as string)).toEqual(JSON.parse(expectedText('process', 'result')));
  });
});
