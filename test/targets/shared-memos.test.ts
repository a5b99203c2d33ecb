import { describe, expect, it } from 'vitest';
import { stepEnv } from '../../src/ir/env.js';
import { canonicalJson } from '../../src/source/canonical-json.js';
import { argoDocumentViaYaml, ARGO_YAML_RULES } from '../../src/targets/argo/serialize.js';
import { gcwYamlRules, serializeYamlViaYaml } from '../../src/targets/gcp-workflows/serialize.js';
import { STEP_SUBWORKFLOW } from '../../src/targets/gcp-workflows/names.js';
import { gcpWorkflowsTarget } from '../../src/targets/gcp-workflows/index.js';
import { GHA_YAML_RULES, workflowViaYaml } from '../../src/targets/github-actions/serialize.js';
import { optionReader } from '../../src/targets/options.js';
import { ARGO_OPTIONS_SCHEMA } from '../../src/targets/argo/options.js';
import { GHA_OPTIONS_SCHEMA } from '../../src/targets/github-actions/options.js';
import { yamlComment } from '../../src/targets/yaml-text.js';
import { writeYaml } from '../../src/targets/yaml-write.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import type { Json } from '../../src/source/tree.js';
import { lit, makeIR, step } from '../helpers/ir-builders.js';
import { fixtureIR, validFixtures } from '../helpers/fixtures.js';
import { outputRefsIn, stepOutputRefs, stepShellScript } from '../../src/ir/shell.js';
import type { IR, IROutputRef, IRStep, IRString } from '../../src/ir/types.js';
import { outputRefs } from '../../src/targets/gcp-workflows/outputs.js';
import { lowerGraph, lowerIfExact } from '../../src/ir/lower-blocks.js';
import { exactLowering, loweredGraph } from '../../src/targets/lowered.js';

/**
 * What the targets keep from one compile to the next (issue 19, the per-compile cost of a build's
 * many variants): each memo against a fresh computation. Each test failed on a deliberately broken
 * memo once (checked by hand: a memo keyed on too little, a context left out of a cache key).
 */

describe('optionReader: options equal as JSON are read once, and read as a fresh reader reads them', () => {
  const cases: (Json | undefined)[] = [
    undefined,
    {},
    { runsOn: 'ubuntu-latest' },
    { runsOn: 'big-runner' },
    { runsOn: ['self-hosted', 'gpu'] },
    { runsOn: ['gpu', 'self-hosted'] },
    { concurrency: { group: 'g' } },
    { concurrency: { group: 'g', cancelInProgress: true } },
    { permissions: 'read-all', runsOn: 'x' },
    { runsOn: 'x', permissions: 'read-all' },
    null,
  ];

  it('github-actions options, each case after every other', () => {
    const shared = optionReader<unknown>(GHA_OPTIONS_SCHEMA);
    for (const first of cases) {
      for (const then of cases) {
        shared(first);
        expect(shared(then)).toEqual(optionReader<unknown>(GHA_OPTIONS_SCHEMA)(then));
        expect(JSON.stringify(shared(then))).toBe(JSON.stringify(optionReader<unknown>(GHA_OPTIONS_SCHEMA)(then)));
      }
    }
  });

  it('argo options: labels that differ in one value are different options', () => {
    const shared = optionReader<{ labels?: Record<string, string> }>(ARGO_OPTIONS_SCHEMA);
    expect(shared({ labels: { team: 'a' } }).labels).toEqual({ team: 'a' });
    expect(shared({ labels: { team: 'b' } }).labels).toEqual({ team: 'b' });
    expect(shared({ labels: { team: 'a' } }).labels).toEqual({ team: 'a' });
  });

  it('what it shares cannot be changed by a reader, and the IR is left as it was', () => {
    const raw = { concurrency: { group: 'g' } };
    const read = optionReader<{ concurrency: { group: string } }>(GHA_OPTIONS_SCHEMA);
    const o = read(raw);
    expect(() => {
      o.concurrency.group = 'h';
    }).toThrow(TypeError);
    expect(read(raw).concurrency.group).toBe('g');
    expect(raw).toEqual({ concurrency: { group: 'g' } });
  });
});

describe('stepEnv: FLOWC_CONFIG is the canonical JSON of each IR\'s own config', () => {
  it('two IRs with different configs, asked in turn', () => {
    const a = makeIR([step('s')], { config: { hash: 'a', values: { app: { epochs: 1, z: 'x', a: [1] } } } });
    const b = makeIR([step('s')], { config: { hash: 'b', values: { app: { epochs: 2 } } } });
    for (const ir of [a, b, a, b]) {
      const env = stepEnv(ir, ir.steps[0] as (typeof ir.steps)[number]);
      expect(env.find((e) => e.name === 'FLOWC_CONFIG')?.value).toEqual(lit(canonicalJson(ir.config.values)));
    }
  });
});

describe('yaml-write: keys and values written once are written the same in every other context', () => {
  // Text whose writing depends on where it stands: flow context (`,` `[`), a document marker, a
  // line break (indentation), words YAML 1.1 reads as booleans, quotes, unsafe characters.
  const texts = ['plain', 'a, b', '[x]', '---x', '...', '%x', 'x\ny', 'line\n', 'yes', 'on', "it's", '"q"', '\'"both"\'', 'x\u2028y', 'tab\tx', '- a', 'a: b', '#c', ' lead', 'trail ', '0777', '1:20', '', '*'];
  /** Calls of flowc_step (flow maps in the compact layout) at several depths, the text a key and a value in each. */
  const calls = (s: string) => {
    let nested: Record<string, unknown> = { call: STEP_SUBWORKFLOW, [s]: s };
    for (let d = 0; d < 6; d++) nested = { call: STEP_SUBWORKFLOW, [s]: s, [`k${d}`]: { [s]: s, inner: nested } };
    return { c: nested };
  };
  /** Every text as a block value, a list item, a key, a flow list item and a flow map key and value, at several depths. */
  const doc = (order: string[]) => ({
    main: {
      steps: [
        ...order.map((s, i) => ({ [`b${i}`]: { assign: [{ x: s }, { [s]: s }], deep: { deeper: { v: s, [s]: [s], d3: { d4: { [s]: s, d5: { [s]: s } } } } }, cron: s, ...calls(s) } })),
        ...order.map((s, i) => ({ [`f${i}`]: { call: STEP_SUBWORKFLOW, args: { step: s, [s]: s }, commands: [s, s] } })),
        ...order.map((s, i) => ({ [`g${i}`]: { steps: [{ [`run_${i}`]: { call: STEP_SUBWORKFLOW, args: { step: s } } }] } })),
      ],
      runs: { 'runs-on': [...order], needs: [...order] },
    },
    // Keys at the root's indent, where a document marker is quoted.
    ...Object.fromEntries(order.map((s) => [s, s])),
  });
  const orders = [texts, [...texts].reverse(), texts.map((_, i) => texts[(i * 7) % texts.length] as string)];
  const header = ['Generated by a test', 'second line'];

  it('gcp-workflows rules, both layouts, in several orders', () => {
    for (const order of orders) {
      for (const layout of ['full', 'compact'] as const) {
        const d = doc(order);
        expect(writeYaml(d, gcwYamlRules(layout), yamlComment(header))).toBe(serializeYamlViaYaml(d, header, layout));
      }
    }
  });

  it('github-actions rules (flow lists, quoted crons, YAML 1.2)', () => {
    for (const order of orders) {
      const d = doc(order);
      expect(writeYaml(d, GHA_YAML_RULES, yamlComment(header))).toBe(workflowViaYaml(d, header));
    }
  });

  it('argo rules (flow padding, YAML 1.1)', () => {
    for (const order of orders) {
      const d = doc(order);
      expect(writeYaml(d, ARGO_YAML_RULES)).toBe(argoDocumentViaYaml(d));
    }
  });
});

describe('gcp-workflows: a flow of a few steps over the full layout\'s size is still written compact', () => {
  it('three steps with long commands', () => {
    const long = 'x'.repeat(30_000);
    const ir = makeIR(
      ['a', 'b', 'c'].map((id) => step(id, { exec: { kind: 'command', argv: [lit('echo'), lit(long)] } })),
      { targets: { 'gcp-workflows': { project: 'acme-ml', region: 'us-central1' } } },
    );
    const diagnostics = new DiagnosticBag();
    const [yaml] = gcpWorkflowsTarget.compile(ir, { diagnostics });
    expect(diagnostics.errors()).toEqual([]);
    // The compact layout writes each call of flowc_step on one flow-style line.
    expect(yaml?.contents).toMatch(/\{call: flowc_step, args: \{/);
  });
});

describe('gcp-workflows outputRefs: the outputs a step reads, from its exec and env alone', () => {
  /** What it was: every string of the step's whole environment (stepEnv with the script's variables) scanned. */
  const slow = (ir: IR, s: IRStep): IROutputRef[] => {
    const strings: IRString[] = s.exec.kind === 'run' ? [s.exec.script] : [...s.exec.argv];
    for (const v of stepEnv(ir, s, { scriptEnv: stepShellScript(s)?.env ?? [] })) strings.push(v.value);
    const out: IROutputRef[] = [];
    const add = (r: IROutputRef): void => {
      if (!out.some((o) => o.step === r.step && o.output === r.output)) out.push({ step: r.step, output: r.output });
    };
    for (const str of strings) for (const p of str) if (p.kind === 'output') add(p);
    if (s.foreach?.from) add(s.foreach.from);
    return out;
  };

  it('every step of every fixture, and steps reading outputs in a script, argv, env and foreach', () => {
    const out = (step: string, output: string) => ({ kind: 'output' as const, step, output });
    const made = makeIR([
      step('p'),
      step('q', { exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, out('p', 'b'), { kind: 'lit', value: ' ' }, out('p', 'a')] }, env: [{ name: 'Z', value: [out('p', 'c')] }, { name: 'A', value: [out('p', 'a')] }] }),
      step('r', { exec: { kind: 'command', argv: [lit('x'), [out('q', 'z')]] }, foreach: { items: [], from: { step: 'p', output: 'list' }, parallelism: null } }),
    ]);
    let reading = 0;
    for (const ir of [made, ...validFixtures().map((name) => fixtureIR(name))]) {
      for (const s of ir.steps) {
        const refs = outputRefs(ir, s);
        expect(refs).toEqual(slow(ir, s));
        if (refs.length > 0) reading++;
      }
    }
    expect(reading).toBeGreaterThan(3);
  });
});

describe('the lowering one IR shares between targets (src/targets/lowered.ts)', () => {
  const diamond = () =>
    makeIR([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b'] }), step('e', { needs: ['b', 'c'] })]);
  const irs = (): IR[] => [diamond(), makeIR([step('a'), step('b', { needs: ['a'] })]), ...validFixtures().map((name) => fixtureIR(name))];

  it('is lowerGraph\'s, asked either way first, for exact and inexact graphs', () => {
    let inexact = 0;
    for (const ir of irs()) {
      expect(loweredGraph(ir)).toEqual(lowerGraph(ir));
      expect(exactLowering(ir)).toEqual(lowerIfExact(ir));
      if (!lowerGraph(ir).exact) inexact++;
    }
    for (const ir of irs()) {
      expect(exactLowering(ir)).toEqual(lowerIfExact(ir));
      expect(loweredGraph(ir)).toEqual(lowerGraph(ir));
    }
    expect(inexact).toBeGreaterThan(0);
  });

  it('is the same object for the same IR, another for another IR, and frozen', () => {
    const a = diamond();
    const b = makeIR([step('x'), step('y', { needs: ['x'] })]);
    expect(loweredGraph(a)).toBe(loweredGraph(a));
    expect(loweredGraph(b)).toEqual(lowerGraph(b));
    expect(Object.isFrozen(loweredGraph(a).block)).toBe(true);
  });
});

describe('stepOutputRefs (src/ir/shell.ts): the outputs a step reads, in order, repeats kept', () => {
  /** What it was: the step's strings through outputRefsIn, then the dynamic foreach's source itself. */
  const slow = (s: IRStep) => {
    const strings = s.exec.kind === 'run' ? [s.exec.script] : s.exec.argv;
    return [...strings, ...s.env.map((e) => e.value)].flatMap(outputRefsIn).concat(s.foreach?.from ? [s.foreach.from] : []);
  };

  it('every fixture step and steps reading outputs everywhere; the foreach source is the same object', () => {
    const out = (step: string, output: string) => ({ kind: 'output' as const, step, output });
    const from = { step: 'p', output: 'list' };
    const steps = [
      step('q', { exec: { kind: 'run', script: [out('p', 'b'), { kind: 'lit', value: ' ' }, out('p', 'a'), out('p', 'b')] }, env: [{ name: 'Z', value: [out('p', 'c')] }] }),
      step('r', { exec: { kind: 'command', argv: [lit('x'), [out('q', 'z')], [out('q', 'y')]] }, env: [{ name: 'A', value: [out('q', 'z')] }], foreach: { items: [], from, parallelism: null } }),
      ...validFixtures().flatMap((name) => fixtureIR(name).steps),
    ];
    for (const s of steps) expect(stepOutputRefs(s)).toEqual(slow(s));
    expect(stepOutputRefs(steps[1] as IRStep).at(-1)).toBe(from);
  });
});
