import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileToIR } from '../../../src/pipeline/compile.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { toDnsLabel } from '../../../src/targets/argo/names.js';
import { parentTemplate, valueExpression } from '../../../src/targets/argo/parent.js';
import { objectMeta } from '../../../src/targets/argo/metadata.js';
import { readArgoOptions } from '../../../src/targets/argo/options.js';
import { toYamlStream } from '../../../src/targets/argo/serialize.js';
import { expectPartsCoverFlow, type RecoveredParts } from '../../helpers/partition-cover.js';
import { param } from '../../helpers/ir-builders.js';
import { expectedContainers, type SimContainer, sampleSecrets, substituteRun } from './argo-sim.js';
import { compileArgo, documents, flow, lit, step, validateArgo } from './helpers.js';
import { runParent } from './parent-sim.js';

// The benchmarks' generator (an untyped .mjs script), imported by URL so the type-check need not see it.
const { syntheticFlow } = (await import(pathToFileURL(join(import.meta.dirname, '../../../scripts/synthetic-flow.mjs')).href)) as { syntheticFlow: (n: number) => string };

/** The parts and the parent as the written file says (never the partitioner's own structures). */
function recoverParts(ir: IR, docs: Record<string, any>[]): RecoveredParts {
  const stepOf = new Map(ir.steps.map((s) => [toDnsLabel(s.id), s.id]));
  const wts = docs.filter((d) => d.kind === 'WorkflowTemplate');
  const parent = wts.at(-1) as Record<string, any>;
  const parentParameters = ((parent.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name as string);
  const runPart = (parent.spec.templates as any[]).find((t) => t.resource);
  // What the manifest passes, read from the manifest once Argo has filled it in.
  const scope = new Map<string, string>([['workflow.name', 'p'], ['inputs.parameters.part', 'x']]);
  for (const p of parentParameters) scope.set(`workflow.parameters.${p}`, 'v');
  const child = documents(substituteRun(runPart.resource.manifest, scope))[0] as Record<string, any>;
  const passed = ((child.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name as string);
  // Parent tasks (through nested groups) by the part they run.
  const partOfTask = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const t of parent.spec.templates as any[]) {
    for (const task of (t.dag?.tasks ?? []) as any[]) {
      const part = ((task.arguments?.parameters ?? []) as any[]).find((p) => p.name === 'part')?.value;
      if (part) partOfTask.set(task.name, part);
    }
  }
  const entry = (parent.spec.templates as any[]).find((t) => t.name === parent.spec.entrypoint);
  expect(entry.dag.tasks.every((t: any) => t.template === runPart.name)).toBe(true);
  for (const task of entry.dag.tasks as any[]) for (const d of (task.dependencies ?? []) as string[]) edges.push([partOfTask.get(d) as string, partOfTask.get(task.name) as string]);
  return {
    parts: wts.slice(0, -1).map((wt) => {
      // A part holds at most one DAG's worth of steps, so its entry DAG has a task per step (a
      // foreach with parallelism calls its wrapper DAG from its own task) and no nested groups.
      const tasks = (wt.spec.templates as any[]).find((t) => t.name === wt.spec.entrypoint).dag.tasks as any[];
      expect(tasks.filter((t) => !stepOf.has(t.name))).toEqual([]);
      return {
        name: wt.metadata.name,
        steps: tasks.map((t) => stepOf.get(t.name) as string),
        edges: tasks.flatMap((t) => ((t.dependencies ?? []) as string[]).map((d): [string, string] => [stepOf.get(d) as string, stepOf.get(t.name) as string])),
        parameters: ((wt.spec.arguments?.parameters ?? []) as any[]).map((p) => p.name as string),
        passed,
      };
    }),
    partEdges: edges,
    parentParameters,
  };
}

/** Every container of every child equals what the flow says, with that child's name as the run id. */
function expectRunMatchesFlow(ir: IR, docs: Record<string, any>[], run: { workflowName: string; params: Record<string, string>; secrets?: Record<string, string> }) {
  const children = runParent(docs, run);
  const got = new Map<string, SimContainer[]>();
  const want = new Map<string, SimContainer[]>();
  for (const c of children) {
    expect(c.name.startsWith(`${run.workflowName}-`)).toBe(true);
    const own = new Set([...c.containers.keys()]);
    const expected = expectedContainers({ ...ir, steps: ir.steps.filter((s) => own.has(toDnsLabel(s.id))) }, { workflowName: c.name, params: run.params, secrets: run.secrets });
    for (const [task, list] of c.containers) {
      got.set(task, list);
      want.set(task, expected.get(task) as SimContainer[]);
    }
  }
  expect(got.size).toBe(ir.steps.length);
  expect(got).toEqual(want);
  return children;
}

function partsWithinCaps(docs: Record<string, any>[]) {
  for (const wt of docs.filter((d) => d.kind === 'WorkflowTemplate')) {
    expect(wt.spec.templates.length).toBeLessThanOrEqual(200);
    for (const t of wt.spec.templates) if (t.dag) expect(t.dag.tasks.length).toBeLessThanOrEqual(200);
  }
}

describe('argo partitioning: a 10,000-step flow', () => {
  test('compiles as a parent and part WorkflowTemplates that together hold exactly the flow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-argo-part-'));
    writeFileSync(join(dir, 'flow.yaml'), syntheticFlow(10_000));
    const result = compileToIR({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {} });
    const ir = result.ir as IR;
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.errors()).toEqual([]);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC680']);
    const warning = diagnostics.items[0];
    expect(warning?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(warning?.message).toMatch(/^the flow is too large for one Argo run, so flowc compiled it as a workflow of workflows: the WorkflowTemplate 'synthetic-10000' runs (\d+) part WorkflowTemplates \('synthetic-10000-part-1' to 'synthetic-10000-part-\1', at most 200 steps each\) as child Workflows; (\d+) need\(s\) cross parts/);
    expect(warning?.notes?.[0]).toMatch(/^why: a run of the flow as one WorkflowTemplate would hold at least \d+ bytes .* over the limit of 1048576 bytes/);

    const docs = validateArgo(text as string);
    partsWithinCaps(docs);
    const got = recoverParts(ir, docs);
    expect(got.parts.length).toBeGreaterThanOrEqual(50);
    expect(new Set([...got.parts.map((p) => p.name), 'synthetic-10000']).size).toBe(got.parts.length + 1);
    expectPartsCoverFlow(ir, got, { exactInside: true });
    const parts = Number(/runs (\d+) part/.exec(warning?.message ?? '')?.[1]);
    expect(parts).toBe(got.parts.length);
    const crossing = ir.edges.filter(([a, b]) => got.parts.find((p) => p.steps.includes(a)) !== got.parts.find((p) => p.steps.includes(b))).length;
    expect(warning?.message).toContain(`; ${crossing} need(s) cross parts`);

    expectRunMatchesFlow(ir, docs, { workflowName: 'synthetic-10000-x7k2p', params: {} });
  }, 600_000);
});

/** 40 KB of env, different in every step (so shared step templates cannot hold it once). */
const big = (id: string, over: Partial<IRStep> = {}) => step(id, { env: [{ name: 'BIG', value: lit(id.padEnd(40_000, 'y')) }], ...over });

/** 40 steps of 40 KB of env each: no one run holds them (about 1.6 MB of spec). */
function forcedFlow(): IR {
  const steps: IRStep[] = [];
  for (let i = 0; i < 40; i++) {
    const needs = i === 0 ? [] : i % 7 === 0 ? [`s${i - 1}`, `s${Math.floor(i / 2)}`] : [`s${i - 1}`];
    steps.push(big(`s${i}`, { needs }));
  }
  const foreach = steps[20] as IRStep;
  foreach.foreach = { items: ['a', '{{workflow.name}}', '$(HOME)'], from: null, parallelism: 2 };
  foreach.exec = { kind: 'command', argv: [lit('echo'), [{ kind: 'item', path: [] }], [{ kind: 'param', name: 'note' }], [{ kind: 'run', field: 'id' }]] };
  const secret = steps[33] as IRStep;
  secret.secretEnv = [{ name: 'TOKEN', secret: 'tok', origin: { file: 'flow.yaml', line: 40, col: 5 } }];
  return flow(steps, {
    parameters: [param({ name: 'note', required: true }), param({ name: 'mode', default: 'fast', enum: ['fast', 'slow'] })],
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris', origin: { file: 'flow.yaml', line: 2, col: 1 } },
    secrets: [{ name: 'tok', locators: { argo: { name: 'api', key: 'token' } }, origin: { file: 'flow.yaml', line: 3, col: 1 } }],
    targets: { argo: { ttlSecondsAfterFinished: 600, serviceAccountName: 'flows' } },
  });
}

describe('argo partitioning: a small flow over the run size', () => {
  test('parameters, a foreach, a secret and the schedule survive; a hostile parameter value reaches the steps as it is', () => {
    const ir = forcedFlow();
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC680']);
    expect(diagnostics.items[0]?.notes?.[0]).toMatch(/^why: a run of the WorkflowTemplate \(.*\) even without FLOWC_CONFIG is \d+ bytes, \d+ over the limit of 1048576 bytes/);
    const docs = validateArgo(text as string);
    partsWithinCaps(docs);
    expect(docs.map((d) => d.kind)).toEqual([...docs.slice(0, -2).map(() => 'WorkflowTemplate'), 'WorkflowTemplate', 'CronWorkflow']);
    const [parent, cron] = docs.slice(-2) as [Record<string, any>, Record<string, any>];
    // Only the parent is scheduled, and the schedule is the flow's.
    expect(cron.spec.workflowSpec.workflowTemplateRef.name).toBe(parent.metadata.name);
    expect(cron.spec.schedules).toEqual(['0 3 * * *']);
    expect(cron.spec.timezone).toBe('Europe/Paris');
    expect(parent.spec.arguments.parameters).toEqual([{ name: 'note' }, { name: 'mode', value: 'fast', enum: ['fast', 'slow'] }]);
    // The parent's TTL removes the children with it (owner references); a child's own TTL could
    // delete it before the parent's executor reads its phase.
    expect(parent.spec.ttlStrategy).toEqual({ secondsAfterCompletion: 600 });
    expect(docs.slice(0, -2).map((d) => d.spec.ttlStrategy)).toEqual(docs.slice(0, -2).map(() => undefined));
    expect(docs.slice(0, -1).map((d) => d.spec.serviceAccountName)).toEqual(docs.slice(0, -1).map(() => 'flows'));
    expect(diagnostics.items[0]?.notes?.[1]).toBe("the parent's service account (flows) must be allowed to create and get workflows.argoproj.io (docs/targets/argo.md#partitioning)");
    const got = recoverParts(ir, docs);
    expectPartsCoverFlow(ir, got, { exactInside: true });
    // Each part's run fits: the cut gave every part fewer steps than 1 MiB / 40 KB.
    for (const p of got.parts) expect(p.steps.length).toBeLessThan(26);
    // The foreach keeps its items, in the one part that holds it; the secret is a reference in its part only.
    const partWith = (id: string) => docs.find((d) => d.metadata.name === got.parts.find((p) => p.steps.includes(id))?.name) as Record<string, any>;
    // With parallelism the step's task calls a wrapper DAG whose one task loops (step-templates.ts addCall).
    const templates = new Map<string, any>((partWith('s20').spec.templates as any[]).map((t) => [t.name, t]));
    const task = (templates.get('main').dag.tasks as any[]).find((t) => t.name === 's20');
    const wrapper = templates.get(task.template);
    expect(wrapper.parallelism).toBe(2);
    // Items are encoded for Argo (items.ts); the run below shows each arrives as written.
    expect(wrapper.dag.tasks[0].withItems).toHaveLength(3);
    expect(JSON.stringify(partWith('s33'))).toContain('"secretKeyRef":{"name":"api","key":"token"}');
    expect(docs.filter((d) => JSON.stringify(d).includes('secretKeyRef')).map((d) => d.metadata.name)).toEqual([partWith('s33').metadata.name]);

    const hostile = [
      'x"\n        extra: "y',
      '{{workflow.name}} $(HOME) $$ {{inputs.parameters.part}}',
      `{{=fromBase64('${Buffer.from('x"\n        extra: "y').toString('base64')}')}}`,
      "tab\there 'single' \\ back <&> \u2028 é \u0085 nel",
    ];
    for (const note of hostile) {
      const run = { workflowName: 'demo-ab12c', params: { note, mode: 'slow' }, secrets: sampleSecrets(ir) };
      const children = expectRunMatchesFlow(ir, docs, run);
      for (const c of children) {
        expect(c.params).toEqual({ note, mode: 'slow' });
        expect(c.manifest.spec.arguments.parameters).toEqual([{ name: 'note', value: note }, { name: 'mode', value: 'slow' }]);
      }
    }
  });

  test('the value expression is what stops injection: plain toJson would let a {{=...}} value add fields', () => {
    // The same manifest line with toJson alone: Argo's later pass evaluates the tag the value holds.
    const payload = `{{=fromBase64('${Buffer.from('x"\n  extra: "y').toString('base64')}')}}`;
    const line = (expr: string) => `a:\n  value: ${expr}\n`;
    const scope = new Map([['workflow.parameters.note', payload]]);
    const twice = (t: string) => substituteRun(substituteRun(t, scope), scope);
    expect(documents(twice(line('{{=toJson(workflow.parameters.note)}}')))[0]).toEqual({ a: { value: 'x', extra: 'y' } });
    expect(documents(twice(line(valueExpression('note'))))[0]).toEqual({ a: { value: payload } });
  });

  test('the value reaches the YAML with no raw character go-yaml reads as a line break', () => {
    // go-yaml (YAML 1.1, as Kubernetes reads manifests) folds a raw NEL inside quotes to a space;
    // Go's json.Marshal escapes U+2028/U+2029 but leaves NEL raw (argo-expr.ts goJson).
    const note = 'a\u0085b\u2028c\nd';
    const text = substituteRun(valueExpression('note'), new Map([['workflow.parameters.note', note]]));
    expect(text).toBe('"a\\u0085b\\u2028c\\nd"');
    expect(JSON.parse(text)).toBe(note);
  });
});

describe('argo partitioning: step outputs within a part', () => {
  test('an output read inside one part is passed as in any flow', () => {
    const steps: IRStep[] = [big('s0', { outputs: [{ name: 'v', type: 'string', origin: { file: 'flow.yaml', line: 5, col: 3 } }] as any })];
    for (let i = 1; i < 40; i++) steps.push(big(`s${i}`, { needs: [`s${i - 1}`] }));
    (steps[1] as IRStep).exec = { kind: 'command', argv: [lit('echo'), [{ kind: 'output', step: 's0', output: 'v' } as any]] };
    const ir = flow(steps);
    const { text, diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC680']);
    const docs = validateArgo(text as string);
    expectPartsCoverFlow(ir, recoverParts(ir, docs), { exactInside: true });
    const first = docs[0] as Record<string, any>;
    const reader = (first.spec.templates[0].dag.tasks as any[]).find((t) => t.name === 's1');
    expect(JSON.stringify(reader.arguments)).toContain('tasks.s0.outputs.parameters.v');
  });
});

describe('argo partitioning: the parent of more than 200 parts', () => {
  test('nests its tasks as any DAG is, every part run once, after the parts it needs', () => {
    const ir = flow([step('a')], { parameters: [param({ name: 'date', default: '2026-01-01' })] });
    const options = readArgoOptions(undefined);
    const meta = objectMeta({ ir, name: 'demo', options });
    const parts = Array.from({ length: 450 }, (_, i) => ({ name: `demo-part-${i + 1}`, needs: i === 0 ? [] : i % 3 === 0 ? [i - 1, Math.floor(i / 2)] : [i - 1] }));
    const parent = parentTemplate({ ir, name: 'demo', meta, options, parts });
    // Each part a minimal WorkflowTemplate of its own, so the file's references resolve.
    const partDocs = parts.map((p) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: p.name },
      spec: { entrypoint: 'main', arguments: { parameters: [{ name: 'date' }] }, templates: [{ name: 'main', dag: { tasks: [{ name: 'a', template: 'a' }] } }, { name: 'a', container: { name: 'main', image: 'alpine:3.20' } }] },
    }));
    const text = toYamlStream({ header: ['test'], documents: [...partDocs, parent] });
    const docs = validateArgo(text);
    partsWithinCaps(docs);
    const entry = (docs.at(-1) as any).spec.templates[0].dag.tasks as any[];
    expect(entry.length).toBeLessThanOrEqual(200);
    expect((docs.at(-1) as any).spec.templates.filter((t: any) => t.dag).length).toBeGreaterThan(1);
    const children = runParent(docs, { workflowName: 'demo-x1', params: {} });
    expect(children.map((c) => c.part).sort()).toEqual(parts.map((p) => p.name).sort());
    const position = new Map(children.map((c, i) => [c.part, i]));
    for (const p of parts) for (const n of p.needs) expect(position.get(parts[n]?.name as string) as number).toBeLessThan(position.get(p.name) as number);
    expect(children[0]?.params).toEqual({ date: '2026-01-01' });
  });
});

describe('argo partitioning: diagnostics', () => {
  test('FLOWC681: a step output read across parts, at the reading step', () => {
    const steps: IRStep[] = [big('s0', { outputs: [{ name: 'v', type: 'string', origin: { file: 'flow.yaml', line: 5, col: 3 } }] as any })];
    for (let i = 1; i < 40; i++) steps.push(big(`s${i}`, { needs: [`s${i - 1}`] }));
    const reader = steps[39] as IRStep;
    reader.needs = ['s38', 's0'];
    reader.exec = { kind: 'command', argv: [lit('echo'), [{ kind: 'output', step: 's0', output: 'v' } as any]] };
    reader.origin = { file: 'flow.yaml', line: 90, col: 3 };
    const { text, diagnostics } = compileArgo(flow(steps));
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => [d.code, d.span])).toEqual([['FLOWC681', { file: 'flow.yaml', line: 90, col: 3 }]]);
    expect(diagnostics.items[0]?.message).toMatch(/^steps\.s39 reads \$\{steps\.s0\.outputs\.v\}, but the flow is too large for one Argo run and flowc put 's0' in part 1 and 's39' in part \d+; flowc passes step outputs only within one part$/);
  });

  test('FLOWC682: a step whose node statuses alone are over a run, at the step', () => {
    const items = Array.from({ length: 12_000 }, (_, i) => `i${i}`);
    const heavy = step('each', { needs: ['first'], foreach: { items, from: null, parallelism: null }, retry: { limit: 1, delaySeconds: 0, backoff: 1, maxDelaySeconds: null }, origin: { file: 'flow.yaml', line: 7, col: 3 } });
    const { text, diagnostics } = compileArgo(flow([step('first'), heavy]));
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => [d.code, d.span])).toEqual([['FLOWC682', { file: 'flow.yaml', line: 7, col: 3 }]]);
    expect(diagnostics.items[0]?.message).toBe('steps.each alone does not fit in one Argo run (a Workflow the controller stores within MAX_WORKFLOW_SIZE, 1048576 bytes by default), so flowc cannot place it in any part of a workflow of workflows');
    expect(diagnostics.items[0]?.notes?.[0]).toMatch(/^its node statuses and DAG task alone are at least (\d+) bytes/);
  });

  test('FLOWC682: a step that fits the floor but not a run once built, after cutting down to one step', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `${i}-${'z'.repeat(200)}`);
    const heavy = step('each', { needs: ['first'], foreach: { items, from: null, parallelism: null }, origin: { file: 'flow.yaml', line: 9, col: 3 } });
    const { text, diagnostics } = compileArgo(flow([step('first'), heavy]));
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => [d.code, d.span])).toEqual([['FLOWC682', { file: 'flow.yaml', line: 9, col: 3 }]]);
    expect(diagnostics.items[0]?.notes?.[0]).toMatch(/^FLOWC603: a run of the WorkflowTemplate \(.*plus 5002 node statuses\).* is (\d+) bytes, (\d+) over the limit of 1048576 bytes/);
  });
});
