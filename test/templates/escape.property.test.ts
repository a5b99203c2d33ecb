import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { IRString } from '../../src/ir/types.js';
import type { Json } from '../../src/source/tree.js';
import { jsonText, pyStr, pyValue, shellQuote, UnencodableText, yamlText } from '../../src/templates/escape.js';
import { renderString, type RenderMapping } from '../../src/templates/render-string.js';
import { runPython } from './python.js';

/**
 * The escapers of the template helpers, read back by the language they write for: python3 for
 * `pyStr` and `py`, sh for `shellQuote`, Python's json and PyYAML (a YAML 1.1 reader) as well as
 * the yaml package for `json` and `yaml`, and jinja2 for the Jinja text of the airflow template.
 * Each property runs a few batches of 60 strings, one process per batch.
 */

/** Strings biased towards what breaks quoting: quotes, backslashes, line breaks, NUL, lone surrogates, non-BMP, Jinja markup. */
const hostile = fc.constantFrom('"', "'", '\\', '\n', '\r', '\r\n', '\t', '\0', '\x7f', '\x85', '\u2028', '\u2029', '\ufeff', '\u202e', '\ud800', '\udfff', '😀', '{{', '{%', '{#', '}}', '{', '}', '$', '`', '.sh', '.json', ' ', 'é');
const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), hostile), { maxLength: 12 }).map((parts) => parts.join(''));
/** No lone surrogate (UTF-8, which a process's arguments and files are, cannot carry one). */
const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
const batch = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 60, maxLength: 60 });
// No shrinking: each step would start another process; the batch that failed is printed whole.
const RUNS = { numRuns: 3, endOnFailure: true };

describe('pyStr', () => {
  it('is a Python literal of exactly the string, for any string (python3 evaluates it)', () => {
    const program = 'import ast, json, sys\nlines = open(sys.argv[1], encoding="utf-8").read().split("\\n")\nprint(json.dumps([ast.literal_eval(l) for l in lines]))';
    fc.assert(
      fc.property(batch(text), (strings) => {
        expect(runPython(program, strings.map(pyStr).join('\n'))).toEqual(strings);
      }),
      RUNS,
    );
  });

  it('writes a one-line literal with only printable text raw', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(pyStr(s)).toMatch(/^"[^\n\r\u2028\u2029\0\x85]*"$/);
      }),
    );
  });
});

describe('py', () => {
  it('is a Python literal of any JSON value', () => {
    const program = 'import ast, json, sys\nlines = open(sys.argv[1], encoding="utf-8").read().split("\\n")\nprint(json.dumps([ast.literal_eval(l) for l in lines]))';
    const value = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as Json);
    fc.assert(
      fc.property(batch(value), (values) => {
        expect(runPython(program, values.map(pyValue).join('\n'))).toEqual(values);
      }),
      RUNS,
    );
  });
});

describe('shellQuote', () => {
  it('is one sh word of exactly the string, for any string without NUL (sh prints it back)', () => {
    const wellFormed = text.filter((s) => !s.includes('\0') && WELL_FORMED.test(s));
    fc.assert(
      fc.property(batch(wellFormed), (strings) => {
        const script = `for x in ${strings.map(shellQuote).join(' ')}; do printf '%s\\000' "$x"; done`;
        const out = execFileSync('sh', ['-c', script]);
        const words = out.toString('utf8').split('\0').slice(0, -1);
        expect(words).toEqual(strings);
      }),
      RUNS,
    );
  });

  it('refuses NUL, which no shell word can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(UnencodableText);
  });
});

describe('json and yaml', () => {
  const value = fc.jsonValue({ maxDepth: 3 }).chain((v) => fc.oneof(fc.constant(v), text)).map((v) => JSON.parse(JSON.stringify(v)) as Json);

  it('read back as the value with the yaml package (YAML 1.2) and JSON.parse', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(JSON.parse(jsonText(v))).toEqual(v);
        expect(parseYaml(yamlText(v))).toEqual(v);
      }),
    );
  });

  it("read back as the value with Python's json and PyYAML (a YAML 1.1 reader)", () => {
    const program = [
      'import json, sys, yaml',
      'cases = json.load(open(sys.argv[1], encoding="utf-8"))',
      'print(json.dumps([[json.loads(j), yaml.safe_load(y)] for j, y in cases]))',
    ].join('\n');
    fc.assert(
      fc.property(batch(value.filter((v) => WELL_FORMED.test(JSON.stringify(v)))), (values) => {
        const out = runPython(program, JSON.stringify(values.map((v) => [jsonText(v), yamlText(v)]))) as [Json, Json][];
        expect(out.map((r) => r[0])).toEqual(values);
        expect(out.map((r) => r[1])).toEqual(values);
      }),
      RUNS,
    );
  });
});

describe('render with the jinja mapping (the airflow template)', () => {
  const mapping: RenderMapping = { literal: 'jinja', param: '{{ params[{name}] }}', run: '{{ run_id }}' };
  const part = fc.oneof(
    { weight: 3, arbitrary: text.filter((s) => WELL_FORMED.test(s)).map((value) => ({ kind: 'lit', value }) as const) },
    { weight: 1, arbitrary: fc.constantFrom('p', 'q').map((name) => ({ kind: 'param', name }) as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'run', field: 'id' } as const) },
  );
  const params = { p: 'P{{v}}\n', q: "q'\\" };
  const expected = (s: IRString): string => s.map((x) => (x.kind === 'lit' ? x.value : x.kind === 'param' ? params[x.name as 'p'] : 'RUN')).join('');

  it('gives, once jinja2 renders it as Airflow does, the literal text and the run-time values', () => {
    // Airflow renders templated fields with a jinja2 environment whose newline handling is the
    // default (keep_trailing_newline off), and never renders a rendered value again.
    const program = [
      'import json, sys, jinja2',
      'env = jinja2.Environment()',
      'cases = json.load(open(sys.argv[1], encoding="utf-8"))',
      `print(json.dumps([env.from_string(t).render(params=${JSON.stringify(params)}, run_id="RUN") for t in cases]))`,
    ].join('\n');
    fc.assert(
      fc.property(batch(fc.array(part, { maxLength: 6 })), (strings) => {
        const rendered = strings.map((s) => renderString(s as IRString, mapping, { flowName: 'f', paramType: () => 'string' }));
        expect(runPython(program, JSON.stringify(rendered))).toEqual(strings.map((s) => expected(s as IRString)));
      }),
      RUNS,
    );
  });

  it("ends text that ends in one of Airflow's template extensions with an empty expression", () => {
    expect(renderString('deploy.sh', mapping, { flowName: 'f', paramType: () => 'string' })).toBe('deploy.sh{{ "" }}');
    expect(renderString('report.publish', mapping, { flowName: 'f', paramType: () => 'string' })).toBe('report.publish');
  });
});
