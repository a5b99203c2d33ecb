import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION, quote, renderJson, renderLiteral, renderText, type RenderScope } from '../../../src/targets/gcp-workflows/render-string.js';
import { evaluate, expressionBody, parse, type Value } from './interpreter/expr.js';

const scope: RenderScope = { parameters: [{ name: 'n', type: 'number', required: false, default: 1, origin: { file: 'f', line: 1, col: 1 } }], flowName: 'flow', stepId: 'st', items: ['a'] };

/** Evaluates a rendered value as Workflows would, joining segment lists like `flowc_text`. */
function evalRendered(v: string | string[], vars: Record<string, Value> = {}): string {
  const one = (s: string): string => {
    const body = expressionBody(s);
    if (body === null) return s;
    expect(s.length).toBeLessThanOrEqual(MAX_EXPRESSION);
    return evaluate(parse(body), { lookup: (n) => vars[n] as Value, env: {} }) as string;
  };
  return Array.isArray(v) ? v.map(one).join('') : one(v);
}

describe('render-string', () => {
  it('leaves text without ${ as a plain string', () => {
    expect(renderText([{ kind: 'lit', value: 'echo "hi" {{x}} $HOME' }], scope)).toBe('echo "hi" {{x}} $HOME');
    expect(renderText([], scope)).toBe('');
  });

  it('turns text holding ${ into one expression of string literals', () => {
    expect(renderText([{ kind: 'lit', value: 'a ${b} "c"\n' }], scope)).toBe('${"a ${b} \\"c\\"\\n"}');
    expect(renderLiteral('${x}')).toBe('${"${x}"}');
  });

  it('folds compile-time parts and renders run-time ones in Workflows syntax', () => {
    expect(
      renderText(
        [
          { kind: 'lit', value: 'x=' },
          { kind: 'param', name: 'n' },
          { kind: 'lit', value: ' ' },
          { kind: 'flow', field: 'name' },
          { kind: 'step', field: 'name' },
          { kind: 'item', path: [] },
          { kind: 'run', field: 'id' },
        ],
        scope,
      ),
    ).toBe('${"x=" + string(params["n"]) + " flowst" + item + flowc_run_id}');
  });

  it('quotes control characters, quotes and backslashes so the expression reads them back', () => {
    const text = 'q"\\\n\r\t\u0000\u001f\u007f✓🚀';
    expect(evaluate(parse(quote(text)), { lookup: () => null, env: {} })).toBe(text);
  });

  it('splits text past the expression limit into segments that join back to it', () => {
    const long = `\${A} ${'"\\'.repeat(300)} 🚀`.repeat(3);
    const r = renderText([{ kind: 'lit', value: long }, { kind: 'param', name: 'n' }], scope);
    expect(Array.isArray(r)).toBe(true);
    expect(evalRendered(r, { params: { n: 5 } })).toBe(`${long}5`);
  });

  it('round-trips any text, alone or around a parameter (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 900 }), fc.string({ maxLength: 40 }), (a, b) => {
        const text = `${a}\${${b}`;
        expect(evalRendered(renderText([{ kind: 'lit', value: a }], scope))).toBe(a);
        expect(evalRendered(renderText([{ kind: 'lit', value: text }, { kind: 'param', name: 'n' }, { kind: 'lit', value: a }], scope), { params: { n: 1 } })).toBe(
          `${text}1${a}`,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('renders compile-time JSON with ${ strings as expressions, other values as they are', () => {
    expect(renderJson({ a: ['${x}', 1, true, null], b: 'plain' })).toEqual({ a: ['${"${x}"}', 1, true, null], b: 'plain' });
  });
});
