import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { SourceText } from '../../src/source/files.js';
import { parseYamlFast } from '../../src/source/yaml-fast.js';
import { parseYamlFull, parseYamlTree } from '../../src/source/yaml.js';
import { syntheticFlow } from '../../scripts/synthetic-flow.mjs';

const root = join(import.meta.dirname, '../..');

/**
 * The fast reader must give exactly the full reader's tree (values, `quoted`, every span) or give
 * up; where it gives a tree, the full reader must report nothing.
 */
function agree(file: string, text: string): 'fast' | 'full' {
  const fast = parseYamlFast(new SourceText(file, text))?.tree;
  if (!fast) return 'full';
  const bag = new DiagnosticBag();
  const full = parseYamlFull(new SourceText(file, text), bag);
  expect(bag.items.map((d) => `${d.code} ${d.message}`), `${file}: the fast reader read a document the full reader reports`).toEqual([]);
  expect(fast, `${file}: ${JSON.stringify(text).slice(0, 400)}`).toStrictEqual(full);
  return 'fast';
}

/** A small deterministic generator (LCG) so every run checks the same documents. */
function generator(seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const good = ['a', 'b c', '1', '-3', '1.5', 'true', 'null', 'x:y', 's3://b/c', 'a#b', "it's", '"q"', "'a''b'", '--step', '[a, b]', '{a: 1}', '{ a: 1, b: [x] }', '[a, [b, c], {d: e}]', '"${p.d}"', '007', '-0', 'x ', '[]'];
  const odd = ['0', '+7', '2e3', '.5', 'False', '~', 'NULL', 'yes', 'on', 'é ü', '12345678901234567', 'a  b', '"#x"', 'v1.2.3', '1_0', '0x1F', '0o7', '.inf', '.nan', 'x]', '@x', '`x', '%x', '!x', '&a x', '*a', '? x', ': x', '- x', '{}', '[a, b,]', '[ ]', '{a: b, a: c}', '[a:b]', '[-]', '|', '>', '|-\n  lit', '"a\\tb"', "'unclosed", '[a, b'];
  const keys = ['a', 'b', 'c', 'key', 'k k', '"q"', "'s'", '1', 'true', 'null', '~', 'x-y', '__proto__', 'a:b', '<<', '"a"', 'é'];
  const comment = (ind: number) => (rnd() < 0.15 ? `${' '.repeat(ind)}# c\n` : rnd() < 0.15 ? '\n' : '');
  const odder = (ind: number) => (rnd() < 0.1 ? `${' '.repeat(Math.max(0, ind + Math.floor(rnd() * 5) - 2))}# odd\n` : '');
  const inlineComment = () => (rnd() < 0.15 ? '  # ic' : rnd() < 0.1 ? '   ' : '');
  const block = (ind: number, depth: number): string => (rnd() < 0.65 || depth > 3 ? map(ind, depth) : seq(ind, depth));
  const value = (ind: number, depth: number, inSeq: boolean): string => {
    const r = rnd();
    if (r < 0.55 || depth > 3) return ` ${pick(rnd() < 0.9 ? good : odd)}${inlineComment()}\n`;
    if (r < 0.62) return `${inlineComment()}\n`;
    const pre = `${inlineComment()}\n${rnd() < 0.2 ? `${' '.repeat(rnd() < 0.3 ? ind + Math.floor(rnd() * 4) : 0)}# pre\n` : ''}`;
    if (!inSeq && rnd() < 0.2) return pre + seq(ind, depth + 1);
    return pre + block(ind + 1 + Math.floor(rnd() * 3), depth + 1);
  };
  const map = (ind: number, depth: number): string => {
    let out = '';
    const used = new Set<string>();
    for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) {
      const k = pick(keys);
      if (used.has(k) && rnd() < 0.9) continue;
      used.add(k);
      out += comment(ind) + odder(ind) + `${' '.repeat(ind)}${k}${rnd() < 0.05 ? ' ' : ''}:${value(ind, depth, false)}`;
    }
    return out || `${' '.repeat(ind)}z: 1\n`;
  };
  const seq = (ind: number, depth: number): string => {
    let out = '';
    for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) {
      out += comment(ind) + odder(ind);
      if (rnd() < 0.3 && depth < 4) out += `${' '.repeat(ind)}- ${map(ind + 2, depth + 1).slice(ind + 2)}`;
      else out += `${' '.repeat(ind)}-${value(ind, depth, true)}`;
    }
    return out;
  };
  const mutate = (text: string): string => {
    const i = Math.floor(rnd() * text.length);
    const op = rnd();
    if (op < 0.4) return `${text.slice(0, i)} ${text.slice(i)}`;
    if (op < 0.7) return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + pick([':', '#', '-', ' -', ': ', '\n', '"', "'", ',', '[', ']', '{', '}', '\n  ', '\n- ', '\t', '\r']) + text.slice(i);
  };
  return (mutations: number): string => {
    let text = (rnd() < 0.2 ? '# head\n' : '') + block(0, 0);
    if (rnd() < 0.3) text = text.replace(/\n$/, '');
    if (rnd() < 0.2) text += pick(['\n', '# tail\n', '  # tail\n', '\n\n# t\n\n']);
    for (let m = 0; m < mutations; m++) text = mutate(text);
    return text;
  };
}

describe('the fast YAML reader agrees with the yaml package or leaves the document to it', () => {
  it('on every YAML file in the repository', () => {
    const files = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    const read = files.map((f) => agree(`/r/${f}`, readFileSync(join(root, f), 'utf8')));
    // Most fixtures are in the subset; a reader that gave up on everything would pass the rest.
    expect(read.filter((r) => r === 'fast').length).toBeGreaterThan(files.length / 2);
  });

  it('on generated documents: comments and blank lines anywhere, nulls, flow collections, odd scalars', () => {
    const next = generator(7);
    const read = Array.from({ length: 1500 }, () => agree('/g.yaml', next(0)));
    expect(read.filter((r) => r === 'fast').length).toBeGreaterThan(400);
  });

  it('on generated documents with random edits (mostly broken YAML)', () => {
    const next = generator(11);
    const read = Array.from({ length: 1500 }, (_, i) => agree('/m.yaml', next(1 + (i % 3))));
    expect(read.filter((r) => r === 'fast').length).toBeGreaterThan(100);
  });

  it('reads the benchmarks\' synthetic flow itself', () => {
    const text = syntheticFlow(300) as string;
    expect(agree('/s.yaml', text)).toBe('fast');
  });

  it('cases whose ranges depend on comments after the last item', () => {
    const cases = [
      'a:\n  b:\n    c:  # x\n  d: 1\n',
      'a:\n  b:\n    c:  # x\n\n  d: 1\n',
      'a:\n  b:\n    - # x\n  d: 1\n',
      'a:\n  b: 1\n\n    # tc\n\n  # x\n\n# y\nc: \n',
      'a:\n  - b: 1\n    c: 2\n  # e\n  - x\n   # f\n\n',
      'a:\n- 1\n- 2\n# c\nb: 1 \n',
      'steps:\n  a:\n    run: x\n  # about b\n  b:\n    run: y\n# end\n',
    ];
    for (const c of cases) agree('/c.yaml', c);
  });
});

describe('parseYamlTree keeps the full reader\'s diagnostics', () => {
  it('reports through the yaml package whatever the fast reader leaves', () => {
    const bag = new DiagnosticBag();
    expect(parseYamlTree(new SourceText('/d.yaml', 'a: 1\nb: 2\na: 3\n'), bag)).toBeUndefined();
    expect(bag.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`)).toEqual(['FLOWC102 3:1']);
  });

  it('finds a duplicate key in a big map (past the small-map scan) and in a flow map', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}: ${i}`);
    keys.splice(10, 0, 'k1: again');
    for (const [text, at] of [[`${keys.join('\n')}\n`, '11:1'], ['a: {x: 1, y: 2, x: 3}\n', '1:17']] as const) {
      expect(parseYamlFast(new SourceText('/d.yaml', text))).toBeUndefined();
      const bag = new DiagnosticBag();
      expect(parseYamlTree(new SourceText('/d.yaml', text), bag)).toBeUndefined();
      expect(bag.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col}`)).toEqual([`FLOWC102 ${at}`]);
    }
  });

  it('still reports NUL and lone surrogates (FLOWC108), which the fast reader reads or leaves', () => {
    for (const text of ['a: "x\u0000"\n', 'a: "x\ud800"\n', 'a: x\udc00y\n', 'a: ["\ud83d\ude00", "\ud83d"]\n']) {
      const bag = new DiagnosticBag();
      expect(parseYamlTree(new SourceText('/n.yaml', text), bag), JSON.stringify(text)).toBeUndefined();
      expect(bag.items.map((d) => d.code)).toEqual(['FLOWC108']);
    }
    expect(parseYamlFast(new SourceText('/n.yaml', 'a: ["\ud83d\ude00", "\ud83d"]\n'))?.surrogates).toBe(true);
  });
});
