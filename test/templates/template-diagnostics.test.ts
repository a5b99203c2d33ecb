import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { IR } from '../../src/ir/types.js';
import { loadTemplateTarget } from '../../src/templates/load.js';
import { lit, makeIR, param, step } from '../helpers/ir-builders.js';

/**
 * Every way a template target fails, each with its code and the place it points at: the
 * template's file:line:col for the template's own mistakes, the flow's location for what the
 * flow asks and the template cannot say.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowc-tpl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = '---\nname: t\nsuffix: .t.txt\n---\n';

function load(text: string, taken: string[] = []) {
  const file = join(dir, 't.txt.hbs');
  writeFileSync(file, text);
  return { file, target: loadTemplateTarget(file, (n) => taken.includes(n)) };
}

function compile(text: string, ir: IR = makeIR([step('a')]), taken: string[] = []) {
  const { file, target } = load(text, taken);
  const diagnostics = new DiagnosticBag();
  const artifacts = target.compile(ir, { diagnostics });
  return { file, target, artifacts, items: diagnostics.items.map((d) => ({ code: d.code, line: d.span?.line, col: d.span?.col, file: d.span?.file, message: d.message })) };
}

describe('template loading', () => {
  it('FLOWC800: no front matter, at the top of the template', () => {
    const r = compile('{{flow.name}}\n');
    expect(r.items).toMatchObject([{ code: 'FLOWC800', line: 1, col: 1 }]);
    expect(r.artifacts).toEqual([]);
  });

  it('FLOWC800: each bad front matter field at its own line, all at once', () => {
    const r = compile('---\nname: Bad_Name\nsuffix: txt\ncolour: red\n---\nx\n');
    expect(r.items.map((d) => [d.code, d.line])).toEqual([
      ['FLOWC800', 4],
      ['FLOWC800', 2],
      ['FLOWC800', 3],
    ]);
    expect(r.items[0]?.message).toContain("unknown field 'colour'");
  });

  it('FLOWC800: YAML syntax errors in the front matter', () => {
    const r = compile('---\nname: [t\nsuffix: .t\n---\nx\n');
    expect(r.items[0]?.code).toBe('FLOWC800');
    expect(r.items[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('FLOWC800: a name another target already has, at the name', () => {
    const r = compile('---\nsuffix: .t.txt\nname: airflow\n---\nx\n', undefined, ['airflow']);
    expect(r.items).toMatchObject([{ code: 'FLOWC800', line: 3, col: 7 }]);
    expect(r.items[0]?.message).toContain("name 'airflow' is already a target");
  });

  it('FLOWC801: a syntax error, at its line and column in the file (front matter lines counted)', () => {
    const line = '  ok {{flow.name}} then {{ pyStr x = }} and more text after the error';
    const r = compile(`${HEAD}line 5\n${line}\n`);
    expect(r.items).toMatchObject([{ code: 'FLOWC801', line: 6, col: line.indexOf('}} and') + 1 }]);
    expect(r.items[0]?.message).toContain('Parse error');
  });

  it('FLOWC801: an unclosed mustache, inside it (where the parser ran out of text)', () => {
    const line = '  ok {{flow.name}} then {{ flow.name';
    const r = compile(`${HEAD}line 5\n${line}`);
    expect(r.items).toMatchObject([{ code: 'FLOWC801', line: 6 }]);
    expect(r.items[0]?.col).toBeGreaterThan(line.lastIndexOf('{{'));
  });

  it('FLOWC801: an unknown helper is a compile error (knownHelpersOnly), not an empty string', () => {
    const r = compile(`${HEAD}\n{{pyStrr flow.name}}\n`);
    expect(r.items).toMatchObject([{ code: 'FLOWC801', line: 6, col: 1 }]);
    expect(r.items[0]?.message).toContain('pyStrr');
  });

  it('FLOWC803: a template that cannot be read', () => {
    const target = loadTemplateTarget(join(dir, 'none.hbs'), () => false);
    const diagnostics = new DiagnosticBag();
    expect(target.compile(makeIR([step('a')]), { diagnostics })).toEqual([]);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC803']);
    expect(diagnostics.items[0]?.message).toContain('no such file');
  });
});

describe('template rendering', () => {
  it('FLOWC802: a field the context lacks, at the template line and column (strict mode)', () => {
    const r = compile(`${HEAD}{{#each steps}}\n   {{imagee}}\n{{/each}}\n`);
    expect(r.items).toMatchObject([{ code: 'FLOWC802', line: 6, col: 6 }]);
    expect(r.items[0]?.message).toContain('"imagee" not defined');
  });

  it('has no access to prototypes: constructor and __proto__ read as nothing, never as a function', () => {
    const r = compile(`${HEAD}[{{flow.constructor}}][{{flow.__proto__}}][{{lookup flow "constructor"}}]\n`);
    expect(r.items).toEqual([]);
    expect(r.artifacts[0]?.contents).toBe('[][][]\n');
  });

  it('FLOWC806: a run-time value the render mapping has no form for, at the template line', () => {
    const ir = makeIR([step('a', { exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'x' }, { kind: 'run', field: 'id' }]] } })]);
    const r = compile(`${HEAD}{{#eachStep}}\n{{render (lookup exec.argv 0) step=this}}{{/eachStep}}\n`, ir);
    expect(r.items).toMatchObject([{ code: 'FLOWC806', line: 6, col: 1 }]);
    expect(r.items[0]?.message).toContain('${run.id}');
  });

  it('FLOWC807: a helper called with the wrong arguments, at the call', () => {
    const r = compile(`${HEAD}\n  {{pyStr steps}}\n{{yaml flow.nothing}}\n`);
    expect(r.items).toMatchObject([
      { code: 'FLOWC807', line: 6, col: 3 },
      { code: 'FLOWC807', line: 7, col: 1 },
    ]);
  });

  it('FLOWC808: text the language cannot hold (NUL in a shell word), at the flow location given', () => {
    const ir = makeIR([step('a', { exec: { kind: 'command', argv: [lit('echo'), lit('a\0b')] } })]);
    const r = compile(`${HEAD}{{#eachStep as |s|}}{{#each s.exec.argv as |arg|}}{{#each arg as |p|}}{{shellQuote p.value at=s.origin}}{{/each}}{{/each}}{{/eachStep}}\n`, ir);
    expect(r.items).toMatchObject([{ code: 'FLOWC808', file: 'flow.yaml', line: 1, col: 1 }]);
  });

  it('FLOWC804 and FLOWC805: what the template reports, at the flow location given; a warning keeps the output', () => {
    const r = compile(`${HEAD}{{warn "careful with " flow.name at=steps.[0].origin}}ok\n`);
    expect(r.items).toMatchObject([{ code: 'FLOWC805', file: 'flow.yaml', line: 1, col: 1, message: 't: careful with demo' }]);
    expect(r.artifacts).toEqual([{ path: 'demo.t.txt', contents: 'ok\n', primary: true }]);
    const refused = compile(`${HEAD}{{refuse "no"}}\n`);
    expect(refused.items).toMatchObject([{ code: 'FLOWC804', line: 5, col: 1 }]);
    expect(refused.artifacts).toEqual([]);
  });

  it("FLOWC603: the front matter's limits on the flow name and step ids, at the step", () => {
    const text = `---\nname: t\nsuffix: .t\nlimits:\n  stepId: { title: ids, value: 5, unit: characters, doc: "https://example.com/ids" }\n  retryDelay: { title: waits, value: 60, unit: seconds, doc: "https://example.com/w" }\n---\nx\n`;
    const ir = makeIR([step('short'), step('too_long', { origin: { file: 'flow.yaml', line: 9, col: 3 } })]);
    const r = compile(text, ir);
    expect(r.items).toMatchObject([{ code: 'FLOWC603', line: 9, col: 3 }]);
    expect(r.items[0]?.message).toContain("step id 'too_long' is 8 characters, 3 over the limit of 5");
  });

  it('renders the IR as its context, with parameters made total for strict mode', () => {
    const ir = makeIR([step('a')], { parameters: [param({ name: 'x', type: 'integer', required: true })] });
    const r = compile(`${HEAD}{{#each parameters}}{{name}} {{hasDefault}} {{json default}} {{json enum}}{{/each}} {{options}}\n`, ir);
    expect(r.items).toEqual([]);
    expect(r.artifacts[0]?.contents).toBe('x false null null [object Object]\n');
  });

  it('has the helper set: toposort, eachStep, indent, json, yaml, py, env, script, hasItem, matches, join', () => {
    const ir = makeIR([
      step('b', { needs: ['a'], exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'item', path: [] }] }, foreach: { items: ['x'], from: null, parallelism: null } }),
      step('a'),
    ]);
    const body = [
      '{{#each (toposort)}}{{id}} {{/each}}',
      '{{#eachStep as |s i|}}{{i}}:{{s.id}}{{#if @last}}.{{/if}} {{/eachStep}}',
      '{{indent "a\nb" 2}}',
      '{{json config.values}} {{yaml config.values}} {{py (lookup steps.[0] "foreach")}}',
      '{{#each (env steps.[0])}}{{name}},{{/each}}',
      '{{script steps.[0]}} {{hasItem steps.[0].exec.script}} {{hasItem steps.[1].exec.argv}}',
      '{{matches "abc" "^a"}} {{join steps.[0].needs "+"}}',
    ].join('\n');
    const r = compile(`${HEAD}${body}\n`, ir);
    expect(r.items).toEqual([]);
    expect(r.artifacts[0]?.contents.split('\n')).toEqual([
      'a b ',
      '0:b 1:a. ',
      'a',
      '  b',
      '{"app":{"region":"eu"}} {"app": {"region": "eu"}} {"items": ["x"], "from": None, "parallelism": None}',
      'FLOWC_FLOW,FLOWC_STEP,FLOWC_RUN_ID,FLOWC_CONFIG_HASH,FLOWC_CONFIG,FLOWC_ITEM,',
      'echo ${FLOWC_ITEM} true false',
      'true a',
      '',
    ]);
  });
});
