import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { explainConfig } from '../../src/config/explain.js';
import { configHash } from '../../src/config/hash.js';
import { lockProvenance } from '../../src/config/lock.js';
import { formatOrigin } from '../../src/config/origin.js';
import { decl, run, runApp, tmpTree, where } from './helpers.js';

describe('the five layers, lowest first', () => {
  const files = {
    'config/f.yaml': 'l2: f\nl3: f\nl4: f\nl5: f\n',
    'bind/b.json': '{"l3": "b", "l4": "b", "l5": "b"}',
    'cli/c.toml': 'l4 = "c"\nl5 = "c"\n',
  };
  const layered = () =>
    runApp(
      files,
      { files: ['config/f.yaml'], default: '{l1: d, l2: d, l3: d, l4: d, l5: d}' },
      {
        bindingFiles: [{ name: 'app', file: 'bind/b.json' }],
        cliConfigs: [{ name: 'app', file: 'cli/c.toml', arg: 'app=cli/c.toml' }],
        sets: ['app.l5=s'],
      },
    );

  it('each layer wins over the ones below it', () => {
    const r = layered();
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved?.values).toEqual({ app: { l1: 'd', l2: 'f', l3: 'b', l4: 'c', l5: 's' } });
  });

  it('the top leaf remembers every value it overrode, most recent first', () => {
    const r = layered();
    const l5 = r.resolved?.provenance.app?.find((l) => l.path === 'l5');
    expect(l5?.overrode.map((o) => formatOrigin(o.origin, r.rel))).toEqual(['cli/c.toml:2:6', 'bind/b.json:1:30', 'config/f.yaml:4:5', 'flow.yaml:1:34 (default:)']);
    expect(l5?.overrode.map((o) => o.value)).toEqual(['c', 'b', 'f', 'd']);
  });

  it('explains itself, deterministically', () => {
    const r = layered();
    const text = explainConfig({ resolved: r.resolved!, relativize: r.rel });
    expect(text).toBe(
      [
        'app.l1 = "d"',
        '  from flow.yaml:1:6 (default:)',
        'app.l2 = "f"',
        '  from config/f.yaml:1:5',
        '  overrode "d" from flow.yaml:1:13 (default:)',
        'app.l3 = "b"',
        '  from bind/b.json:1:8',
        '  overrode "f" from config/f.yaml:2:5',
        '  overrode "d" from flow.yaml:1:20 (default:)',
        'app.l4 = "c"',
        '  from cli/c.toml:1:6',
        '  overrode "b" from bind/b.json:1:19',
        '  overrode "f" from config/f.yaml:3:5',
        '  overrode "d" from flow.yaml:1:27 (default:)',
        'app.l5 = "s"',
        '  from --set app.l5=s',
        '  overrode "c" from cli/c.toml:2:6',
        '  overrode "b" from bind/b.json:1:30',
        '  overrode "f" from config/f.yaml:4:5',
        '  overrode "d" from flow.yaml:1:34 (default:)',
        '',
      ].join('\n'),
    );
    const again = layered();
    expect(explainConfig({ resolved: again.resolved!, relativize: again.rel })).toBe(text);
  });

  it('--config files apply in CLI order, after the flow files', () => {
    const r = runApp(
      { 'a.yaml': 'x: a\ny: a\n', 'v1.yaml': 'x: v1\n', 'v2.yaml': 'x: v2\ny: v2\n' },
      { files: ['a.yaml'] },
      { cliConfigs: [{ name: 'app', file: 'v2.yaml', arg: 'app=v2.yaml' }, { name: 'app', file: 'v1.yaml', arg: 'app=v1.yaml' }] },
    );
    expect(r.resolved?.values.app).toEqual({ x: 'v1', y: 'v2' });
  });

  it('flow files merge in order, maps deeply', () => {
    const r = runApp({ 'a.yaml': 'm: {a: 1, b: 1}\nl: [1, 2]\n', 'b.toml': 'l = [3]\n[m]\nb = 2\nc = 2\n' }, { files: ['a.yaml', 'b.toml'] });
    expect(JSON.stringify(r.resolved?.values.app)).toBe('{"m":{"a":1,"b":2,"c":2},"l":[3]}');
  });

  it('resolves several configs independently, in declaration order', () => {
    const root = tmpTree({ 'a.yaml': 'x: 1\n', 'i.json': '{"ns": "prod", "x": "${env:X,none}"}' });
    const r = run(root, [decl(root, { name: 'app', files: ['a.yaml'] }), decl(root, { name: 'infra', files: ['i.json'] })], { sets: ['infra.ns=dev'] });
    expect(r.resolved?.values).toEqual({ app: { x: 1 }, infra: { ns: 'dev', x: 'none' } });
    expect(Object.keys(r.resolved?.provenance ?? {})).toEqual(['app', 'infra']);
  });

  it('a config with no layers at all is an empty map', () => {
    const r = runApp({}, {});
    expect(r.resolved?.values).toEqual({ app: {} });
    expect(explainConfig({ resolved: r.resolved!, relativize: r.rel })).toBe('app = {}\n');
  });
});

describe('extends', () => {
  it('applies extended files first, in list order, recursively, and drops the key', () => {
    const r = runApp(
      {
        'config/app.yaml': 'extends: [../shared/x.toml, y.json]\nown: 1\nwho: app\n',
        'shared/x.toml': 'extends = "deep/z.yaml"\nwho = "x"\nfrom_x = true\n',
        'shared/deep/z.yaml': 'who: z\nfrom_z: 1\n',
        'config/y.json': '{"who": "y", "from_y": [1]}',
      },
      { files: ['config/app.yaml'] },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved?.values.app).toEqual({ who: 'app', from_z: 1, from_x: true, from_y: [1], own: 1 });
    const who = r.resolved?.provenance.app?.find((l) => l.path === 'who');
    expect(who?.overrode.map((o) => formatOrigin(o.origin, r.rel))).toEqual(['config/y.json:1:9', 'shared/x.toml:2:7', 'shared/deep/z.yaml:1:6']);
  });

  it('a cycle is FLOWC402 at the extends that closes it, showing the chain', () => {
    const r = runApp({ 'a.yaml': 'extends: b.yaml\nx: 1\n', 'b.yaml': 'y: 1\nextends: [c.toml, a.yaml]\n', 'c.toml': 'z = 1\n' }, { files: ['a.yaml'] });
    expect(where(r)).toEqual(['FLOWC402 b.yaml:2:19']);
    expect(r.diagnostics[0]?.message).toBe('extends cycle: a.yaml -> b.yaml -> a.yaml');
    const self = runApp({ 's.yaml': 'extends: s.yaml\n' }, { files: ['s.yaml'] });
    expect(self.diagnostics.map((d) => d.message)).toEqual(['extends cycle: s.yaml -> s.yaml']);
  });

  it('extending the same file twice without a loop is fine', () => {
    const r = runApp({ 'a.yaml': 'extends: [b.yaml, c.yaml]\n', 'b.yaml': 'extends: base.yaml\nb: 1\n', 'c.yaml': 'extends: base.yaml\nc: 1\n', 'base.yaml': 'base: 1\n' }, { files: ['a.yaml'] });
    expect(r.resolved?.values.app).toEqual({ base: 1, b: 1, c: 1 });
  });

  it.each([
    ['extends: 5\n', 'FLOWC414 a.yaml:1:10'],
    ['extends: {x: 1}\n', 'FLOWC414 a.yaml:1:10'],
    ['extends: [b.yaml, 3]\n', 'FLOWC414 a.yaml:1:19'],
    ['extends: ""\n', 'FLOWC414 a.yaml:1:10'],
    ['extends: null\n', 'FLOWC414 a.yaml:1:10'],
  ])('a bad extends value is FLOWC414: %j', (text, expected) => {
    expect(where(runApp({ 'a.yaml': text, 'b.yaml': 'b: 1\n' }, { files: ['a.yaml'] }))).toEqual([expected]);
  });

  it('an extended file that does not exist is FLOWC401 at the extends value', () => {
    const r = runApp({ 'a.toml': 'extends = ["gone.yaml"]\n' }, { files: ['a.toml'] });
    expect(where(r)).toEqual(['FLOWC401 a.toml:1:12']);
    expect(r.diagnostics[0]?.message).toBe('cannot read config file "gone.yaml": no such file');
  });
});

describe('file problems', () => {
  it('a missing flow file is FLOWC401 where the flow names it; every file is checked', () => {
    const r = runApp({ 'ok.yaml': 'a: 1\n' }, { files: ['gone.yaml', 'ok.yaml', 'gone2.json'] });
    expect(where(r)).toEqual(['FLOWC401 flow.yaml:4:13', 'FLOWC401 flow.yaml:4:33']);
  });

  it('a file that is not a map at the top is FLOWC403', () => {
    expect(where(runApp({ 'a.yaml': '- 1\n- 2\n' }, { files: ['a.yaml'] }))).toEqual(['FLOWC403 a.yaml:1:1']);
    expect(where(runApp({ 'a.json': '"text"' }, { files: ['a.json'] }))).toEqual(['FLOWC403 a.json:1:1']);
    expect(where(runApp({}, { default: '[1]' }))).toEqual(['FLOWC403 flow.yaml:1:1']);
  });

  it('an empty YAML file is an empty config', () => {
    expect(runApp({ 'a.yaml': '# nothing yet\n' }, { files: ['a.yaml'] }).resolved?.values).toEqual({ app: {} });
  });

  it('syntax errors in config files surface with their codes', () => {
    expect(where(runApp({ 'a.yaml': 'a: [1\n', 'b.json': '{,}', 'c.toml': 'x = \n' }, { files: ['a.yaml', 'b.json', 'c.toml'] }))).toEqual([
      'FLOWC101 a.yaml:2:1',
      'FLOWC103 b.json:1:2',
      'FLOWC104 c.toml:1:3', // at the `=` with no value, not the next line (issue 16)
    ]);
    expect(where(runApp({ 'a.txt': 'x' }, { files: ['a.txt'] }))).toEqual(['FLOWC005 flow.yaml:4:13']);
  });

  it('--config and binding files naming an unknown config are FLOWC404 with a did-you-mean', () => {
    const r = runApp(
      { 'a.yaml': 'x: 1\n', 'v.yaml': 'x: 2\n' },
      { files: ['a.yaml'] },
      {
        cliConfigs: [{ name: 'ap', file: 'v.yaml', arg: 'ap=v.yaml' }],
        bindingFiles: [{ name: 'zzz', file: 'v.yaml', span: { file: '/p/flowc.yaml', line: 9, col: 5 } }],
      },
    );
    expect(r.diagnostics.map((d) => [d.code, d.message, d.span?.line ?? null, d.notes])).toEqual([
      ['FLOWC404', 'binding zzz: the flow declares no config named "zzz"', 9, ['declared configs: app']],
      ['FLOWC404', '--config ap=v.yaml: the flow declares no config named "ap"', null, ["did you mean 'app'?", 'declared configs: app']],
    ]);
  });

  it('a --config file that cannot be read is FLOWC401', () => {
    const r = runApp({ 'a.yaml': 'x: 1\n' }, { files: ['a.yaml'] }, { cliConfigs: [{ name: 'app', file: 'nope.yaml', arg: 'app=nope.yaml' }] });
    expect(where(r)).toEqual(['FLOWC401 -']);
  });

  it('a config that failed to load skips its overrides and interpolation (no echo errors)', () => {
    const r = runApp({}, { files: ['gone.yaml'] }, { sets: ['app.x=1'] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC401']);
  });
});

describe('hash, lockfile provenance and origins', () => {
  it('configHash is sha256 of canonical JSON: key order does not matter, values do', () => {
    const a = configHash({ app: { b: 1, a: [1, { y: 2, x: 1 }] } });
    expect(a).toBe(configHash({ app: { a: [1, { x: 1, y: 2 }], b: 1 } }));
    expect(a).toBe(createHash('sha256').update('{"app":{"a":[1,{"x":1,"y":2}],"b":1}}').digest('hex'));
    expect(a).not.toBe(configHash({ app: { b: 2, a: [1, { y: 2, x: 1 }] } }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lockProvenance holds relative paths only, in a fixed shape', () => {
    const r = runApp(
      { 'config/a.yaml': 'x: 1\ny: ${env:Y}\nz: ${env:Z,dz}\n', 's.json': '{"properties": {"w": {"default": 0}}}' },
      { files: ['config/a.yaml'], default: '{x: 0}', schema: 's.json' },
      { sets: ['app.x=2'], env: { Y: 'why' } },
    );
    const lock = lockProvenance({ resolved: r.resolved!, relativize: r.rel });
    expect(lock).toEqual({
      app: [
        { path: 'w', value: 0, origin: { kind: 'schema-default', schema: 's.json', pointer: '/properties/w/default' } },
        {
          path: 'x',
          value: 2,
          origin: { kind: 'set', arg: 'app.x=2' },
          overrode: [
            { value: 1, origin: { kind: 'file', file: 'config/a.yaml', line: 1, col: 4 } },
            { value: 0, origin: { kind: 'inline-default', file: 'flow.yaml', line: 1, col: 5 } },
          ],
        },
        {
          path: 'y',
          value: 'why',
          origin: { kind: 'file', file: 'config/a.yaml', line: 2, col: 4 },
          interpolated: { template: '${env:Y}', sources: [{ ref: 'env:Y', origin: { kind: 'env', name: 'Y' } }] },
        },
        {
          path: 'z',
          value: 'dz',
          origin: { kind: 'file', file: 'config/a.yaml', line: 3, col: 4 },
          interpolated: { template: '${env:Z,dz}', sources: [{ ref: 'env:Z,dz', defaulted: true }] },
        },
      ],
    });
    expect(JSON.stringify(lock)).not.toContain(r.root);
  });

  it('formatOrigin names every kind of origin', () => {
    const rel = (p: string) => p.replace('/p/', '');
    const span = { file: '/p/config/base.toml', line: 12, col: 7 };
    expect(formatOrigin({ kind: 'file', span }, rel)).toBe('config/base.toml:12:7');
    expect(formatOrigin({ kind: 'inline-default', span: { file: '/p/flow.yaml', line: 5, col: 3 } }, rel)).toBe('flow.yaml:5:3 (default:)');
    expect(formatOrigin({ kind: 'set', arg: 'app.train.cpu=8', index: 0 }, rel)).toBe('--set app.train.cpu=8');
    expect(formatOrigin({ kind: 'env', name: 'HOME' }, rel)).toBe('env HOME');
    expect(formatOrigin({ kind: 'schema-default', pointer: '/properties/x/default', schema: '/p/app.schema.json' }, rel)).toBe(
      'schema default (app.schema.json#/properties/x/default)',
    );
  });

  it('explains interpolated values with what they read', () => {
    const r = runApp({ 'a.yaml': 'cpu: 8\nmsg: "n=${cpu} ${env:U,anon}"\n' }, { files: ['a.yaml'] });
    expect(explainConfig({ resolved: r.resolved!, relativize: r.rel })).toBe(
      [
        'app.cpu = 8',
        '  from a.yaml:1:6',
        'app.msg = "n=8 anon"',
        '  from a.yaml:2:6 (interpolated "n=${cpu} ${env:U,anon}")',
        '  using ${cpu} from a.yaml:1:6',
        '  using the default of ${env:U,anon} (the variable is not set)',
        '',
      ].join('\n'),
    );
  });

  it('provenance is sorted by path with list indexes in numeric order', () => {
    const r = runApp({ 'a.yaml': `b: 1\na: [${Array.from({ length: 12 }, (_, i) => i).join(', ')}]\n"x.y": 1\n` }, { files: ['a.yaml'] });
    const paths = r.resolved?.provenance.app?.map((l) => l.path);
    expect(paths?.slice(0, 3)).toEqual(['a[0]', 'a[1]', 'a[2]']);
    expect(paths?.slice(10)).toEqual(['a[10]', 'a[11]', 'b', '"x.y"']);
  });

  it('values keep the cascade order of keys', () => {
    const root = tmpTree({ 'a.yaml': 'z: 1\na: 1\n' });
    const r = run(root, [decl(root, { files: ['a.yaml'] })], { sets: ['+app.m=1'] });
    expect(Object.keys(r.resolved?.values.app as object)).toEqual(['z', 'a', 'm']);
  });
});
