import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOverride } from '../../src/config/override-parse.js';
import { canonicalJson } from '../../src/source/canonical-json.js';
import type { Json } from '../../src/source/tree.js';
import { decl, run, runApp } from './helpers.js';

const BASE = 'train:\n  cpu: 4\n  gpu: 0\n  opts: {a: 1}\nregions: [eu, us]\nname: x\n';

function withSets(...sets: string[]) {
  return runApp({ 'base.yaml': BASE }, { files: ['base.yaml'] }, { sets });
}

function value(...sets: string[]): Json | undefined {
  const r = withSets(...sets);
  expect(r.diagnostics).toEqual([]);
  return r.resolved?.values.app;
}

function problems(...sets: string[]) {
  const r = withSets(...sets);
  expect(r.resolved).toBeUndefined();
  return r.diagnostics.map((d) => ({ code: d.code, message: d.message, notes: d.notes ?? [], span: d.span }));
}

describe('parseOverride', () => {
  const ok = (arg: string) => {
    const r = parseOverride(arg, 0);
    if (!r.ok) throw new Error(r.error);
    return r.override;
  };

  it('reads the four forms', () => {
    expect(ok('app.train.cpu=8')).toMatchObject({ op: 'set', config: 'app', path: ['train', 'cpu'], value: 8 });
    expect(ok('+app.new=1')).toMatchObject({ op: 'add', path: ['new'], value: 1 });
    expect(ok('++app.x=1')).toMatchObject({ op: 'force', path: ['x'], value: 1 });
    expect(ok('~app.x')).toMatchObject({ op: 'delete', path: ['x'] });
    expect(ok('~app.x').value).toBeUndefined();
    expect(ok('~app.x=5')).toMatchObject({ op: 'delete', value: 5 });
  });

  it('reads values as YAML', () => {
    const v = (s: string) => ok(`app.k=${s}`).value;
    expect(v('[a,b]')).toEqual(['a', 'b']);
    expect(v('[a, 1, true]')).toEqual(['a', 1, true]);
    expect(v('{k: v, n: 2}')).toEqual({ k: 'v', n: 2 });
    expect(v('"8"')).toBe('8');
    expect(v("'8'")).toBe('8');
    expect(v('8')).toBe(8);
    expect(v('0.5')).toBe(0.5);
    expect(v('null')).toBeNull();
    expect(v('true')).toBe(true);
    expect(v('hello world')).toBe('hello world');
    expect(v('a=b')).toBe('a=b');
    expect(v('')).toBe('');
    expect(v('${train.cpu}')).toBe('${train.cpu}');
  });

  it('reads quoted keys, keys with dashes and list indexes', () => {
    expect(ok('app."my.key"=1').path).toEqual(['my.key']);
    expect(ok("app.'a b'.c=1").path).toEqual(['a b', 'c']);
    expect(ok('app.my-key_2=1').path).toEqual(['my-key_2']);
    expect(ok('app.l[0].x=1').path).toEqual(['l', 0, 'x']);
    expect(ok('app."k=v"=1')).toMatchObject({ path: ['k=v'], value: 1 });
  });

  it.each([
    ['app.x', 5],
    ['+app.x', 6],
    ['=5', 0],
    ['app=5', 3],
    ['app..x=1', 4],
    ['app.x[a]=1', 5],
    ['app."x=1', 4],
    ['app.x y=1', 5],
    ['~=1', 1],
  ])('refuses %j and says where', (arg, at) => {
    const r = parseOverride(arg, 0);
    expect(r.ok).toBe(false);
    expect(r.ok ? -1 : r.at).toBe(at);
  });

  it.each(['app.x=[1,', 'app.x={a: 1', 'app.x=.inf', 'app.x=!!binary aGVsbG8=', 'app.x="a'])('refuses a value JSON cannot hold or YAML cannot read: %j', (arg) => {
    expect(parseOverride(arg, 0).ok).toBe(false);
  });
});

describe('applying overrides (layer 5)', () => {
  it('= changes an existing key and records the --set origin', () => {
    const r = withSets('app.train.cpu=8');
    expect((r.resolved?.values.app as { train: Json }).train).toEqual({ cpu: 8, gpu: 0, opts: { a: 1 } });
    const leaf = r.resolved?.provenance.app?.find((l) => l.path === 'train.cpu');
    expect(leaf?.origin).toEqual({ kind: 'set', arg: 'app.train.cpu=8', index: 0 });
    expect(leaf?.overrode.map((o) => [o.value, o.origin.kind])).toEqual([[4, 'file']]);
  });

  it('= with a map merges into the map; with a list or scalar replaces (as in Hydra)', () => {
    expect(value('app.train={cpu: 1, extra: 2}')).toMatchObject({ train: { cpu: 1, gpu: 0, opts: { a: 1 }, extra: 2 } });
    expect(value('app.regions=[ap]')).toMatchObject({ regions: ['ap'] });
    expect(value('app.name=[1, 2]')).toMatchObject({ name: [1, 2] });
  });

  it('= on a missing key is FLOWC406 with a did-you-mean over the keys beside it', () => {
    expect(problems('app.train.cpux=8')).toEqual([
      {
        code: 'FLOWC406',
        message: '--set app.train.cpux=8: app.train has no key "cpux"',
        notes: ["did you mean 'cpu'?", 'to add a new key, write +app.train.cpux=8'],
        span: undefined,
      },
    ]);
    expect(problems('app.trian.cpu=1').map((p) => [p.code, p.notes[0]])).toEqual([['FLOWC406', "did you mean 'train'?"]]);
  });

  it('+ adds a key, creating parent maps, and refuses one that exists (FLOWC407)', () => {
    expect(value('+app.train.mem=2Gi', '+app.new.deep.er=1')).toMatchObject({ train: { mem: '2Gi' }, new: { deep: { er: 1 } } });
    expect(problems('+app.train.cpu=1').map((p) => [p.code, p.message])).toEqual([['FLOWC407', '--set +app.train.cpu=1: app.train.cpu already exists (it is 4)']]);
  });

  it('++ sets whether or not the key exists', () => {
    expect(value('++app.train.cpu=16', '++app.train.mem=1Gi', '++app.z.y=0')).toMatchObject({ train: { cpu: 16, mem: '1Gi' }, z: { y: 0 } });
  });

  it('~ deletes; ~key=value deletes only when the value matches (FLOWC416 otherwise)', () => {
    const v = value('~app.train.gpu', '~app.name=x') as { [k: string]: Json };
    expect(v.train).toEqual({ cpu: 4, opts: { a: 1 } });
    expect('name' in v).toBe(false);
    expect(value('~app.train.opts={a: 1}')).toMatchObject({ train: { cpu: 4, gpu: 0 } });
    expect(problems('~app.name=y').map((p) => [p.code, p.message])).toEqual([['FLOWC416', '--set ~app.name=y: app.name is "x", not "y"; not deleted']]);
  });

  it('~ on a missing key is FLOWC408 with a did-you-mean', () => {
    expect(problems('~app.train.gpus').map((p) => [p.code, p.notes])).toEqual([['FLOWC408', ["did you mean 'gpu'?"]]]);
    expect(problems('~app.nope.x').map((p) => p.code)).toEqual(['FLOWC408']);
  });

  it('a path through a scalar, or indexing a map, is FLOWC417', () => {
    expect(problems('app.name.x=1').map((p) => [p.code, p.message])).toEqual([
      ['FLOWC417', '--set app.name.x=1: app.name is the string "x", not a map or list, so it has no key "x"'],
    ]);
    expect(problems('++app.name.x=1').map((p) => p.code)).toEqual(['FLOWC417']);
    expect(problems('app.train[0]=1').map((p) => p.code)).toEqual(['FLOWC417']);
    expect(problems('app.regions.x=1').map((p) => p.code)).toEqual(['FLOWC417']);
  });

  it('indexes lists: change, append with +, delete, and refuse past the end', () => {
    expect(value('app.regions[1]=asia')).toMatchObject({ regions: ['eu', 'asia'] });
    expect(value('+app.regions[2]=ap')).toMatchObject({ regions: ['eu', 'us', 'ap'] });
    expect(value('~app.regions[0]')).toMatchObject({ regions: ['us'] });
    expect(problems('app.regions[5]=x').map((p) => [p.code, p.message])).toEqual([['FLOWC406', '--set app.regions[5]=x: app.regions has 2 item(s); there is no index 5']]);
    expect(problems('+app.regions[0]=x').map((p) => p.code)).toEqual(['FLOWC407']);
    expect(problems('+app.regions[3]=x').map((p) => p.code)).toEqual(['FLOWC406']);
    expect(problems('~app.regions[2]').map((p) => p.code)).toEqual(['FLOWC408']);
  });

  it('the first segment names the config: unknown is FLOWC404 with a did-you-mean', () => {
    expect(problems('apq.train.cpu=1')).toEqual([
      {
        code: 'FLOWC404',
        message: '--set apq.train.cpu=1: the flow declares no config named "apq"',
        notes: ["did you mean 'app'?", 'declared configs: app'],
        span: undefined,
      },
    ]);
  });

  it('a malformed override is FLOWC405 with a caret under the problem', () => {
    expect(problems('app.x')).toEqual([
      {
        code: 'FLOWC405',
        message: "--set app.x: expected '=' and a value after the key (app.key=value)",
        notes: ['  app.x', '       ^', 'forms: app.key=value (change), +app.key=value (add), ++app.key=value (set), ~app.key (delete)'],
        span: undefined,
      },
    ]);
  });

  it('reports every bad override at once, and applies them in CLI order', () => {
    expect(problems('app.a=1', 'app.x', 'zzz.b=2').map((p) => p.code)).toEqual(['FLOWC406', 'FLOWC405', 'FLOWC404']);
    // A failed override is skipped; the ones after it on the same config are still checked.
    expect(problems('app.train.cpus=8', '+app.train.gpu=1', '~app.train.mem', 'app.train.cpu=1').map((p) => p.code)).toEqual(['FLOWC406', 'FLOWC407', 'FLOWC408']);
    // ...and the config is not interpolated or validated after that (no echo errors).
    expect(problems('app.nope=1', 'app.name=${missing}').map((p) => p.code)).toEqual(['FLOWC406']);
    expect(value('app.train.cpu=1', 'app.train.cpu=2')).toMatchObject({ train: { cpu: 2 } });
    expect(value('~app.name', '+app.name=y')).toMatchObject({ name: 'y' });
  });

  it('overrides may hold interpolations, resolved after all layers', () => {
    expect(value('app.name=cpu-${train.cpu}', 'app.train.cpu=6')).toMatchObject({ name: 'cpu-6' });
  });
});

// ---- properties --------------------------------------------------------------------------------

const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('s', 'two words', 'x=y', ''), fc.boolean(), fc.constant(null));
const valueArb = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(fc.constantFrom('p', 'q'), scalar, { maxKeys: 2 }));
const treeArb = fc.letrec<{ node: Json; map: Json }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 2 }), tie('map')),
  map: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
})).map as fc.Arbitrary<{ [k: string]: Json }>;
const pathArb = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 });
const opArb = fc.record({ op: fc.constantFrom('', '+', '++', '~'), path: pathArb, value: valueArb, withValue: fc.boolean() });

type Op = { op: string; path: string[]; value: Json; withValue: boolean };
const isMap = (v: Json | undefined): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A plain reference model of the override semantics: the expected value or error code. */
function model(tree: { [k: string]: Json }, o: Op): { [k: string]: Json } | string {
  const out = structuredClone(tree);
  let cur: { [k: string]: Json } = out;
  for (const k of o.path.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined) {
      if (o.op === '+' || o.op === '++') {
        cur[k] = {};
        cur = cur[k] as { [k: string]: Json };
        continue;
      }
      return o.op === '~' ? 'FLOWC408' : 'FLOWC406';
    }
    if (!isMap(next)) return 'FLOWC417';
    cur = next;
  }
  const last = o.path[o.path.length - 1] as string;
  const exists = Object.hasOwn(cur, last);
  if (o.op === '~') {
    if (!exists) return 'FLOWC408';
    if (o.withValue && canonicalJson(cur[last] as Json) !== canonicalJson(o.value)) return 'FLOWC416';
    delete cur[last];
    return out;
  }
  if (o.op === '' && !exists) return 'FLOWC406';
  if (o.op === '+' && exists) return 'FLOWC407';
  cur[last] = exists ? deepMerge(cur[last] as Json, o.value) : o.value;
  return out;
}

function deepMerge(a: Json, b: Json): Json {
  if (!isMap(a) || !isMap(b)) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k] as Json, v) : v;
  return out;
}

function argOf(o: Op): string {
  const key = `app.${o.path.join('.')}`;
  if (o.op === '~') return o.withValue ? `~${key}=${JSON.stringify(o.value)}` : `~${key}`;
  return `${o.op}${key}=${JSON.stringify(o.value)}`;
}

function resolveWith(tree: Json, sets: string[]) {
  const root = '/virtual/project';
  return run(root, [decl(root, { default: JSON.stringify(tree) })], { sets });
}

describe('override properties', () => {
  it('each override on a random tree does what the reference model says (property)', () => {
    fc.assert(
      fc.property(treeArb, opArb, (tree, o) => {
        const expected = model(tree, o);
        const r = resolveWith(tree, [argOf(o)]);
        if (typeof expected === 'string') {
          expect(r.diagnostics.map((d) => d.code)).toEqual([expected]);
        } else {
          expect(r.diagnostics).toEqual([]);
          expect(canonicalJson(r.resolved?.values.app as Json)).toBe(canonicalJson(expected));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('~k then +k=v gives the same config as setting k to v (property)', () => {
    fc.assert(
      fc.property(treeArb, pathArb, valueArb, (tree, path, v) => {
        const key = `app.${path.join('.')}`;
        const r = resolveWith(tree, [`~${key}`, `+${key}=${JSON.stringify(v)}`]);
        const direct = model(tree, { op: '~', path, value: null, withValue: false });
        if (typeof direct === 'string') {
          expect(r.diagnostics.map((d) => d.code)[0]).toBe(direct);
          return;
        }
        expect(r.diagnostics).toEqual([]);
        const expected = model(direct, { op: '+', path, value: v, withValue: true }) as { [k: string]: Json };
        expect(canonicalJson(r.resolved?.values.app as Json)).toBe(canonicalJson(expected));
        // ...and the leaf reads back exactly v.
        let got: Json | undefined = r.resolved?.values.app;
        for (const k of path) got = isMap(got) ? got[k] : undefined;
        expect(got).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('a sequence of random overrides never throws; every failure is a coded diagnostic (property)', () => {
    fc.assert(
      fc.property(treeArb, fc.array(fc.oneof(opArb.map(argOf), fc.string({ maxLength: 20 })), { maxLength: 5 }), (tree, sets) => {
        const r = resolveWith(tree, sets);
        if (r.resolved === undefined) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          for (const d of r.diagnostics) expect(d.code).toMatch(/^FLOWC4(0[4-9]|1[0-9])$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// Issue 19: a --set's parse is shared by the units of a build by its text alone; its position
// among the overrides is the unit's own and must reach the provenance of what it set.
describe('override provenance', () => {
  it('records each --set with its own position, also when the same text comes again later', () => {
    const r = withSets('app.train.gpu=1', 'app.train.cpu=8', 'app.train.gpu=1');
    expect(r.diagnostics).toEqual([]);
    const origins = (r.resolved?.provenance.app ?? []).filter((p) => p.path.startsWith('train.')).map((p) => [p.path, p.origin]);
    expect(origins).toEqual([
      ['train.cpu', { kind: 'set', arg: 'app.train.cpu=8', index: 1 }],
      ['train.gpu', { kind: 'set', arg: 'app.train.gpu=1', index: 2 }],
      ['train.opts.a', expect.objectContaining({ kind: 'file' })],
    ]);
  });
});
