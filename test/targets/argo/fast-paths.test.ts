import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { itemValueAt, valueText } from '../../../src/ir/items.js';
import { partitionFlow } from '../../../src/ir/partition.js';
import type { IR, IRPart, IRString } from '../../../src/ir/types.js';
import { canonicalJson } from '../../../src/source/canonical-json.js';
import type { Json } from '../../../src/source/tree.js';
import { assignTaskNames } from '../../../src/targets/argo/checks.js';
import { FieldsMemo } from '../../../src/targets/argo/fields-memo.js';
import { readArgoOptions } from '../../../src/targets/argo/options.js';
import { goJsonBytes } from '../../../src/targets/argo/process-limits.js';
import { renderArgoString } from '../../../src/targets/argo/render-string.js';
import { argBytesBound, argsJsonBound, envBytesBound, itemTextLengths, type TextContext } from '../../../src/targets/argo/size-bounds.js';
import { type StepFields, stepFields } from '../../../src/targets/argo/step-fields.js';
import { shapeKey } from '../../../src/targets/argo/step-templates.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { fixtureIR, validFixtures } from '../../helpers/fixtures.js';

/**
 * The argo target's fast paths (issue 19, speed) against the slow computations they replace: each
 * test fails when its fast path is broken (checked by hand once: a bound made smaller, a UTF-8
 * width miscounted, a shape component left out of the key, FLOWC_CONFIG put elsewhere).
 */

/** Text that stresses every width and escape: Go's HTML-safe escapes, \u2028, controls, surrogate pairs, `{` and `$`. */
const hostileText = fc
  .array(fc.constantFrom('a', ' ', '{', '{{', '$', '$(', '$$', '(', '<', '>', '&', '"', '\\', '\n', '\u0001', '\u2028', '\u2029', 'é', '✓', '😀', '\ud800', '\udc00', 'x'.repeat(20)), {
    maxLength: 12,
  })
  .map((a) => a.join(''));

describe('goJsonBytes (one pass over UTF-16 units)', () => {
  /** The measure it replaces: UTF-8 bytes of JSON.stringify plus Go's extra escape bytes. */
  const slow = (value: unknown): number => {
    const text = JSON.stringify(value);
    let extra = 0;
    for (const c of text) {
      if (c === '<' || c === '>' || c === '&') extra += 5;
      else if (c === '\u2028' || c === '\u2029') extra += 3;
    }
    return Buffer.byteLength(text, 'utf8') + extra;
  };

  test('equals the two-pass measure on any text, including lone surrogates and nested values', () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), hostileText, fc.array(hostileText), fc.dictionary(hostileText, fc.array(fc.string({ unit: 'binary' }))));
    fc.assert(fc.property(value, (v) => goJsonBytes(v) === slow(v)), { numRuns: 500 });
  });

  test.each([
    ['<a&b>', 22],
    ['\u2028', 8],
    ['é😀', 8],
  ])('%j is %i bytes as Go writes it', (text, bytes) => {
    expect(goJsonBytes(text)).toBe(bytes);
  });
});

describe('size bounds (size-bounds.ts) are never below the exact measures of process-limits.ts', () => {
  const part: fc.Arbitrary<IRPart> = fc.oneof(
    hostileText.map((value): IRPart => ({ kind: 'lit', value })),
    fc.constantFrom<IRPart>(
      { kind: 'param', name: 'date' },
      { kind: 'param', name: 'a-b.c' },
      { kind: 'item', path: [] },
      { kind: 'item', path: ['k'] },
      { kind: 'run', field: 'id' },
      { kind: 'flow', field: 'name' },
      { kind: 'step', field: 'name' },
      { kind: 'output', step: 'prep', output: 'files' },
    ),
  );
  const irString = fc.array(part, { maxLength: 6 });
  const items = fc.array(fc.oneof(hostileText, fc.record({ k: hostileText }), fc.integer()) as fc.Arbitrary<Json>, { minLength: 1, maxLength: 3 });
  const context = (itemList: Json[]): TextContext => ({ flowName: 'flow{$<', stepId: 'step-1', itemLength: itemTextLengths(itemList) });
  const outputVar = () => 'FLOWC_STEPS_PREP_FILES';

  /** process-limits.ts `decoded`: what the process receives, run-time values empty. */
  const decoded = (s: IRString, c: TextContext, item: Json): string =>
    s.map((p) => (p.kind === 'lit' ? p.value : p.kind === 'flow' ? c.flowName : p.kind === 'step' ? c.stepId : p.kind === 'item' ? valueText(itemValueAt(item, p.path)) : '')).join('');

  /** process-limits.ts `checkArgsOffload`: the args rendered for the pod, as Go's JSON. */
  const argsJson = (args: IRString[], c: TextContext, item: Json): number =>
    goJsonBytes(
      args.map((s) =>
        renderArgoString(
          s.map((p) => (p.kind === 'item' ? { kind: 'lit', value: valueText(itemValueAt(item, p.path)) } : p.kind === 'run' ? { kind: 'lit', value: '' } : p)),
          { flowName: c.flowName, stepId: c.stepId, tags: { item: () => 'item', output: outputVar } },
        ),
      ),
    );

  test('one argument and one NAME=value string', () => {
    fc.assert(
      fc.property(irString, items, (s, itemList) => {
        const c = context(itemList);
        for (const item of itemList) {
          const text = decoded(s, c, item);
          expect(argBytesBound(s, c)).toBeGreaterThanOrEqual(Buffer.byteLength(text) + 1);
          expect(envBytesBound('NAME_é', s, c)).toBeGreaterThanOrEqual(Buffer.byteLength(`NAME_é=${text}`) + 1);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("the args' JSON", () => {
    fc.assert(
      fc.property(fc.array(irString, { minLength: 1, maxLength: 4 }), items, (args, itemList) => {
        const c = context(itemList);
        for (const item of itemList) expect(argsJsonBound(args, c, outputVar)).toBeGreaterThanOrEqual(argsJson(args, c, item));
      }),
      { numRuns: 500 },
    );
  });

  test('an output without a variable has no bound, so the exact path reports it', () => {
    expect(argsJsonBound([[{ kind: 'output', step: 'x', output: 'y' }]], context(['a']), () => undefined)).toBe(Infinity);
  });
});

describe('shape keys (step-templates.ts) group steps exactly as the canonical JSON of the shape did', () => {
  /** The shape steps sharing a template agree on, as it was keyed before. */
  const slowKey = (f: StepFields, lbrace: boolean): string =>
    canonicalJson({
      commandLength: f.commandLength,
      argv: f.argv.length,
      env: f.env.map((e) => e.name),
      lbrace,
      resources: { ...f.step.resources },
      retry: f.step.retry ? { ...f.step.retry } : null,
      timeout: f.step.timeoutSeconds,
      secrets: f.secrets as unknown as Json,
      placement: f.placement as unknown as Json,
    });

  /** Few values per component, so two steps often agree on all but one. */
  const choices = {
    commandLength: [1, 2],
    argv: [1, 2, 3],
    env: [['FLOWC_FLOW'], ['FLOWC_FLOW', 'A'], ['A', 'FLOWC_FLOW']],
    cpu: [500, 1000],
    gpu: [0, 1],
    retry: [null, { limit: 1, delaySeconds: 2, backoff: 1, maxDelaySeconds: null }, { backoff: 1, limit: 1, delaySeconds: 2, maxDelaySeconds: null }, { limit: 2, delaySeconds: 2, backoff: 1, maxDelaySeconds: null }],
    timeout: [null, 60],
    secrets: [[], [{ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]],
    template: [{}, { nodeSelector: { a: '1', b: '2' } }, { nodeSelector: { b: '2', a: '1' } }, { priorityClassName: 'high' }],
    ephemeral: [null, '1Gi'],
    shm: [null, '64Mi'],
    cpuFirst: [true, false],
  };
  type Pick = { [K in keyof typeof choices]: number };
  const keys = Object.keys(choices) as (keyof typeof choices)[];
  const pickArb: fc.Arbitrary<Pick> = fc.record(Object.fromEntries(keys.map((k) => [k, fc.nat(choices[k].length - 1)])) as { [K in keyof Pick]: fc.Arbitrary<number> });
  const fieldsOf = (pick: Pick): StepFields => {
    const r = Object.fromEntries(keys.map((k) => [k, choices[k][pick[k]]])) as any;
    return {
      commandLength: r.commandLength,
      argv: Array.from({ length: r.argv }, () => []),
      env: r.env.map((name: string) => ({ name, value: [] })),
      secrets: r.secrets,
      placement: { template: r.template, ephemeralStorage: r.ephemeral, shmSize: r.shm },
      step: {
        // Key order differs between steps only where the IR does not fix it.
        resources: r.cpuFirst ? { cpuMillis: r.cpu, memoryMiB: 1024, gpu: r.gpu } : { gpu: r.gpu, memoryMiB: 1024, cpuMillis: r.cpu },
        retry: r.retry,
        timeoutSeconds: r.timeout,
      },
    } as unknown as StepFields;
  };
  /** A step, and another that differs from it in at most one component. */
  const pair = fc.tuple(pickArb, fc.constantFrom(...keys), fc.nat(3)).map(([a, k, v]) => [a, { ...a, [k]: v % choices[k].length }] as const);

  test('two steps share a key exactly when they shared one before', () => {
    fc.assert(
      fc.property(pair, fc.boolean(), fc.boolean(), ([a, b], la, lb) => {
        const [fa, fb] = [fieldsOf(a), fieldsOf(b)];
        expect(shapeKey(fa, la) === shapeKey(fb, lb)).toBe(slowKey(fa, la) === slowKey(fb, lb));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('step fields computed once per compile (fields-memo.ts)', () => {
  /** Fields as data: an item plan's functions by their values on its paths; a part's cut needs left out where asked. */
  const plain = (f: StepFields, needs = true) => ({
    ...f,
    step: needs ? f.step : { ...f.step, needs: [] },
    items: f.items && { withItems: f.items.withItems, paths: f.items.paths, tags: f.items.paths.map((p) => f.items?.tag(p)), inputs: f.items.paths.map((p) => f.items?.inputName(p)) },
  });
  const strip = (f: StepFields) => plain(f, false);

  test('equal the fields computed alone, for every fixture step, with and without FLOWC_CONFIG', () => {
    for (const name of validFixtures()) {
      const ir = fixtureIR(name);
      const options = readArgoOptions(ir.targets.argo);
      const taskNames = assignTaskNames(ir, new DiagnosticBag());
      const memo = new FieldsMemo();
      for (const includeConfig of [true, false]) {
        for (const step of ir.steps) {
          const o = { ir, step, taskName: taskNames.get(step.id) as string, includeConfig, options };
          expect(plain(memo.of(o)), `${name}: ${step.id}`).toEqual(plain(stepFields(o)));
        }
      }
    }
  });

  test("equal a part's own fields, where its steps' needs may be cut (partition.ts builds parts from the flow's memo)", () => {
    for (const name of validFixtures()) {
      const ir: IR = fixtureIR(name);
      if (ir.steps.length < 2) continue;
      const options = readArgoOptions(ir.targets.argo);
      const taskNames = assignTaskNames(ir, new DiagnosticBag());
      const memo = new FieldsMemo();
      for (const step of ir.steps) memo.of({ ir, step, taskName: taskNames.get(step.id) as string, includeConfig: true, options });
      const partition = partitionFlow(ir, { maxSteps: 2, name: (i) => `${ir.flow.name}-part-${i + 1}` });
      for (const part of partition.parts) {
        const partIr: IR = { ...part.ir, flow: { ...part.ir.flow, name: ir.flow.name } };
        const partOptions = { ...options, ttlSecondsAfterFinished: undefined };
        for (const step of partIr.steps) {
          const o = { ir: partIr, step, taskName: taskNames.get(step.id) as string, includeConfig: true, options: partOptions };
          expect(strip(memo.of(o)), `${name}: ${step.id}`).toEqual(strip(stepFields(o)));
        }
      }
    }
  });
});

describe('a long literal alone is encoded once (render-string.ts)', () => {
  test('renders as the general path does, the first time and from the cache', () => {
    const opts = { flowName: 'f', stepId: 's', tags: { item: () => 'item' } };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{', '{{', '$', '$(', 'x', 'é'), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1024, max: 1100 }), (pieces, n) => {
        const text = pieces.join('').repeat(n).slice(0, n);
        const value: IRString = [{ kind: 'lit', value: text }];
        // Two parts take the general path, which merges them into the same literal.
        const general = renderArgoString([{ kind: 'lit', value: text }, { kind: 'lit', value: '' }], opts);
        expect(renderArgoString(value, opts)).toBe(general);
        expect(renderArgoString(value, opts)).toBe(general);
      }),
      { numRuns: 100 },
    );
  });
});
