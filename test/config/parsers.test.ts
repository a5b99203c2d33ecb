import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { SourceRegistry, SourceText } from '../../src/source/files.js';
import { parseJsonTree } from '../../src/source/json.js';
import { loadTree } from '../../src/source/load-tree.js';
import { parseTomlTree } from '../../src/source/toml.js';
import { mapGet, toJson, type LMap, type LNode } from '../../src/source/tree.js';
import { parseYamlTree } from '../../src/source/yaml.js';
import { tmpTree } from './helpers.js';

function json(text: string) {
  const bag = new DiagnosticBag();
  const tree = parseJsonTree(new SourceText('/x/c.json', text), bag);
  return { tree, diags: bag.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`), bag };
}

function toml(text: string) {
  const bag = new DiagnosticBag();
  const tree = parseTomlTree(new SourceText('/x/c.toml', text), bag);
  return { tree, diags: bag.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`), bag };
}

/** The located node at a dotted path (numbers index lists). */
function at(tree: LNode | undefined, ...path: (string | number)[]): LNode {
  let node = tree as LNode;
  for (const seg of path) {
    if (typeof seg === 'number' && node.kind === 'seq') node = node.items[seg] as LNode;
    else if (typeof seg === 'string' && node.kind === 'map') node = (mapGet(node, seg) ?? fail(seg)).value;
    else fail(String(seg));
  }
  return node;
}

function fail(what: string): never {
  throw new Error(`no ${what}`);
}

function pos(node: LNode): string {
  return `${node.span.line}:${node.span.col}-${node.span.endLine}:${node.span.endCol}`;
}

describe('SourceText positions', () => {
  it('are the line and column of each offset, asked in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '\n', '\r\n', 'é'), { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 40 }), (parts, asks) => {
        const text = parts.join('');
        const src = new SourceText('/x/t', text);
        for (const ask of asks) {
          const offset = ask % (text.length + 1);
          const before = text.slice(0, offset);
          const line = before.split('\n').length;
          const col = offset - (before.lastIndexOf('\n') + 1) + 1;
          expect(src.position(offset)).toEqual({ line, col });
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJsonTree', () => {
  it('keeps values and the span of every key and value', () => {
    const { tree, diags } = json('{\n  "a": 1,\n  "b": {"c": [true, null, "x"]},\n  "d": -1.5e3\n}\n');
    expect(diags).toEqual([]);
    expect(toJson(tree as LNode)).toEqual({ a: 1, b: { c: [true, null, 'x'] }, d: -1500 });
    expect(pos(at(tree, 'a'))).toBe('2:8-2:9');
    expect(pos(at(tree, 'b', 'c', 2))).toBe('3:27-3:30');
    expect(at(tree, 'b', 'c', 2)).toMatchObject({ quoted: true });
    const b = mapGet(tree as LMap, 'b');
    expect(b?.keySpan).toMatchObject({ line: 3, col: 3, endLine: 3, endCol: 6 });
    expect(pos(at(tree, 'd'))).toBe('4:8-4:14');
  });

  it('decodes escapes', () => {
    const { tree } = json('{"s": "a\\"b\\\\c\\n\\u00e9\\/"}');
    expect(toJson(tree as LNode)).toEqual({ s: 'a"b\\c\né/' });
  });

  it('decodes escapes wherever they are: first, last, side by side, and in a string far after the previous one', () => {
    const far = `{${Array.from({ length: 50 }, (_, i) => `"k${i}": "plain ${i}"`).join(', ')}, "e": "\\tx\\\\\\"\\n", "z": "\\u0041"}`;
    expect(toJson(json(far).tree as LNode)).toMatchObject({ k0: 'plain 0', k49: 'plain 49', e: '\tx\\"\n', z: 'A' });
    expect(toJson(json('["\\\\", "\\"\\"", "a\\/b", ""]').tree as LNode)).toEqual(['\\', '""', 'a/b', '']);
  });

  it('accepts and refuses the same strings as JSON.parse, with the same value', () => {
    // Raw text between the quotes: control characters, backslashes and quotes as they come.
    const chars = fc.constantFrom('a', 'é', '😀', '\\', '"', '\n', '\t', '\u0001', 'u', '0', 'n', '/', ' ');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }), (parts) => {
        const text = `{"k": "${parts.join('')}"}`;
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
        const r = json(text);
        expect(r.tree === undefined ? undefined : toJson(r.tree), text).toEqual(expected);
        if (expected === undefined) expect(r.diags.length, text).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['{"a": 1,}', 'FLOWC103 1:9'],
    ['{"a" 1}', 'FLOWC103 1:6'],
    ["{'a': 1}", 'FLOWC103 1:2'],
    ['[1 2]', 'FLOWC103 1:4'],
    ['{"a": 01}', 'FLOWC103 1:8'],
    ['{"a": "x\ny"}', 'FLOWC103 1:9'],
    ['{"a": tru}', 'FLOWC103 1:7'],
    ['', 'FLOWC103 1:1'],
    ['{"a": 1} x', 'FLOWC103 1:10'],
    ['{"a": 1 // c\n}', 'FLOWC103 1:9'],
    ['{"a": "\\x"}', 'FLOWC103 1:9'],
    ['{"a": [1,]}', 'FLOWC103 1:10'],
    ['{"a": "abc', 'FLOWC103 1:11'],
    ['{"a": "ab\\', 'FLOWC103 1:11'],
    ['{"a": "a\\n\tb"}', 'FLOWC103 1:11'],
    ['{"a": "\\u12"}', 'FLOWC103 1:8'],
  ])('reports syntax errors with a position: %j', (text, expected) => {
    const r = json(text);
    expect(r.tree).toBeUndefined();
    expect(r.diags).toEqual([expected]);
  });

  it('reports a duplicate key at the second key (FLOWC102)', () => {
    const r = json('{\n "a": 1,\n "a": 2\n}');
    expect(r.tree).toBeUndefined();
    expect(r.diags).toEqual(['FLOWC102 3:2']);
  });

  it('names the first of a repeated key at every repeat, in small objects and in large ones', () => {
    const firstOf = (text: string) => json(text).bag.items.map((d) => `${d.span?.line}:${d.span?.col} ${d.notes?.[0]}`);
    expect(firstOf('{"a": 1,\n"a": 2,\n"a": 3}')).toEqual(['2:1 first defined at c.json:1:2', '3:1 first defined at c.json:1:2']);
    // Repeats before and after the object has 16 keys.
    const keys = Array.from({ length: 20 }, (_, i) => `"k${i}": ${i}`);
    keys.splice(3, 0, '"k1": 0');
    keys.push('"k1": 0', '"k19": 0');
    const lines = firstOf(`{${keys.join(',\n')}}`);
    expect(lines).toEqual(['4:1 first defined at c.json:2:1', '22:1 first defined at c.json:2:1', '23:1 first defined at c.json:21:1']);
  });

  it('refuses integers that would lose digits (FLOWC419)', () => {
    const r = json('{"big": 9007199254740993}');
    expect(r.tree).toBeUndefined();
    expect(r.diags).toEqual(['FLOWC419 1:9']);
    expect(toJson(json('{"ok": 9007199254740991, "f": 1.5}').tree as LNode)).toEqual({ ok: 9007199254740991, f: 1.5 });
    expect(json('{"f": 1e400}').diags).toEqual(['FLOWC419 1:7']);
  });

  it('parses what JSON.parse parses, to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const text = JSON.stringify(v, null, 1);
        const r = json(text);
        if (r.bag.items.some((d) => d.code === 'FLOWC419')) return; // unsafe integers are refused on purpose
        expect(r.diags).toEqual([]);
        // JSON.parse writes -0 as 0 in stringify; compare through the same lens.
        expect(JSON.stringify(toJson(r.tree as LNode))).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseTomlTree', () => {
  const text = [
    'title = "x"', // 1
    'extends = ["a.toml"]', // 2
    '[train]', // 3
    'cpu = 4', // 4
    'opt.lr = 0.5', // 5
    'when = 1979-05-27T07:32:00Z', // 6
    '[[regions]]', // 7
    'name = "eu"', // 8
    '[[regions]]', // 9
    'name = "us"', // 10
    '[[regions.zones]]', // 11
    'id = 1', // 12
    '[train.sub]', // 13
    'inline = { a = 1, b.c = [1, 2] }', // 14
    '"quoted.key" = true', // 15
    '',
  ].join('\n');

  it('builds tables, dotted keys, arrays of tables and inline tables', () => {
    const { tree, diags } = toml(text);
    expect(diags).toEqual([]);
    expect(toJson(tree as LNode)).toEqual({
      title: 'x',
      extends: ['a.toml'],
      train: { cpu: 4, opt: { lr: 0.5 }, when: '1979-05-27T07:32:00Z', sub: { inline: { a: 1, b: { c: [1, 2] } }, 'quoted.key': true } },
      regions: [{ name: 'eu' }, { name: 'us', zones: [{ id: 1 }] }],
    });
  });

  it('locates keys and values', () => {
    const { tree } = toml(text);
    expect(pos(at(tree, 'train', 'cpu'))).toBe('4:7-4:8');
    expect(pos(at(tree, 'train', 'opt', 'lr'))).toBe('5:10-5:13');
    expect(pos(at(tree, 'regions', 1, 'name'))).toBe('10:8-10:12');
    expect(pos(at(tree, 'regions', 1, 'zones', 0, 'id'))).toBe('12:6-12:7');
    expect(pos(at(tree, 'train', 'sub', 'inline', 'b', 'c', 1))).toBe('14:29-14:30');
    const train = at(tree, 'train') as LMap;
    expect(mapGet(train, 'cpu')?.keySpan).toMatchObject({ line: 4, col: 1 });
    expect(at(tree, 'train').span.line).toBe(3);
    expect(mapGet(at(tree, 'train', 'sub') as LMap, 'quoted.key')?.keySpan).toMatchObject({ line: 15, col: 1 });
  });

  it('keeps dates and times as their TOML text', () => {
    const { tree } = toml('a = 1979-05-27\nb = 07:32:00.5\nc = 1979-05-27 07:32:00\nd = 1979-05-27T00:32:00-07:00\n');
    expect(toJson(tree as LNode)).toEqual({ a: '1979-05-27', b: '07:32:00.5', c: '1979-05-27 07:32:00', d: '1979-05-27T00:32:00-07:00' });
  });

  it('converts integers, refusing those beyond 2^53 and inf/nan (FLOWC419)', () => {
    expect(toJson(toml('a = 9007199254740991\nb = 0x10\nc = -1_000\n').tree as LNode)).toEqual({ a: 9007199254740991, b: 16, c: -1000 });
    const r = toml('ok = 1\nbig = 9007199254740992\nx = inf\ny = nan\n');
    expect(r.tree).toBeUndefined();
    expect(r.diags).toEqual(['FLOWC419 2:7', 'FLOWC419 3:5', 'FLOWC419 4:5']);
  });

  it.each([
    ['a = "x', 'FLOWC104 1:7'],
    ['a = ', 'FLOWC104 1:5'],
    // Where the `]` belongs, not the next line the parser was reading when it noticed (issue 16).
    ['[t\nb = 1', 'FLOWC104 1:3'],
    ['a = {b = 1,}', 'FLOWC104 1:12'],
    ['a = 1 b = 2', 'FLOWC104 1:7'],
  ])('reports syntax errors with a position: %j', (t, expected) => {
    const r = toml(t);
    expect(r.tree).toBeUndefined();
    expect(r.diags).toEqual([expected]);
  });

  it('reports keys defined twice as FLOWC102', () => {
    expect(toml('a = 1\na = 2\n').diags).toEqual(['FLOWC102 2:1']);
    expect(toml('[t]\nx = 1\n[t]\ny = 2\n').diags).toEqual(['FLOWC102 3:2']);
  });

  it('pins TOML 1.0 (no newlines in inline tables)', () => {
    expect(toml('a = {\n b = 1 }\n').diags).toEqual(['FLOWC104 2:2']);
  });
});

describe('loadTree', () => {
  const root = tmpTree({ 'a.yaml': 'x: 1\n', 'b.json': '{"x": 2}', 'c.toml': 'x = 3\n', 'd.yml': 'x: 4\n', 'e.ini': 'x=5' });
  const load = (name: string, code?: 'FLOWC401') => {
    const diagnostics = new DiagnosticBag();
    const span = { file: join(root, 'flow.yaml'), line: 7, col: 9 };
    const tree = loadTree(join(root, name), { sources: new SourceRegistry(), diagnostics, span, unreadableCode: code });
    return { tree, diags: diagnostics.items };
  };

  it('dispatches on the extension', () => {
    expect(['a.yaml', 'b.json', 'c.toml', 'd.yml'].map((f) => toJson(load(f).tree as LNode))).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
  });

  it('refuses other extensions (FLOWC005) where the file was named', () => {
    const r = load('e.ini');
    expect(r.tree).toBeUndefined();
    expect(r.diags.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([['FLOWC005', 7, 9]]);
  });

  it('reports a file it cannot read (FLOWC001, or the caller code) where it was named', () => {
    expect(load('missing.yaml').diags.map((d) => [d.code, d.span?.line, d.span?.col, d.message])).toEqual([
      ['FLOWC001', 7, 9, 'cannot read file "missing.yaml": no such file'],
    ]);
    expect(load('missing.toml', 'FLOWC401').diags.map((d) => d.code)).toEqual(['FLOWC401']);
  });
});

describe('random text into every parser', () => {
  const parsers: [string, (s: SourceText, d: DiagnosticBag) => LNode | undefined][] = [
    ['json', parseJsonTree],
    ['toml', parseTomlTree],
    ['yaml', parseYamlTree],
  ];
  // Text built from the characters that matter to these grammars, plus anything at all.
  const syntaxy = fc.string({ unit: fc.constantFrom(...'{}[]()"\'=:,.#\n \t\\-+0123456789abcdefxyz_$TtrueFalsnl\r'.split('')), maxLength: 80 });
  const anything = fc.string({ unit: 'binary', maxLength: 80 });

  for (const [name, parse] of parsers) {
    it(`${name}: never throws; either a tree or diagnostics with positions`, () => {
      fc.assert(
        fc.property(fc.oneof(syntaxy, anything), (text) => {
          const bag = new DiagnosticBag();
          const tree = parse(new SourceText(`/x/f.${name}`, text), bag);
          if (tree === undefined) {
            expect(bag.items.length).toBeGreaterThan(0);
            for (const d of bag.items) expect(d.span?.line).toBeGreaterThanOrEqual(1);
          } else {
            expect(bag.hasErrors()).toBe(false);
            expect(() => JSON.stringify(toJson(tree))).not.toThrow();
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});
