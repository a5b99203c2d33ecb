import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { SourceText } from '../../src/source/files.js';
import { parseJsonTree } from '../../src/source/json.js';
import { ALIAS_NODE_BUDGET, MAX_NESTING } from '../../src/source/limits.js';
import { parseTomlTree } from '../../src/source/toml.js';
import { toJson, type LNode } from '../../src/source/tree.js';
import { parseYamlTree } from '../../src/source/yaml.js';

type Parse = (src: SourceText, bag: DiagnosticBag) => LNode | undefined;

function run(parse: Parse, file: string, text: string) {
  const bag = new DiagnosticBag();
  const tree = parse(new SourceText(`/in/${file}`, text), bag);
  const diags = bag.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`);
  return { tree, diags, items: bag.items, messages: bag.items.map((d) => d.message) };
}
const yaml = (text: string) => run(parseYamlTree, 'f.yaml', text);
const json = (text: string) => run(parseJsonTree, 'f.json', text);
const toml = (text: string) => run(parseTomlTree, 'f.toml', text);

/** `levels` anchors, each a list of `width` aliases to the one before. */
function aliasBomb(levels: number, width: number): string {
  const lines = [`a0: &a0 [${Array(width).fill('"lol"').join(',')}]`];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

describe('YAML aliases are bounded by a node budget (FLOWC106)', () => {
  it('refuses a 9x9 alias tree at the alias that crosses the budget, without expanding it', () => {
    const r = yaml(aliasBomb(9, 9));
    expect(r.tree).toBeUndefined();
    // Copies up to a5 add 672,588 nodes; the first alias in a6 (line 7) adds 597,871 more.
    expect(r.diags).toEqual(['FLOWC106 7:10']);
    expect(r.messages[0]).toContain(`more than ${ALIAS_NODE_BUDGET.toLocaleString('en-US')} nodes (the alias node budget)`);
  });

  it('counts copies of copies: the expanded size, not the number of aliases', () => {
    const bag = new DiagnosticBag();
    // 3 levels of 3: 3 + 3*4 + 3*13 = 54 nodes copied; within 60, not within 50.
    expect(parseYamlTree(new SourceText('/in/f.yaml', aliasBomb(2, 3)), bag, { aliasBudget: 60 })).toBeDefined();
    expect(bag.items).toEqual([]);
    const tight = new DiagnosticBag();
    expect(parseYamlTree(new SourceText('/in/f.yaml', aliasBomb(2, 3)), tight, { aliasBudget: 50 })).toBeUndefined();
    expect(tight.items.map((d) => d.code)).toEqual(['FLOWC106']);
  });

  it('still expands ordinary aliases, each copy placed at its alias', () => {
    const r = yaml('base: &b { cpu: 1, tags: [x] }\nother: *b\n');
    expect(r.diags).toEqual([]);
    expect(toJson(r.tree as LNode)).toEqual({ base: { cpu: 1, tags: ['x'] }, other: { cpu: 1, tags: ['x'] } });
  });

  it('refuses an alias inside the value it names (FLOWC105), which would expand forever', () => {
    expect(yaml('a: &a [1, *a]\n').diags).toEqual(['FLOWC105 1:11']);
    expect(yaml('a: &a\n  b:\n    c: *a\n').diags).toEqual(['FLOWC105 3:8']);
  });

  it('an alias to an anchor defined later or nowhere is FLOWC101 at the alias', () => {
    expect(yaml('a: *x\nb: &x 1\n').diags).toEqual(['FLOWC101 1:4']);
    expect(yaml('a: [1, *nope]\n').messages).toEqual(['unknown alias *nope (no anchor &nope before it)']);
  });

  it("resolves many aliases in one pass (20,000 aliases of a scalar; the yaml package's Alias.resolve walks the document per alias)", () => {
    const r = yaml(`a: &a x\nl: [${Array(20_000).fill('*a').join(',')}]\n`);
    expect(r.diags).toEqual([]);
    expect((toJson(r.tree as LNode) as { l: string[] }).l).toHaveLength(20_000);
  });
});

describe('deep nesting is a diagnostic, never a stack overflow (FLOWC107)', () => {
  const cases: [string, () => ReturnType<typeof yaml>, string][] = [
    ['YAML flow lists', () => yaml(`x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), 'FLOWC107 1:204'],
    ['YAML flow maps', () => yaml(`x: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`), 'FLOWC107 1:804'],
    ['YAML block maps', () => yaml(`${Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`), 'FLOWC107 202:202'],
    ['YAML block lists', () => yaml(`${'- '.repeat(5000)}1\n`), 'FLOWC107 1:403'],
    ['JSON', () => json(`{"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`), 'FLOWC107 1:207'],
    ['TOML arrays', () => toml(`x = ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`), 'FLOWC107 1:205'],
    ['TOML inline tables', () => toml(`x = ${'{a = '.repeat(5000)}1${'}'.repeat(5000)}\n`), 'FLOWC107 1:1005'],
    ['TOML dotted keys', () => toml(`${Array(5000).fill('a').join('.')} = 1\n`), 'FLOWC107 1:401'],
    ['TOML table headers', () => toml(`[${Array(5000).fill('a').join('.')}]\nx = 1\n`), 'FLOWC107 1:402'],
  ];
  for (const [name, parse, where] of cases) {
    it(name, () => {
      const r = parse();
      expect(r.tree).toBeUndefined();
      expect(r.diags).toEqual([where]);
      expect(r.messages[0]).toBe(`the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`);
    });
  }

  it('an alias that copies a deep value into a deep place', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const r = yaml(`a: &a ${deep(150)}\nb: ${'['.repeat(100)}*a${']'.repeat(100)}\n`);
    expect(r.diags).toEqual(['FLOWC107 2:104']);
  });

  it('accepts nesting up to the limit', () => {
    const n = MAX_NESTING;
    expect(yaml(`${'['.repeat(n)}1${']'.repeat(n)}`).diags).toEqual([]);
    expect(yaml(`${'['.repeat(n + 1)}1${']'.repeat(n + 1)}`).diags).toEqual(['FLOWC107 1:202']);
    expect(json(`${'['.repeat(n)}1${']'.repeat(n)}`).diags).toEqual([]);
    expect(toml(`x = ${'['.repeat(n - 1)}1${']'.repeat(n - 1)}`).diags).toEqual([]);
  });

  it('TOML strings and comments holding brackets do not count', () => {
    const brackets = '['.repeat(300);
    expect(toml(`a = "${brackets}"\nb = '${brackets}'\nc = """\n${brackets}\n"""\n# ${brackets}\n`).diags).toEqual([]);
  });
});

describe('numbers JSON cannot carry exactly are refused in YAML (FLOWC419)', () => {
  it('integers beyond 2^53, .inf, -.inf, .nan and 1e400, each at its place', () => {
    const r = yaml('a: 9007199254740993\nb: -9007199254740993\nc: .inf\nd: -.Inf\ne: .nan\nf: 1e400\ng: 0x20000000000001\n');
    expect(r.diags).toEqual(['FLOWC419 1:4', 'FLOWC419 2:4', 'FLOWC419 3:4', 'FLOWC419 4:4', 'FLOWC419 5:4', 'FLOWC419 6:4', 'FLOWC419 7:4']);
    expect(r.messages[0]).toBe('the integer 9007199254740993 cannot be represented exactly (integers must lie within ±2^53-1); write it as a string');
  });

  it('keeps the largest safe integers and quoted numbers', () => {
    const r = yaml('a: 9007199254740991\nb: -9007199254740991\nc: "9007199254740993"\nd: 1.5e300\n');
    expect(r.diags).toEqual([]);
    expect(toJson(r.tree as LNode)).toEqual({ a: 9007199254740991, b: -9007199254740991, c: '9007199254740993', d: 1.5e300 });
  });

  it('in keys too', () => {
    expect(yaml('9007199254740993: x\n').diags).toEqual(['FLOWC419 1:1']);
    expect(toJson(yaml('12: x\n').tree as LNode)).toEqual({ '12': 'x' });
  });

  it('JSON and TOML refuse big integers and non-finite numbers as before', () => {
    expect(json('{"a": 9007199254740993, "b": -1e400}').diags).toEqual(['FLOWC419 1:7', 'FLOWC419 1:30']);
    expect(toml('a = 9007199254740993\nb = -inf\nc = nan\n').diags).toEqual(['FLOWC419 1:5', 'FLOWC419 2:5', 'FLOWC419 3:5']);
  });
});

describe('only the YAML 1.2 core-schema tags (FLOWC105)', () => {
  it('refuses !!js/function, !!binary, !!set, !!timestamp, !!omap, !foo and the non-specific !', () => {
    const r = yaml('a: !!js/function "f"\nb: !!binary aGVsbG8=\nc: !!set {x}\nd: !!timestamp 2001-12-14\ne: !!omap [x: 1]\nf: !foo x\ng: ! 12\nh: !<tag:yaml.org,2002:js/regexp> x\n');
    expect(r.items.map((d) => d.code)).toEqual(Array(8).fill('FLOWC105'));
    expect(r.diags.map((d) => d.split(' ')[1]?.split(':')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(r.messages[0]).toBe('YAML tag !!js/function is not supported');
  });

  it('refuses a core tag on a value of another kind', () => {
    expect(yaml('a: !!int abc\nb: !!map [1]\nc: !!seq {a: 1}\nd: !!bool 3\n').diags).toEqual(['FLOWC105 1:10', 'FLOWC105 2:10', 'FLOWC105 3:10', 'FLOWC105 4:11']);
  });

  it('accepts the core tags, short and verbatim', () => {
    const r = yaml('a: !!str 1\nb: !!int "2"\nc: !!float 1.5\nd: !!bool true\ne: !!null ~\nf: !!map {x: 1}\ng: !!seq [1]\nh: !<tag:yaml.org,2002:str> 3\n');
    expect(r.diags).toEqual([]);
    expect(toJson(r.tree as LNode)).toEqual({ a: '1', b: 2, c: 1.5, d: true, e: null, f: { x: 1 }, g: [1], h: '3' });
  });
});

describe('a %YAML 1.1 directive does not change what values mean', () => {
  it('yes, 0777, 1:20 and << keep their YAML 1.2 core-schema meaning', () => {
    const r = yaml('%YAML 1.1\n---\na: yes\nb: 0777\nc: 1:20\nd: &x {k: 1}\ne:\n  <<: *x\n');
    expect(r.diags).toEqual([]);
    expect(toJson(r.tree as LNode)).toEqual({ a: 'yes', b: 777, c: '1:20', d: { k: 1 }, e: { '<<': { k: 1 } } });
  });
});

describe('NUL and lone surrogates in strings and keys (FLOWC108)', () => {
  it('YAML: escaped and raw NUL, in values and keys', () => {
    const r = yaml('cmd: "rm -rf /x\\0y"\n"k\\0": v\nraw: a\u0000b\nlist: [ok, "\\x00"]\n');
    expect(r.diags).toEqual(['FLOWC108 1:6', 'FLOWC108 2:1', 'FLOWC108 3:6', 'FLOWC108 4:12']);
    expect(r.messages[0]).toBe('this string holds a NUL character (U+0000) at character 10; no command, argument or output file can carry it');
    expect(r.messages[1]).toContain('this key holds a NUL character');
  });

  it('JSON: \\u0000 and lone surrogates', () => {
    expect(json('{"a": "x\\u0000", "b\\u0000": 1, "c": "\\ud800", "d": "\\udc00x", "ok": "\\ud83d\\ude00"}').diags).toEqual([
      'FLOWC108 1:7',
      'FLOWC108 1:18',
      'FLOWC108 1:37',
      'FLOWC108 1:52',
    ]);
  });

  it('TOML: \\u0000 in values and quoted keys', () => {
    expect(toml('a = "x\\u0000"\n"b\\u0000" = 1\n').diags).toEqual(['FLOWC108 1:5', 'FLOWC108 2:1']);
  });

  it('keeps tabs, newlines and other control characters, which every output format can escape', () => {
    const r = yaml('a: "tab\\there\\nline\\x1b[0m\\x07"\n');
    expect(r.diags).toEqual([]);
    expect(toJson(r.tree as LNode)).toEqual({ a: 'tab\there\nline\x1b[0m\x07' });
  });
});

describe('duplicate keys name the key and point at the first one (FLOWC102)', () => {
  it('YAML', () => {
    const r = yaml('a: 1\nb:\n  x: 1\n  x: 2\na: 3\n');
    expect(r.diags).toEqual(['FLOWC102 4:3', 'FLOWC102 5:1']);
    expect(r.items[0]).toMatchObject({ message: 'duplicate key "x" (each key may appear once in a map)', notes: ['first defined at f.yaml:3:3'] });
    expect(r.items[1]?.notes).toEqual(['first defined at f.yaml:1:1']);
  });

  it('JSON', () => {
    const r = json('{\n  "a": 1,\n  "b": {"x": 1, "x": 2},\n  "a": 2\n}');
    expect(r.diags).toEqual(['FLOWC102 3:17', 'FLOWC102 4:3']);
    expect(r.items[0]).toMatchObject({ message: 'duplicate key "x" (each key may appear once in an object)', notes: ['first defined at f.json:3:9'] });
    expect(r.items[1]?.notes).toEqual(['first defined at f.json:2:3']);
  });

  it('TOML: keys, tables, dotted keys, keys under an array of tables', () => {
    const cases: [string, string, string, string][] = [
      ['a = 1\nb = 2\na = 3\n', '3:1', 'a', 'f.toml:1:1'],
      ['[t]\nx = 1\n\n[t]\ny = 2\n', '4:2', 't', 'f.toml:1:2'],
      ['[s]\nx.y = 1\nz = 0\nx.y = 2\n', '4:3', 'y', 'f.toml:2:3'],
      ['[[r]]\nn = 1\n[[r]]\nn = 2\nn = 3\n', '5:1', 'n', 'f.toml:4:1'],
      ['a = 1\n[a.b]\n', '2:2', 'a', 'f.toml:1:1'],
    ];
    for (const [text, at, key, first] of cases) {
      const r = toml(text);
      expect(r.diags, text).toEqual([`FLOWC102 ${at}`]);
      expect(r.items[0], text).toMatchObject({ message: `duplicate key "${key}" (each key may be defined once in a table)`, notes: [`first defined at ${first}`] });
    }
  });

  it('TOML: inside an inline table the key is still named', () => {
    const r = toml('a = {x = 1, x = 2}\n');
    expect(r.diags).toEqual(['FLOWC102 1:13']);
    expect(r.messages[0]).toBe('duplicate key "x" (each key may be defined once in a table)');
  });
});

describe('prototype keys are ordinary keys', () => {
  const text = { yaml: '__proto__: { polluted: 1 }\nconstructor: { prototype: 2 }\n', json: '{"__proto__": {"polluted": 1}, "constructor": {"prototype": 2}}', toml: '__proto__ = { polluted = 1 }\n[constructor]\nprototype = 2\n' };
  for (const [name, parse] of [
    ['yaml', yaml],
    ['json', json],
    ['toml', toml],
  ] as const) {
    it(`${name}: toJson keeps __proto__ as an own key and does not touch the prototype`, () => {
      const r = parse(text[name]);
      expect(r.diags).toEqual([]);
      const value = toJson(r.tree as LNode) as Record<string, unknown>;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 1 });
      expect((value as { polluted?: unknown }).polluted).toBeUndefined();
      expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":1},"constructor":{"prototype":2}}');
    });
  }
});

describe('an alias copy reports a bad character once, at the alias', () => {
  it('one FLOWC108 for the anchor and one per alias, however large the copy', () => {
    const r = yaml(`a: &a [${Array(1000).fill('"x\\0"').join(',')}]\nb: *a\nc: *a\n`);
    expect(r.diags.filter((d) => !d.startsWith('FLOWC108 1:'))).toEqual(['FLOWC108 2:4', 'FLOWC108 3:4']);
    expect(r.diags).toHaveLength(1002);
  });
});
