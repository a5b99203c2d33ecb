import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { SourceText } from '../../src/source/files.js';
import { parseTomlTree } from '../../src/source/toml.js';
import { MAX_TOML_SYNTAX_ERRORS } from '../../src/source/toml-syntax.js';
import { parseYamlTree } from '../../src/source/yaml.js';

/** `CODE line:col-endLine:endCol message` plus notes: the place, the words and the hint. */
function shown(bag: DiagnosticBag): string[] {
  return bag.items.map((d) => {
    const s = d.span;
    const at = s ? `${s.line}:${s.col}-${s.endLine}:${s.endCol}` : '-';
    return [`${d.code} ${at} ${d.message}`, ...(d.notes ?? []).map((n) => `  note: ${n}`)].join('\n');
  });
}

function yaml(text: string): string[] {
  const bag = new DiagnosticBag();
  expect(parseYamlTree(new SourceText('/x/f.yaml', text), bag)).toBeUndefined();
  return shown(bag);
}

function toml(text: string): string[] {
  const bag = new DiagnosticBag();
  expect(parseTomlTree(new SourceText('/x/c.toml', text), bag)).toBeUndefined();
  return shown(bag);
}

describe('YAML syntax errors at the real cause', () => {
  it('a tab in indentation is one error at the tab, with a hint; the echoes on its block are dropped', () => {
    const text = ['steps:', '  a:', '\t\timage: alpine', '    run: echo hi', '  b:', '  \tcommand: [a]', ''].join('\n');
    expect(yaml(text)).toEqual([
      'FLOWC101 3:1-3:3 this line is indented with a tab; YAML indents with spaces only\n  note: replace the tab with spaces (most editors can convert indentation to spaces)',
      'FLOWC101 6:3-6:4 this line is indented with a tab; YAML indents with spaces only\n  note: replace the tab with spaces (most editors can convert indentation to spaces)',
    ]);
  });

  it("': ' inside a plain value points at that colon and suggests quoting or a block scalar", () => {
    expect(yaml('steps:\n  a:\n    run: echo key: value   # why\n')).toEqual([
      "FLOWC101 3:18-3:20 this value holds ': ', which YAML reads as the start of a nested map; quote the value or use a block scalar\n" +
        '  note: write run: "echo key: value"\n' +
        '  note: or run: | and the text on the next line, indented',
    ]);
    expect(yaml('description: say "hi": now\n')[0]).toContain('note: write description: "say \\"hi\\": now"');
  });

  it('other syntax errors keep the parser\'s words', () => {
    expect(yaml('a: "x" y\n')).toEqual(['FLOWC101 1:8-1:9 Unexpected scalar at node end']);
  });
});

describe('TOML syntax errors at the real cause, all of them', () => {
  it('a bare word where a value goes says it needs quotes, on the whole word', () => {
    expect(toml('memory = 32Gi\n')).toEqual(['FLOWC104 1:10-1:14 32Gi is not a TOML value: a string needs quotes\n  note: write memory = "32Gi"']);
    expect(toml('regions = [us, "eu"]\n')).toEqual(['FLOWC104 1:12-1:14 us is not a TOML value: a string needs quotes\n  note: write "us"']);
  });

  it('reports every error of the file in one run, each at its own line', () => {
    const text = ['a = 1', 'memory = 32Gi', 'cpu = 4', 'b =', 'c = "ok"', 'x = 1 2', '[x', 'y = 1', '[ok]', 'z = tru', ''].join('\n');
    expect(toml(text).map((d) => d.split('\n')[0])).toEqual([
      'FLOWC104 2:10-2:14 32Gi is not a TOML value: a string needs quotes',
      'FLOWC104 4:3-4:4 this key has no value after =',
      'FLOWC104 6:7-6:8 expected the end of the line after this value (one key = value per line)',
      'FLOWC104 7:3-7:3 this table header has no closing ]',
      'FLOWC104 10:5-10:8 tru is not a TOML value: a string needs quotes',
    ]);
  });

  it('does not report the echoes of its own recovery (a blanked line inside an open bracket)', () => {
    expect(toml('a = {\n b = 1 }\n')).toHaveLength(1);
  });

  it('stops at the cap of errors per file', () => {
    const text = Array.from({ length: MAX_TOML_SYNTAX_ERRORS + 15 }, (_, i) => `k${i} = bare${i}`).join('\n');
    const ds = toml(text);
    expect(ds).toHaveLength(MAX_TOML_SYNTAX_ERRORS);
    expect(ds[1]).toMatch(/^FLOWC104 2:6-2:11 bare1 is not/);
  });

  it('a duplicate key is still FLOWC102 with its first definition, after a syntax error too', () => {
    expect(toml('a = 1\nb = bare\na = 2\n').map((d) => d.split('\n')[0])).toEqual([
      'FLOWC104 2:5-2:9 bare is not a TOML value: a string needs quotes',
      'FLOWC102 3:1-3:2 duplicate key "a" (each key may be defined once in a table)',
    ]);
  });
});
