import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/config/template.js';
import type { Json } from '../../src/source/tree.js';
import { decl, run, runApp, where } from './helpers.js';

/** Resolves one YAML config file `c.yaml` with the given env. */
function resolveYaml(text: string, env: Record<string, string | undefined> = {}, sets: string[] = []) {
  return runApp({ 'c.yaml': text }, { files: ['c.yaml'] }, { env, sets });
}

function values(text: string, env: Record<string, string | undefined> = {}): Json | undefined {
  const r = resolveYaml(text, env);
  expect(r.diagnostics).toEqual([]);
  return r.resolved?.values.app;
}

describe('parseTemplate', () => {
  it('splits text and references, and unescapes $${', () => {
    const t = parseTemplate('a-${x.y[0]}-$${lit}-${env:HOME,/tmp}');
    expect(t).toEqual({
      ok: true,
      hasRefs: true,
      hasEscapes: true,
      parts: [
        { kind: 'text', text: 'a-' },
        { kind: 'ref', ref: { kind: 'path', segments: ['x', 'y', 0] }, source: 'x.y[0]' },
        { kind: 'text', text: '-${lit}-' },
        { kind: 'ref', ref: { kind: 'env', name: 'HOME', default: '/tmp' }, source: 'env:HOME,/tmp' },
      ],
    });
  });

  it.each(['${a', '${}', '${a.}', '${oc.env:X}', '${env:1X}', '${a${b}}', '${a b}'])('refuses %j', (s) => {
    expect(parseTemplate(s).ok).toBe(false);
  });
});

describe('config interpolation', () => {
  it('a whole-string reference keeps the referenced type', () => {
    const v = values('train:\n  cpu: 8\n  on: true\n  tags: [a, b]\n  m: {k: 1}\n  n: null\nc: ${train.cpu}\nb: "${train.on}"\nl: ${train.tags}\nm: ${train.m}\nz: ${train.n}\n');
    expect(v).toMatchObject({ c: 8, b: true, l: ['a', 'b'], m: { k: 1 }, z: null });
  });

  it('inside a longer string a scalar is written as text', () => {
    const v = values('n: 8\nf: 0.5\nt: true\nz: null\ns: hi\nout: "${s} n=${n} f=${f} t=${t} z=${z}"\n');
    expect(v).toMatchObject({ out: 'hi n=8 f=0.5 t=true z=null' });
  });

  it('indexes lists with [n] and follows references through references', () => {
    const v = values('regions: [eu, us]\nfirst: ${regions[1]}\nalias: ${first}\nnested: {x: "${alias}!"}\ncopy: ${nested}\n');
    expect(v).toMatchObject({ first: 'us', alias: 'us', nested: { x: 'us!' }, copy: { x: 'us!' } });
  });

  it('reads the compile-time environment, with a default when unset', () => {
    const v = values('home: ${env:HOME}\nlvl: ${env:LEVEL,info}\nempty: ${env:EMPTY,x}\npath: ${env:HOME}/data\ncomma: ${env:NOPE,a,b}\n', { HOME: '/h', EMPTY: '' });
    expect(v).toEqual({ home: '/h', lvl: 'info', empty: '', path: '/h/data', comma: 'a,b' });
  });

  it('environment values stay strings and are never interpolated again', () => {
    expect(values('n: ${env:N}\nraw: ${env:RAW}\n', { N: '8', RAW: '${n}' })).toEqual({ n: '8', raw: '${n}' });
  });

  it('$${ is a literal ${, also next to references, and the result is not resolved again', () => {
    const v = values('a: 1\nlit: "$${a}"\nmix: "${a}$${a}"\nref: ${lit}\n');
    expect(v).toEqual({ a: 1, lit: '${a}', mix: '1${a}', ref: '${a}' });
  });

  it('records where an interpolated value came from and what it read', () => {
    const r = resolveYaml('cpu: 8\nmsg: "cpu ${cpu} in ${env:ZONE}"\nall: ${list}\nlist: [1]\n', { ZONE: 'z' });
    const leaves = r.resolved?.provenance.app ?? [];
    const msg = leaves.find((l) => l.path === 'msg');
    expect(msg?.origin).toMatchObject({ kind: 'file', span: { line: 2, col: 6 } });
    expect(msg?.interpolated).toMatchObject({
      template: 'cpu ${cpu} in ${env:ZONE}',
      sources: [
        { ref: 'cpu', origin: { kind: 'file', span: { line: 1, col: 6 } } },
        { ref: 'env:ZONE', origin: { kind: 'env', name: 'ZONE' } },
      ],
    });
    const all = leaves.find((l) => l.path === 'all[0]');
    expect(all).toMatchObject({ value: 1, origin: { span: { line: 3, col: 6 } }, interpolated: { template: '${list}', sources: [{ ref: 'list', origin: { span: { line: 4, col: 8 } } }] } });
  });

  it('a --set value that interpolates keeps the --set origin', () => {
    const r = resolveYaml('a: 1\nb: 2\n', {}, ['app.b=${a}']);
    expect(r.resolved?.provenance.app?.find((l) => l.path === 'b')).toMatchObject({ value: 1, origin: { kind: 'set', arg: 'app.b=${a}' } });
  });

  it('an unknown key is FLOWC409 at the string, with a did-you-mean', () => {
    const r = resolveYaml('train:\n  cpu: 1\nx: ${train.cpus}\n');
    expect(where(r)).toEqual(['FLOWC409 c.yaml:3:4']);
    expect(r.diagnostics[0]?.message).toBe('${train.cpus}: train has no key "cpus" (in app.x)');
    expect(r.diagnostics[0]?.notes).toEqual(["did you mean 'cpu'?"]);
  });

  it('FLOWC409 explains config-name prefixes and run-time roots', () => {
    const r = resolveYaml('a: 1\nx: ${app.a}\ny: ${params.alpha}\nz: ${a.b}\nw: ${list[3]}\nlist: [1]\n');
    expect(where(r)).toEqual(['FLOWC409 c.yaml:2:4', 'FLOWC409 c.yaml:3:4', 'FLOWC409 c.yaml:4:4', 'FLOWC409 c.yaml:5:4']);
    expect(r.diagnostics[0]?.notes).toContain('paths inside a config start at its top: write ${KEY}, not ${app.KEY}');
    expect(r.diagnostics[1]?.notes?.join()).toMatch(/run-time value/);
    expect(r.diagnostics[2]?.message).toMatch(/a is a number, not a map or list/);
    expect(r.diagnostics[3]?.message).toMatch(/list has 1 item\(s\); there is no index 3/);
  });

  it('an unset variable without a default is FLOWC411', () => {
    const r = resolveYaml('a: 1\nhome: ${env:FLOWC_TEST_UNSET}\n');
    expect(where(r)).toEqual(['FLOWC411 c.yaml:2:7']);
    expect(r.diagnostics[0]?.notes).toEqual(['give a default: ${env:FLOWC_TEST_UNSET,VALUE}']);
  });

  it('a map or list inside a longer string is FLOWC415', () => {
    const r = resolveYaml('l: [1]\nm: {a: 1}\nx: "list=${l}"\ny: "${m}/"\n');
    expect(where(r)).toEqual(['FLOWC415 c.yaml:3:4', 'FLOWC415 c.yaml:4:4']);
  });

  it('malformed interpolation is FLOWC418', () => {
    const r = resolveYaml('x: "${a"\ny: "${foo:bar}"\n');
    expect(where(r)).toEqual(['FLOWC418 c.yaml:1:4', 'FLOWC418 c.yaml:2:4']);
  });

  it('a cycle is FLOWC410 with the chain, reported once', () => {
    const r = resolveYaml('a: ${b}\nb: ${c}\nc: ${a}\nd: ${a}\n');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC410', 'interpolation cycle in config app: a -> b -> c -> a']]);
    expect(where(r)).toEqual(['FLOWC410 c.yaml:1:4']);
  });

  it('a value that refers to itself, directly or through its parent map, is a cycle', () => {
    expect(resolveYaml('a: x${a}\n').diagnostics.map((d) => d.message)).toEqual(['interpolation cycle in config app: a -> a']);
    expect(resolveYaml('m:\n  k: ${m}\n').diagnostics.map((d) => d.message)).toEqual(['interpolation cycle in config app: m.k -> m -> m.k']);
  });

  it('reports every problem of a config at once', () => {
    const r = resolveYaml('a: ${nope}\nb: ${env:FLOWC_TEST_UNSET}\n');
    expect(where(r)).toEqual(['FLOWC409 c.yaml:1:4', 'FLOWC411 c.yaml:2:4']);
  });

  it('a problem in a --set value has no span and says which argument', () => {
    const r = resolveYaml('a: 1\n', {}, ['++app.x=${nope}']);
    expect(r.diagnostics.map((d) => [d.code, d.span, d.notes])).toEqual([['FLOWC409', undefined, ['set by --set ++app.x=${nope}']]]);
  });
});

describe('interpolation on random configs', () => {
  // Strings made of the pieces that matter, so references, escapes, cycles and junk all occur.
  const piece = fc.constantFrom('${a}', '${b.c}', '${l[0]}', '${l[9]}', '$${', '${env:E}', '${env:U,d}', '${', '}', 'x', '.', '$', '${a', '${m}');
  const str = fc.array(piece, { maxLength: 4 }).map((ps) => ps.join(''));
  const leaf = fc.oneof(str, fc.integer({ min: 0, max: 9 }), fc.constant(null));
  const config = fc.record({ a: leaf, b: fc.record({ c: leaf, d: leaf }), l: fc.array(leaf, { maxLength: 2 }), m: fc.dictionary(fc.constantFrom('p', 'q'), leaf, { maxKeys: 2 }) });

  it('never throws; a config either resolves with no ${ left unescaped, or reports coded errors (property)', () => {
    fc.assert(
      fc.property(config, (c) => {
        const root = '/virtual/project';
        const r = run(root, [decl(root, { default: JSON.stringify(c) })], { env: { E: 'e' } });
        if (r.resolved === undefined) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          for (const d of r.diagnostics) expect(['FLOWC409', 'FLOWC410', 'FLOWC411', 'FLOWC415', 'FLOWC418']).toContain(d.code);
        } else {
          expect(r.diagnostics).toEqual([]);
          // Anything still holding "${" came from a $${ escape in the source.
          const text = JSON.stringify(r.resolved.values);
          if (text.includes('${')) expect(JSON.stringify(c)).toContain('$${');
        }
      }),
      { numRuns: 400 },
    );
  });
});
