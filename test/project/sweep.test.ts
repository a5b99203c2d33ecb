import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { expandSweeps, MAX_VARIANTS, parseSweep, variantName, type SweepAxis } from '../../src/project/sweep.js';

function parse(arg: string) {
  const diagnostics = new DiagnosticBag();
  const axis = parseSweep(arg, diagnostics);
  return { axis, diagnostics: diagnostics.items };
}

describe('the sweep grammar (Hydra multirun)', () => {
  it('splits a comma list, keeping quoted commas and brackets together', () => {
    expect(parse('app.lr=0.1,0.01').axis).toEqual({ arg: 'app.lr=0.1,0.01', prefix: '', key: 'app.lr', values: ['0.1', '0.01'] });
    expect(parse("app.name='a,b',c").axis?.values).toEqual(["'a,b'", 'c']);
    expect(parse('app.regions=[us,eu],[apac]').axis?.values).toEqual(['[us,eu]', '[apac]']);
    expect(parse('app.m={a: 1, b: 2},x').axis?.values).toEqual(['{a: 1, b: 2}', 'x']);
    expect(parse('++app.new=1,2').axis).toMatchObject({ prefix: '++', key: 'app.new' });
    expect(parse('+app.new=1').axis).toMatchObject({ prefix: '+', values: ['1'] });
    expect(parse('app.model=choice(xgb, lgbm)').axis?.values).toEqual(['xgb', 'lgbm']);
  });

  it('expands range(start,stop,step) with stop excluded, floats without drift, and counting down', () => {
    expect(parse('app.e=range(1,4)').axis?.values).toEqual(['1', '2', '3']);
    expect(parse('app.e=range(3)').axis?.values).toEqual(['0', '1', '2']);
    expect(parse('app.e=range(0,10,3)').axis?.values).toEqual(['0', '3', '6', '9']);
    expect(parse('app.lr=range(0,1,0.1)').axis?.values).toEqual(['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(parse('app.e=range(5,0,-2)').axis?.values).toEqual(['5', '3', '1']);
  });

  it('reports malformed sweeps with FLOWC720', () => {
    for (const bad of ['app.lr', '~app.lr=1', 'app.lr=1,,2', 'app.lr=', '1bad=2', 'app.lr=a,']) {
      const r = parse(bad);
      expect(r.axis, bad).toBeUndefined();
      expect(r.diagnostics.map((d) => d.code), bad).toEqual(['FLOWC720']);
      expect(r.diagnostics[0]?.message).toContain(`--sweep ${bad}`);
    }
  });

  it('reports bad ranges with FLOWC721 and huge ones with FLOWC723', () => {
    for (const bad of ['app.e=range(0,5,0)', 'app.e=range(5,1)', 'app.e=range(a,3)', 'app.e=range()', 'app.e=range(1,2,3,4)']) {
      expect(parse(bad).diagnostics.map((d) => d.code), bad).toEqual(['FLOWC721']);
    }
    expect(parse(`app.e=range(0,${MAX_VARIANTS + 1})`).diagnostics.map((d) => d.code)).toEqual(['FLOWC723']);
  });

  it('takes the cartesian product, first axis slowest', () => {
    const axes = ['app.lr=0.1,0.01', 'app.model=xgb,lgbm,rf'].map((a) => parse(a).axis as SweepAxis);
    const variants = expandSweeps(axes, new DiagnosticBag());
    expect(variants).toEqual([
      ['app.lr=0.1', 'app.model=xgb'],
      ['app.lr=0.1', 'app.model=lgbm'],
      ['app.lr=0.1', 'app.model=rf'],
      ['app.lr=0.01', 'app.model=xgb'],
      ['app.lr=0.01', 'app.model=lgbm'],
      ['app.lr=0.01', 'app.model=rf'],
    ]);
  });

  it('rejects a key swept twice (FLOWC722) and a product over the limit (FLOWC723)', () => {
    const d1 = new DiagnosticBag();
    expect(expandSweeps(['app.lr=1,2', 'app.lr=3'].map((a) => parse(a).axis as SweepAxis), d1)).toBeUndefined();
    expect(d1.items.map((d) => d.code)).toEqual(['FLOWC722']);
    const d2 = new DiagnosticBag();
    const big = ['app.a=range(0,200)', 'app.b=range(0,100)'].map((a) => parse(a).axis as SweepAxis);
    expect(expandSweeps(big, d2)).toBeUndefined();
    expect(d2.items.map((d) => d.code)).toEqual(['FLOWC723']);
    expect(d2.items[0]?.message).toContain('200 x 100');
  });
});

describe('variant names', () => {
  it('are readable, stable and depend only on the variant\'s own overrides', () => {
    const name = variantName('content-model', ['app.lr=0.1', 'app.model=xgb']);
    expect(name).toMatch(/^content-model-0-1-xgb-[0-9a-f]{8}$/);
    expect(variantName('content-model', ['app.lr=0.1', 'app.model=xgb'])).toBe(name);
    // Values that read alike once made name-safe still get different names.
    expect(variantName('content-model', ['app.lr=0-1', 'app.model=xgb'])).not.toBe(name);
  });

  it('are always valid flow names of at most 52 characters', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,51}$/), fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (flow, values) => {
        const name = variantName(flow, values.map((v, i) => `app.k${i}=${v}`));
        expect(name).toMatch(/^[a-z][a-z0-9-]{0,51}$/);
      }),
    );
  });
});

describe('sweep expansion, for any axes', () => {
  it('gives product-many variants, each setting every key once, with distinct names', () => {
    const axisArb = fc.uniqueArray(fc.stringMatching(/^[a-z0-9.]{1,6}$/), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(axisArb, { minLength: 1, maxLength: 3 }), (valueLists) => {
        const axes = valueLists.map((values, i) => parse(`app.k${i}=${values.join(',')}`).axis as SweepAxis);
        const variants = expandSweeps(axes, new DiagnosticBag()) as string[][];
        expect(variants).toHaveLength(valueLists.reduce((n, v) => n * v.length, 1));
        for (const v of variants) expect(v.map((o) => o.slice(0, o.indexOf('=')))).toEqual(valueLists.map((_, i) => `app.k${i}`));
        expect(new Set(variants.map((v) => variantName('flow', v))).size).toBe(variants.length);
      }),
    );
  });
});
