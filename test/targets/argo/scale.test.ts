import fc from 'fast-check';
import { paramExpression } from '../../../src/targets/argo/render-string.js';
import { describe, expect, test } from 'vitest';
import { shellScript } from '../../../src/ir/shell.js';
import type { IR, IRStep, IRString } from '../../../src/ir/types.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { buildWithinSize } from '../../../src/targets/argo/build.js';
import { assignTaskNames } from '../../../src/targets/argo/checks.js';
import { ARGO_LIMITS } from '../../../src/targets/argo/limits.js';
import { objectMeta } from '../../../src/targets/argo/metadata.js';
import { workflowName } from '../../../src/targets/argo/names.js';
import { readArgoOptions } from '../../../src/targets/argo/options.js';
import { configEnvFits } from '../../../src/targets/argo/process-limits.js';
import { compileArgo, dagGraph, flow, irGraph, lit, step, validateArgo } from './helpers.js';
import { expectedContainers, simulate } from './argo-sim.js';

/** A generated flow of `n` steps: each needs up to two earlier steps; a few foreach steps. */
function bigFlow(n: number, seed: number, shapes = 3): IRStep[] {
  let x = seed;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  return Array.from({ length: n }, (_, i) => {
    const needs = i === 0 ? [] : [...new Set([`s_${rand(i)}`, ...(rand(3) === 0 ? [`s_${rand(i)}`] : [])])];
    const foreach = i % 97 === 3 ? { items: ['a', '{{b}}', 'c$'], from: null, parallelism: rand(2) === 0 ? null : 2 } : null;
    const argv = [lit('python'), lit(`step_${i}.py`), lit('--tag={{x}} $(y)')];
    if (foreach) argv.push([{ kind: 'item', path: [] }]);
    return step(`s_${i}`, {
      needs,
      foreach,
      exec: { kind: 'command', argv },
      resources: { cpuMillis: 1000 * (1 + (i % shapes)), memoryMiB: 1024, gpu: 0 },
    });
  });
}

/** The flow built as one WorkflowTemplate, as `flowc` did before partitioning (build.ts). */
function wholeBuild(ir: IR): { text: Record<string, unknown> | null; diagnostics: DiagnosticBag } {
  const options = readArgoOptions(ir.targets.argo);
  const name = workflowName(ir.flow.name, ARGO_LIMITS.workflowName);
  const built = buildWithinSize({ ir, name, taskNames: assignTaskNames(ir, new DiagnosticBag()), meta: objectMeta({ ir, name, options }), options }, configEnvFits(ir));
  return { text: built.template, diagnostics: built.diagnostics };
}

/** The flow compiles as a workflow of workflows because of `why`, every document valid. */
function expectPartitioned(ir: IR, why: string): void {
  const { text, diagnostics } = compileArgo(ir);
  expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC680']);
  expect(diagnostics.items[0]?.notes?.[0]).toBe(`why: ${why}`);
  const docs = validateArgo(text as string);
  expect(docs.length).toBeGreaterThan(2);
  for (const wt of docs) limitsHold(wt);
}

/**
 * The flow's steps share one large env value: one WorkflowTemplate with shared step templates,
 * which hold it once, fits, so no partitioning and no warning.
 */
function expectSharedWhole(ir: IR): void {
  const { text, diagnostics } = compileArgo(ir);
  expect(diagnostics.items).toEqual([]);
  const docs = validateArgo(text as string);
  expect(docs).toHaveLength(1);
  const containers = (docs[0] as any).spec.templates.filter((t: any) => t.container);
  expect(containers).toHaveLength(1);
  expect(containers[0].name).toBe('shared-1');
  const run = { workflowName: 'demo-3', params: {} };
  expect(simulate(docs[0] as any, run)).toEqual(expectedContainers(ir, run));
}

function limitsHold(wt: Record<string, any>): void {
  expect(wt.spec.templates.length).toBeLessThanOrEqual(200);
  for (const t of wt.spec.templates) if (t.dag) expect(t.dag.tasks.length).toBeLessThanOrEqual(200);
}

describe('argo target at scale', () => {
  test('a 1,000-step flow fits: shared templates, nested DAGs, every need respected', () => {
    const ir = flow(bigFlow(1000, 7));
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC610']);
    expect(diagnostics.items[0]?.message).toMatch(/split it into 5 nested DAGs; every need is respected, but \d+ step\(s\) may start late/);
    const [wt] = validateArgo(text as string);
    limitsHold(wt as any);
    const dag = dagGraph(wt as any);
    const g = irGraph(ir);
    expect([...dag.leaves].sort()).toEqual([...g.leaves].sort());
    for (const e of g.edges) {
      const [a, b] = e.split('->') as [string, string];
      expect(dag.implied(a, b), `edge ${e}`).toBe(true);
    }
    const run = { workflowName: 'demo-1', params: {} };
    expect(simulate(wt as any, run)).toEqual(expectedContainers(ir, run));
  });

  test('property: random large flows validate and respect every need', () => {
    fc.assert(
      fc.property(fc.integer({ min: 150, max: 700 }), fc.integer({ min: 1, max: 1_000_000 }), (n, seed) => {
        const ir = flow(bigFlow(n, seed));
        const { text } = compileArgo(ir);
        const [wt] = validateArgo(text as string);
        limitsHold(wt as any);
        const dag = dagGraph(wt as any);
        const g = irGraph(ir);
        expect([...dag.leaves].sort()).toEqual([...g.leaves].sort());
        for (const e of g.edges) {
          const [a, b] = e.split('->') as [string, string];
          expect(dag.implied(a, b)).toBe(true);
        }
      }),
      { numRuns: 8 },
    );
  });

  test('a long chain nests without delaying anything, so no warning', () => {
    const steps = Array.from({ length: 450 }, (_, i) => step(`c${i}`, { needs: i ? [`c${i - 1}`] : [] }));
    const { text, diagnostics } = compileArgo(flow(steps));
    expect(diagnostics.items).toEqual([]);
    const [wt] = validateArgo(text as string);
    limitsHold(wt as any);
    expect((wt as any).spec.templates[0].dag.tasks.map((t: any) => t.name)).toEqual(['group-1', 'group-2', 'group-3']);
  });

  test('FLOWC610 counts exactly the steps the nesting delays', () => {
    const ir = flow(bigFlow(420, 11));
    const { text, diagnostics } = compileArgo(ir);
    const [wt] = validateArgo(text as string);
    const dag = dagGraph(wt as any);
    const g = irGraph(ir);
    // IR ancestors, from the flow's own edges.
    const parents = new Map<string, string[]>();
    for (const e of g.edges) {
      const [a, b] = e.split('->') as [string, string];
      parents.set(b, [...(parents.get(b) ?? []), a]);
    }
    const anc = new Map<string, Set<string>>();
    for (const leaf of g.leaves) {
      const set = new Set<string>();
      for (const p of parents.get(leaf) ?? []) {
        set.add(p);
        for (const x of anc.get(p) ?? []) set.add(x);
      }
      anc.set(leaf, set);
    }
    const delayed = g.leaves.filter((s) => g.leaves.some((t) => t !== s && !anc.get(s)?.has(t) && dag.implied(t, s)));
    expect(delayed.length).toBeGreaterThan(0);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC610']);
    expect(diagnostics.items[0]?.message).toContain(`but ${delayed.length} step(s) may start late`);
  });

  test('a flow that fits one template per step keeps them', () => {
    const ir = flow(bigFlow(150, 3));
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const containers = (wt as any).spec.templates.filter((t: any) => t.container);
    expect(containers).toHaveLength(150);
  });

  test('shared templates: run scripts stay literal, their values are env inputs', () => {
    // The same script for every step: `${step.name}` is `${FLOWC_STEP}`, so the text is shared.
    const script: IRString = [
      { kind: 'lit', value: 'run --date "' },
      { kind: 'param', name: 'date' },
      { kind: 'lit', value: '" --step ' },
      { kind: 'step', field: 'name' },
      { kind: 'lit', value: ' {{x}} $(y)' },
    ];
    const withItem: IRString = [...script, { kind: 'lit', value: ' "' }, { kind: 'item', path: [] }, { kind: 'lit', value: '"' }];
    const steps = Array.from({ length: 250 }, (_, i) => {
      const each = i % 50 === 7;
      const own: IRString = i % 2 ? script : [...script, { kind: 'lit', value: ` # ${i}` }];
      return step(`r_${i}`, {
        needs: i ? [`r_${i - 1}`] : [],
        exec: { kind: 'run', script: each ? withItem : own },
        foreach: each ? { items: ['a', '"; touch pwned; #'], from: null, parallelism: null } : null,
      });
    });
    const ir = flow(steps, { parameters: [{ name: 'date', type: 'string', required: true, origin: steps[0]?.origin as any }] });
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items).toEqual([]);
    const [wt] = validateArgo(text as string);
    limitsHold(wt as any);
    const shared = (wt as any).spec.templates.filter((t: any) => t.container);
    expect(shared.length).toBeLessThan(10);
    // Every shared template's script is literal text or an input that carries literal text.
    for (const t of shared) {
      expect(t.container.command).toEqual(['sh', '-c']);
      expect(t.container.args[0]).not.toContain('workflow.parameters');
      const env = new Map(t.container.env.map((e: any) => [e.name, e.value]));
      expect(env.get('FLOWC_PARAM_DATE')).toBe(paramExpression('date'));
    }
    // The odd steps' identical script stays in their template (encoded for Argo and the kubelet).
    expect(shared.some((t: any) => t.container.args[0].includes('run --date "${FLOWC_PARAM_DATE}" --step ${FLOWC_STEP} $(FLOWC_LBRACE){x}}'))).toBe(true);
    expect(shellScript(withItem).script).toBe('run --date "${FLOWC_PARAM_DATE}" --step ${FLOWC_STEP} {{x}} $(y) "${FLOWC_ITEM}"');
    const run = { workflowName: 'demo-2', params: { date: '"; touch pwned; #' } };
    expect(simulate(wt as any, run)).toEqual(expectedContainers(ir, run));
  });

  test('FLOWC603: too many distinct step shapes for one WorkflowTemplate, with the numbers; the flow then compiles in parts', () => {
    const ir = flow(bigFlow(400, 5, 250));
    const { text, diagnostics } = wholeBuild(ir);
    expect(text).toBeNull();
    expect(diagnostics.items).toHaveLength(1);
    expect(diagnostics.items[0]?.code).toBe('FLOWC603');
    // 1 entry + 2 nested DAGs + 5 foreach wrappers (those with parallelism) + 250 shapes.
    expect(diagnostics.items[0]?.message).toMatch(/needs (\d+) Argo templates.*allows 200 per workflow, (\d+) too many/);
    const [, total, over] = /needs (\d+) .* (\d+) too many/.exec(diagnostics.items[0]?.message ?? '') ?? [];
    expect(Number(total) - 200).toBe(Number(over));
    // Since issue 19 such a flow is a workflow of workflows (partition.test.ts covers the parts).
    expectPartitioned(ir, diagnostics.items[0]?.message as string);
  });
});

describe('argo target: object size', () => {
  test('FLOWC606: a large config is left out of FLOWC_CONFIG when it would not fit', () => {
    const big = 'x'.repeat(40_000);
    const ir = flow(Array.from({ length: 40 }, (_, i) => step(`s${i}`)), { config: { hash: 'h'.repeat(64), values: { app: { blob: big } } } });
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC606']);
    expect(diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, a run of the WorkflowTemplate \(.*\) is \d+ bytes, \d+ over the limit of 1048576 bytes on a run as the controller stores it \(MAX_WORKFLOW_SIZE, default\) .*; steps still get FLOWC_CONFIG_HASH$/);
    const [wt] = validateArgo(text as string);
    const names = (wt as any).spec.templates[1].container.env.map((e: any) => e.name);
    expect(names).toContain('FLOWC_CONFIG_HASH');
    expect(names).not.toContain('FLOWC_CONFIG');
  });

  test("FLOWC603: a template under Kubernetes' 1.5 MiB whose runs exceed the controller's 1 MiB MAX_WORKFLOW_SIZE; the flow then compiles with shared templates", () => {
    // About 1.1 MB of spec: a valid object, but every run stores it in status.storedWorkflowSpec.
    const ir = flow(Array.from({ length: 28 }, (_, i) => step(`s${i}`, { env: [{ name: 'BIG', value: lit('y'.repeat(40_000)) }] })));
    const { text, diagnostics } = wholeBuild(ir);
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC603']);
    expect(diagnostics.items[0]?.message).toMatch(
      /^a run of the WorkflowTemplate \(the template spec, which the controller copies into every run, plus 29 node statuses\) even without FLOWC_CONFIG is (\d+) bytes, (\d+) over the limit of 1048576 bytes on a run as the controller stores it \(MAX_WORKFLOW_SIZE, default\) \(https:\/\/argo-workflows\.readthedocs\.io\/en\/latest\/environment-variables\/\)$/,
    );
    const [, bytes, over] = /is (\d+) bytes, (\d+) over/.exec(diagnostics.items[0]?.message ?? '') ?? [];
    expect(Number(bytes) - 1_048_576).toBe(Number(over));
    expectSharedWhole(ir);
  });

  test('FLOWC606: FLOWC_CONFIG is left out when runs would exceed MAX_WORKFLOW_SIZE with it', () => {
    const ir = flow(Array.from({ length: 28 }, (_, i) => step(`s${i}`)), { config: { hash: 'h'.repeat(64), values: { app: { blob: 'x'.repeat(40_000) } } } });
    const { diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC606']);
    expect(diagnostics.items[0]?.message).toContain('over the limit of 1048576 bytes on a run as the controller stores it (MAX_WORKFLOW_SIZE, default)');
  });

  test('node statuses count: a foreach run of 10,000 retried items is refused, 5,000 plain items fit', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => `i${i}`);
    const retried = flow([step('each', { foreach: { items, from: null, parallelism: null }, retry: { limit: 1, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } })]);
    const big = compileArgo(retried);
    expect(big.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC603']);
    // Entry DAG, the task group, and a retry node plus a pod per item.
    expect(big.diagnostics.items[0]?.message).toContain('plus 20002 node statuses');
    const plain = compileArgo(flow([step('each', { foreach: { items: items.slice(0, 5000), from: null, parallelism: null } })]));
    expect(plain.diagnostics.items).toEqual([]);
  });

  test('FLOWC603: a WorkflowTemplate over the object size even without FLOWC_CONFIG; the flow then compiles with shared templates, or in parts', () => {
    const ir = flow(Array.from({ length: 40 }, (_, i) => step(`s${i}`, { env: [{ name: 'BIG', value: lit('y'.repeat(40_000)) }] })));
    const { text, diagnostics } = wholeBuild(ir);
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC603']);
    expect(diagnostics.items[0]?.message).toMatch(/^a run of the WorkflowTemplate \(.*\) even without FLOWC_CONFIG is \d+ bytes, \d+ over the limit of 1048576 bytes on a run as the controller stores it/);
    expectSharedWhole(ir);
    // With a different value in every step nothing is shared: the flow compiles in parts.
    const distinct = flow(Array.from({ length: 40 }, (_, i) => step(`s${i}`, { env: [{ name: 'BIG', value: lit(`${i}`.padEnd(40_000, 'y')) }] })));
    const whole = wholeBuild(distinct);
    expect(whole.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC603']);
    expectPartitioned(distinct, whole.diagnostics.items[0]?.message as string);
  });
});
