import { describe, expect, test } from 'vitest';
import type { IRString } from '../../../src/ir/types.js';
import { canonicalJson } from '../../../src/source/canonical-json.js';
import { compileArgo, flow, lit, step, validateArgo } from './helpers.js';
import { MAX_ARG_STRLEN, expectedContainers, sampleParams, simulate } from './argo-sim.js';

const origin = { file: 'flow.yaml', line: 3, col: 3 };
const run = (script: string) => ({ exec: { kind: 'run' as const, script: lit(script) } });
const codes = (ir: ReturnType<typeof flow>) => compileArgo(ir).diagnostics.items.map((d) => d.code);

/** A config whose FLOWC_CONFIG=<json> string, with its NUL, is exactly `bytes` long. */
function configOf(bytes: number) {
  const overhead = 'FLOWC_CONFIG='.length + canonicalJson({ app: { blob: '' } }).length + 1;
  return { hash: 'h'.repeat(64), values: { app: { blob: 'x'.repeat(bytes - overhead) } } };
}

describe("argo: Linux's per-string limit (MAX_ARG_STRLEN, 131072 bytes)", () => {
  test('FLOWC_CONFIG at exactly the limit is kept; one byte more and it is left out with FLOWC606 naming the limit', () => {
    const at = compileArgo(flow([step('a')], { config: configOf(MAX_ARG_STRLEN) }));
    expect(at.diagnostics.items).toEqual([]);
    const [wtAt] = validateArgo(at.text as string);
    expect((wtAt as any).spec.templates[1].container.env.map((e: any) => e.name)).toContain('FLOWC_CONFIG');

    const over = compileArgo(flow([step('a')], { config: configOf(MAX_ARG_STRLEN + 1) }));
    expect(over.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC606']);
    expect(over.diagnostics.items[0]?.message).toContain(`the string FLOWC_CONFIG=<config> is ${MAX_ARG_STRLEN + 1} bytes, 1 over the limit of 131072 bytes on one argument or NAME=value environment string (Linux's MAX_ARG_STRLEN)`);
    const [wt] = validateArgo(over.text as string);
    const names = (wt as any).spec.templates[1].container.env.map((e: any) => e.name);
    expect(names).toContain('FLOWC_CONFIG_HASH');
    expect(names).not.toContain('FLOWC_CONFIG');
  });

  test('a run script at the limit compiles and starts; one byte more is FLOWC615 at the step, naming field, size and limit', () => {
    const ir = flow([step('a', run(`#${'x'.repeat(MAX_ARG_STRLEN - 2)}`))], { config: { hash: 'h', values: {} } });
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items).toEqual([]);
    const [wt] = validateArgo(text as string);
    const o = { workflowName: 'demo-1', params: sampleParams(ir) };
    expect(simulate(wt as any, o)).toEqual(expectedContainers(ir, o));

    const tooLong = compileArgo(flow([step('big', { ...run(`#${'x'.repeat(MAX_ARG_STRLEN - 1)}`), origin })]));
    expect(tooLong.text).toBeNull();
    expect(tooLong.diagnostics.items.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([['FLOWC615', 3, 3]]);
    expect(tooLong.diagnostics.items[0]?.message).toBe(
      "steps.big: the run script is 131073 bytes when the process starts, over Linux's limit of 131072 bytes for one argument or environment string (MAX_ARG_STRLEN, counting NAME= and the terminating NUL); the container could not start. Pass the data through a file or an artifact instead",
    );
  });

  test('FLOWC615 for an env value (NAME= counts) and for the largest foreach item; all at once', () => {
    const name = 'BIG';
    const value = 'v'.repeat(MAX_ARG_STRLEN - name.length - 1); // BIG=... + NUL is one over
    const item = 'i'.repeat(MAX_ARG_STRLEN);
    const ir = flow([
      step('env_step', { env: [{ name, value: lit(value) }], origin }),
      step('each', {
        exec: { kind: 'command', argv: [lit('echo'), [{ kind: 'item', path: [] }]] },
        foreach: { items: ['small', item], from: null, parallelism: null },
        origin: { ...origin, line: 7 },
      }),
    ]);
    const { text, diagnostics } = compileArgo(ir);
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => [d.code, d.span?.line])).toEqual([
      ['FLOWC615', 3],
      ['FLOWC615', 7],
      ['FLOWC615', 7],
    ]);
    expect(diagnostics.items[0]?.message).toContain('steps.env_step: the env BIG is 131073 bytes');
    // The item reaches the argument and FLOWC_ITEM.
    expect(diagnostics.items[1]?.message).toContain('steps.each: the command[1] is 131073 bytes');
    expect(diagnostics.items[2]?.message).toContain('steps.each: the env FLOWC_ITEM is 131084 bytes');
  });
});

describe('argo: args that Argo 4.1+ moves into a ConfigMap are never left to kubelet expansion', () => {
  // Each line is 15 bytes in the process and 19 in the args' JSON ('$(' is written '$$(', quotes
  // and the newline are escaped): 8,000 lines fit one argument but not Argo's args limit.
  const withSubstitution = 'echo "$(date)"\n'.repeat(8000);

  test('FLOWC616 when the args JSON is over 131072 bytes and relies on the kubelet', () => {
    const { text, diagnostics } = compileArgo(flow([step('s', { ...run(withSubstitution), origin })]));
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([['FLOWC616', 3, 3]]);
    expect(diagnostics.items[0]?.message).toContain('steps.s: the container\'s args are 152004 bytes as JSON; Argo 4.1 and later move args over 131072 bytes into a ConfigMap');
  });

  test('a parameter reference in large exec-form args is refused too', () => {
    const argv: IRString[] = [lit('tool'), lit('y'.repeat(131_060)), [{ kind: 'param', name: 'p' }]];
    const ir = flow([step('t', { exec: { kind: 'command', argv }, origin })], { parameters: [{ name: 'p', type: 'string', required: true, origin }] });
    expect(codes(ir)).toEqual(['FLOWC616']);
  });

  test('large args without kubelet syntax are allowed: offloaded or not, the process gets the same text', () => {
    const plain = 'echo "x"\n'.repeat(12000);
    const ir = flow([step('p', run(plain))]);
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items).toEqual([]);
    const [wt] = validateArgo(text as string);
    expect(JSON.stringify((wt as any).spec.templates[1].container.args).length).toBeGreaterThan(131_072);
    const o = { workflowName: 'demo-2', params: {} };
    expect(simulate(wt as any, o)).toEqual(expectedContainers(ir, o));
  });
});
