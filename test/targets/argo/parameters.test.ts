import { afterAll, describe, expect, test } from 'vitest';
import type { IRString } from '../../../src/ir/types.js';
import { HOSTILE_SHELL_VALUES, cleanShellSandboxes, runInSandbox } from '../../helpers/shell-sandbox.js';
import { compileArgo, flow, lit, step, validateArgo } from './helpers.js';
import { expectedContainers, simulate } from './argo-sim.js';

afterAll(cleanShellSandboxes);

const origin = { file: 'flow.yaml', line: 3, col: 3 };

/**
 * Values a user may pass with `argo submit -p x=...` that Argo or the kubelet would rewrite if
 * they were pasted into container text: kubelet references and escapes, Argo tags and
 * expressions (which later passes rescan), lone `$`/`{` at the edges, `$` before non-ASCII, plus
 * the shell-hostile values.
 */
const HOSTILE_P = [
  'pa$$word',
  '$(FLOWC_CONFIG_HASH)',
  '$(FLOWC_LBRACE)',
  '$(FLOWC_PARAM_X)',
  '{{workflow.name}}',
  '{{=1+1}}',
  '{{inputs.parameters.item}}',
  '{{pod.name}}',
  '$',
  '{',
  '$$',
  '${{ x }}',
  'ü$é$ü',
  'line\n$(x)\n',
  '',
  ...HOSTILE_SHELL_VALUES,
];

const param = (name: string): IRString => [{ kind: 'param', name }];

function hostileFlow() {
  return flow(
    [
      step('script', { exec: { kind: 'run', script: [{ kind: 'lit', value: "printf '%s' \"" }, ...param('x'), { kind: 'lit', value: '"' }] } }),
      step('exec', { exec: { kind: 'command', argv: [lit('printf'), lit('%s'), param('x')] } }),
      step('mixed', { exec: { kind: 'command', argv: [lit('printf'), lit('%s'), [{ kind: 'lit', value: 'a$' }, ...param('x'), { kind: 'lit', value: '{b' }]] } }),
      step('env', {
        exec: { kind: 'command', argv: [lit('sh'), lit('-c'), lit('printf %s "$V"')] },
        env: [{ name: 'V', value: [{ kind: 'lit', value: '<$' }, ...param('x'), { kind: 'lit', value: '>' }] }],
      }),
    ],
    { parameters: [{ name: 'x', type: 'string', required: true, origin }] },
  );
}

describe('argo: parameter values arrive byte-exact', () => {
  test('control: pasted as {{workflow.parameters.x}} into args, the kubelet rewrites a value', () => {
    const wt = {
      spec: {
        entrypoint: 'main',
        arguments: { parameters: [{ name: 'x' }] },
        templates: [
          { name: 'main', dag: { tasks: [{ name: 'a', template: 'a' }] } },
          { name: 'a', container: { command: ['printf'], args: ['%s', '{{workflow.parameters.x}}'], env: [{ name: 'FLOWC_CONFIG_HASH', value: 'abc' }] } },
        ],
      },
    };
    const argvOf = (x: string) => simulate(wt, { workflowName: 'w', params: { x } }).get('a')?.[0]?.argv;
    expect(argvOf('pa$$word')).toEqual(['printf', '%s', 'pa$word']);
    expect(argvOf('$(FLOWC_CONFIG_HASH)')).toEqual(['printf', '%s', 'abc']);
  });

  test('hostile -p values reach run scripts, exec-form arguments and env values unchanged (Argo + kubelet model, then real processes)', () => {
    const ir = hostileFlow();
    const [wt] = validateArgo(compileArgo(ir).text as string);
    for (const value of HOSTILE_P) {
      const run = { workflowName: 'demo-p1', params: { x: value } };
      const containers = simulate(wt as any, run);
      expect(containers, JSON.stringify(value)).toEqual(expectedContainers(ir, run));
      const want: Record<string, string> = { script: value, exec: value, mixed: `a$${value}{b`, env: `<$${value}>` };
      for (const [task, expected] of Object.entries(want)) {
        const c = containers.get(task)?.[0] as { argv: string[]; env: [string, string][] };
        const out = runInSandbox(c.argv, Object.fromEntries(c.env));
        expect(out.stdout, `${task} ${JSON.stringify(value)}`).toBe(expected);
        expect(out.files).toEqual([]);
        expect(out.status).toBe(0);
      }
    }
  });

  test('the same holds with shared templates (a flow over the template cap), where argv strings are task inputs', () => {
    const steps = Array.from({ length: 210 }, (_, i) =>
      step(`s${i}`, { exec: { kind: 'command', argv: [lit('printf'), lit(`%s|${i}`), [{ kind: 'lit', value: '$' }, ...param('x'), { kind: 'lit', value: '{' }]] } }),
    );
    const ir = flow(steps, { parameters: [{ name: 'x', type: 'string', required: true, origin }] });
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items).toEqual([]);
    const [wt] = validateArgo(text as string);
    expect((wt as any).spec.templates.filter((t: any) => t.container).length).toBeLessThan(5);
    for (const value of HOSTILE_P) {
      const o = { workflowName: 'demo-p3', params: { x: value } };
      const containers = simulate(wt as any, o);
      expect(containers, JSON.stringify(value)).toEqual(expectedContainers(ir, o));
      expect(containers.get('s7')?.[0]?.argv).toEqual(['printf', '%s|7', `$${value}{`]);
    }
  });

  test('defaults travel the same way: written as the flow gives them, encoded at run time', () => {
    const hostileDefault = 'pa$$word {{workflow.name}} $(FLOWC_LBRACE)';
    const ir = flow([step('exec', { exec: { kind: 'command', argv: [lit('printf'), lit('%s'), param('x')] } })], {
      parameters: [{ name: 'x', type: 'string', required: false, default: hostileDefault, enum: [hostileDefault, 'b'], origin }],
    });
    const [wt] = validateArgo(compileArgo(ir).text as string);
    expect((wt as any).spec.arguments.parameters).toEqual([{ name: 'x', value: hostileDefault, enum: [hostileDefault, 'b'] }]);
    const c = simulate(wt as any, { workflowName: 'demo-p2', params: {} }).get('exec')?.[0];
    expect(c?.argv).toEqual(['printf', '%s', hostileDefault]);
  });
});
