import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeLiteral, paramExpression, renderArgoString, usesLbrace } from '../../../src/targets/argo/render-string.js';
import { kubeletExpand, substituteTags } from './argo-sim.js';

const env = new Map([['FLOWC_LBRACE', '{'], ['HOME', '/root'], ['FLOWC_STEP', 'train']]);
const kubelet = (s: string) => kubeletExpand(s, (n) => env.get(n));
const closed = { openStart: false, openEnd: false };
const open = { openStart: true, openEnd: true };

/** Characters that matter to Argo or the kubelet, plus ordinary and non-ASCII text. */
const hostileText = fc
  .array(fc.constantFrom('{', '}', '$', '(', ')', '{{', '}}', '$(', '$$', 'x', ' ', 'HOME', 'FLOWC_STEP', '=', 'ü', '✓', '\n', '"', "'", '\\', 'item', 'workflow.name'), { maxLength: 12 })
  .map((a) => a.join(''));

describe('encodeLiteral', () => {
  test.each([
    ['plain text', 'python train.py', 'python train.py'],
    ['shell variables stay readable', 'echo "$HOME" ${USER}', 'echo "$HOME" ${USER}'],
    ['command substitution is escaped', 'echo $(date)', 'echo $$(date)'],
    ['$$ becomes $$$$', 'echo $$', 'echo $$$'],
    ['{{ is split with FLOWC_LBRACE', '{{workflow.name}}', '$(FLOWC_LBRACE){workflow.name}}'],
    ['{{{ splits every pair', '{{{', '$(FLOWC_LBRACE)$(FLOWC_LBRACE){'],
    ['$ before an encoded brace is escaped', '${{ secrets.X }}', '$$$(FLOWC_LBRACE){ secrets.X }}'],
    ['$ before non-ASCII is escaped', 'cost $ü', 'cost $$ü'],
    ['a lone brace is kept', '{"a": 1}', '{"a": 1}'],
  ])('%s', (_, input, encoded) => {
    expect(encodeLiteral(input, closed)).toBe(encoded);
    expect(kubelet(encodeLiteral(input, closed))).toBe(input);
  });

  test('open edges encode a brace or dollar that a run-time value could complete', () => {
    expect(encodeLiteral('{x', open)).toBe('$(FLOWC_LBRACE)x');
    expect(encodeLiteral('x{', open)).toBe('x$(FLOWC_LBRACE)');
    expect(encodeLiteral('x$', open)).toBe('x$$');
    expect(encodeLiteral('x$', closed)).toBe('x$');
  });

  test('property: Argo sees no {{ and the kubelet gives the text back, on any edges', () => {
    fc.assert(
      fc.property(hostileText, fc.boolean(), fc.boolean(), (text, openStart, openEnd) => {
        const encoded = encodeLiteral(text, { openStart, openEnd });
        expect(encoded).not.toContain('{{');
        expect(kubelet(encoded)).toBe(text);
        expect(usesLbrace(encoded)).toBe(encoded.includes('$(FLOWC_LBRACE)'));
      }),
      { numRuns: 500 },
    );
  });

  test('property: literals next to a parameter and an item survive both engines, and so does any parameter value', () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, hostileText, (before, after, value, item) => {
        const rendered = renderArgoString(
          [
            { kind: 'lit', value: before },
            { kind: 'param', name: 'p' },
            { kind: 'lit', value: after },
            { kind: 'item', path: [] },
            { kind: 'lit', value: after },
          ].filter((p) => p.kind !== 'lit' || p.value !== '') as never,
          { flowName: 'f', stepId: 's', tags: { item: () => 'item' } },
        );
        // The parameter's variable, defined by its expression; the item arrives encoded (items.ts).
        const globals = new Map([['workflow.parameters.p', value]]);
        const definition = substituteTags(paramExpression('p'), globals);
        expect(definition).not.toContain('{');
        const vars = new Map([...env, ['FLOWC_PARAM_P', kubelet(definition)]]);
        const encodedItem = encodeLiteral(item, { openStart: false, openEnd: true });
        const afterArgo = substituteTags(rendered, new Map([...globals, ['item', encodedItem]]));
        expect(afterArgo).not.toContain('{{');
        expect(kubeletExpand(afterArgo, (n) => vars.get(n))).toBe(before + value + after + item + after);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderArgoString', () => {
  const render = (parts: Parameters<typeof renderArgoString>[0]) =>
    renderArgoString(parts, { flowName: 'my-flow', stepId: 'train_model', tags: { item: (p) => (p.length ? `item.${p.join('.')}` : 'item') } });

  test('parameters become kubelet references to their variable, other run-time references Argo tags, flow and step names literals', () => {
    expect(
      render([
        { kind: 'lit', value: '--alpha=' },
        { kind: 'param', name: 'alpha' },
        { kind: 'lit', value: ' run=' },
        { kind: 'run', field: 'id' },
        { kind: 'lit', value: ' ' },
        { kind: 'flow', field: 'name' },
        { kind: 'lit', value: '/' },
        { kind: 'step', field: 'name' },
        { kind: 'lit', value: ' ' },
        { kind: 'item', path: ['region'] },
      ]),
    ).toBe('--alpha=$(FLOWC_PARAM_ALPHA) run={{workflow.name}} my-flow/train_model {{item.region}}');
  });

  test('a literal brace next to a tag is encoded so no {{{ forms', () => {
    expect(render([{ kind: 'lit', value: '{' }, { kind: 'run', field: 'id' }, { kind: 'lit', value: '}' }])).toBe(
      '$(FLOWC_LBRACE){{workflow.name}}}',
    );
    expect(render([{ kind: 'lit', value: 'a$' }, { kind: 'param', name: 'x' }])).toBe('a$$$(FLOWC_PARAM_X)');
  });

  test("a parameter's variable is defined by an expression that encodes the value for the kubelet", () => {
    expect(paramExpression('date')).toBe('{{=sprig.replace("{", "$(FLOWC_LBRACE)", sprig.replace("$", "$$", workflow.parameters.date))}}');
    expect(paramExpression('a-b')).toBe('{{=sprig.replace("{", "$(FLOWC_LBRACE)", sprig.replace("$", "$$", workflow.parameters["a-b"]))}}');
  });

  test('an empty string renders empty', () => {
    expect(render([])).toBe('');
  });
});
