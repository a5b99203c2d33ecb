import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IRString } from '../../../src/ir/types.js';
import { escapeIntrinsicLiteral, intrinsicArg, renderString, type RenderContext } from '../../../src/targets/stepfunctions/render-string.js';
import { compile, findState, lit, makeIR, param, runMachine, specProblems, step, withoutBackslashes } from './helpers.js';
import { evaluatePayloadValue } from './intrinsics.js';

const ctx: RenderContext = {
  flowName: 'demo',
  stepId: 'train',
  paramTypes: new Map([
    ['p', 'string'],
    ['n', 'number'],
  ]),
  itemKey: (path) => `_${path.length}`,
};

/** Literal text that means something to Step Functions, JSONPath or a shell. */
const HOSTILE = ["it's", '{', '}', '{}', '\\', '\\\\', "\\'", '$.x', '$$.Execution.Name', "States.Format('{}', $.x)", 'a\nb', '', '"q"', 'ünïcødé ✓', '{{x}}', '${{ secrets.X }}'];

describe('renderString', () => {
  it('keeps all-literal text plain, whatever it contains', () => {
    for (const h of HOSTILE) expect(renderString(lit(h), ctx)).toEqual({ kind: 'plain', value: h });
    expect(renderString([{ kind: 'flow', field: 'name' }, { kind: 'lit', value: '/' }, { kind: 'step', field: 'name' }], ctx)).toEqual({ kind: 'plain', value: 'demo/train' });
  });

  it('renders a lone text reference as a bare path, anything else through States.Format', () => {
    expect(renderString([{ kind: 'param', name: 'p' }], ctx)).toEqual({ kind: 'dynamic', expr: '$.params.p' });
    expect(renderString([{ kind: 'run', field: 'id' }], ctx)).toEqual({ kind: 'dynamic', expr: '$$.Execution.Name' });
    expect(renderString([{ kind: 'item', path: [] }], ctx)).toEqual({ kind: 'dynamic', expr: '$.item._0' });
    // A number is not text: Format turns it into text.
    expect(renderString([{ kind: 'param', name: 'n' }], ctx)).toEqual({ kind: 'dynamic', expr: "States.Format('{}', $.params.n)" });
    expect(renderString([{ kind: 'lit', value: "it's {a} \\ " }, { kind: 'param', name: 'p' }], ctx)).toEqual({
      kind: 'dynamic',
      expr: "States.Format('it\\'s \\{a\\} \\\\ {}', $.params.p)",
    });
  });

  it('escapes exactly the four reserved characters', () => {
    expect(escapeIntrinsicLiteral("a'b{c}d\\e$.f")).toBe("a\\'b\\{c\\}d\\\\e$.f");
    expect(intrinsicArg({ kind: 'plain', value: '{}' })).toBe("'\\{\\}'");
  });

  it('round-trips any literal text through States.Format, per the ASL escaping rules', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom(...HOSTILE), fc.string({ unit: fc.constantFrom("'", '{', '}', '\\', '$', '.', 'x', '(', ')', ',', ' ') }));
    fc.assert(
      fc.property(text, text, fc.constantFrom('p', 'n'), fc.constantFrom('v', "it's {} \\", '$.x', 'a,b)'), (before, after, name, value) => {
        const s: IRString = [...lit(before), { kind: 'param', name }, ...lit(after)];
        const r = renderString(s, ctx);
        expect(r.kind).toBe('dynamic');
        const input = { params: { p: value, n: 2.5 } };
        const got = evaluatePayloadValue(r.kind === 'dynamic' ? r.expr : '', { input, context: {} });
        expect(got).toBe(`${before}${name === 'p' ? value : '2.5'}${after}`);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * aws-local-stepfunctions 3.0.0 takes a quote right after a backslash for an escaped quote even
 * when the backslash is itself escaped (the intrinsic literal `'a\\'` is the text `a\` by the AWS rules, see
 * evaluateIntrinsicFunction in its build), so a literal piece that ends with a backslash cannot run
 * there. Those pieces are checked with the spec evaluator only.
 */
const LOCAL_SAFE = HOSTILE.filter((h) => !h.endsWith('\\'));

function hostileIR(pieces: string[]) {
  const argv: IRString[] = pieces.map((h) => [{ kind: 'lit', value: h }, { kind: 'param', name: 'msg' }, { kind: 'lit', value: h }]);
  return makeIR(
    [
      step('a', {
        exec: { kind: 'command', argv: [lit('printf'), ...argv, ...pieces.map(lit)] },
        env: [
          { name: 'MIXED', value: [{ kind: 'lit', value: "{'$.x'}\\" }, { kind: 'run', field: 'id' }, { kind: 'lit', value: "States.Format('{}')" }] },
          { name: 'PLAIN', value: lit("States.Format('{}', $.x) $.y {}") },
          { name: 'WHOLE', value: [{ kind: 'param', name: 'msg' }] },
        ],
      }),
    ],
    { parameters: [param({ name: 'msg', default: "it's {x} \\ $.y States.Format('{}')" })] },
  );
}

describe('hostile literals in a compiled flow', () => {
  const ir = hostileIR(HOSTILE);
  const def = compile(ir).definition as Record<string, any>;

  it('reach the container exactly as written (spec evaluator)', () => {
    expect(specProblems(ir, def, { input: {}, runId: 'r-1', includeConfig: true })).toEqual([]);
    expect(specProblems(ir, def, { input: { msg: "'}{\\" }, runId: 'r-1', includeConfig: true })).toEqual([]);
  });

  it('reach the container in aws-local-stepfunctions too, but for its backslash handling', async () => {
    const local = hostileIR(LOCAL_SAFE);
    const run = await runMachine(compile(local).definition as Record<string, any>, {}, { runId: 'r-1' });
    expect(run.error).toBeUndefined();
    const got = run.records[0]?.input.ContainerOverrides;
    const msg = "it's {x} \\ $.y States.Format('{}')";
    const want = ['printf', ...LOCAL_SAFE.map((h) => `${h}${msg}${h}`), ...LOCAL_SAFE];
    // See withoutBackslashes in helpers.ts: the interpreter deletes backslashes from intrinsic results.
    expect(got.Command.map(withoutBackslashes)).toEqual(want.map(withoutBackslashes));
    const env = Object.fromEntries(got.Environment.map((e: { Name: string; Value: string }) => [e.Name, e.Value]));
    expect(withoutBackslashes(env.MIXED)).toBe(withoutBackslashes("{'$.x'}\\r-1States.Format('{}')"));
    expect(env.PLAIN).toBe("States.Format('{}', $.x) $.y {}");
    expect(env.WHOLE).toBe(msg);
  });

  it('never become keys: the only `.$` keys are flowc’s own', () => {
    const keys = new Set<string>();
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k.endsWith('.$')) keys.add(k);
          visit(x);
        }
      }
    };
    visit(def);
    expect([...keys].sort()).toEqual(['Command.$', 'Value.$', 'input.$', 'params.$']);
    expect(findState(def, 'flowc-defaults')?.Result).toEqual({ msg: "it's {x} \\ $.y States.Format('{}')" });
  });
});
