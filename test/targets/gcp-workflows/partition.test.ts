import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Diagnostic, DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR } from '../../../src/ir/types.js';
import { compileTargets } from '../../../src/pipeline/compile.js';
import { gcpWorkflowsTarget } from '../../../src/targets/gcp-workflows/index.js';
import { CHILD_TIMEOUT_SECONDS, EXECUTIONS_RUN } from '../../../src/targets/gcp-workflows/parent.js';
import { compilePartitioned } from '../../../src/targets/gcp-workflows/partition.js';
import type { Artifact } from '../../../src/targets/target.js';
import { expectPartsCoverFlow, type RecoveredParts } from '../../helpers/partition-cover.js';
import { type Execution, checkExecution, lit, makeIR, step, succeeded } from './helpers.js';
import { VirtualClock } from './interpreter/clock.js';
import { Interpreter } from './interpreter/engine.js';
import type { Value } from './interpreter/expr.js';
import { fakeBatch } from './interpreter/fake-batch.js';
import { fakeStorage } from './interpreter/fake-storage.js';
import { schemaErrors } from './structure.js';

// The benchmarks' generator, untyped JavaScript: imported by URL and given its one signature here.
const synthetic = pathToFileURL(resolve(import.meta.dirname, '../../../scripts/synthetic-flow.mjs')).href;
const { syntheticFlow } = (await import(synthetic)) as { syntheticFlow: (n: number) => string };

const dir = mkdtempSync(join(tmpdir(), 'flowc-gcp-part-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Compiles flow text written to a fresh folder through the whole pipeline, as `flowc compile` does. */
function build(text: string): { ir: IR; artifacts: Artifact[]; diagnostics: Diagnostic[]; file: string } {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'flow.yaml'), text);
  const r = compileTargets({ flowPath: 'flow.yaml', cwd: d, configs: [], sets: [], env: {}, targets: ['gcp-workflows'] } as never);
  return { ir: r.ir as IR, artifacts: r.artifacts, diagnostics: r.diagnostics, file: join(d, 'flow.yaml') };
}

type Steps = Record<string, Record<string, unknown>>[];
type Doc = Record<string, { params?: unknown[]; steps: Steps }>;

/**
 * The calls a step list makes, and which of them must finish before which can start: a step list
 * orders its items, a parallel's branches and a for's iterations run at once. Returns the calls
 * that start first and finish last, pushing [before, after] pairs for consecutive items (their
 * transitive closure is the order the list imposes).
 */
function orderings(steps: Steps, key: (body: Record<string, unknown>) => string | null, edges: [string, string][], seen: string[]): { entries: string[]; exits: string[] } {
  let entries: string[] = [];
  let exits: string[] = [];
  for (const s of steps) {
    const here = walkStep(Object.values(s)[0] as Record<string, unknown>, key, edges, seen);
    if (here.entries.length === 0) continue;
    for (const a of exits) for (const b of here.entries) edges.push([a, b]);
    if (entries.length === 0) entries = here.entries;
    exits = here.exits;
  }
  return { entries, exits };
}

function walkStep(body: Record<string, unknown>, key: (body: Record<string, unknown>) => string | null, edges: [string, string][], seen: string[]): { entries: string[]; exits: string[] } {
  const id = key(body);
  if (id !== null) {
    seen.push(id);
    return { entries: [id], exits: [id] };
  }
  const p = body.parallel as Record<string, unknown> | undefined;
  if (p?.for) return orderings((p.for as { steps: Steps }).steps, key, edges, seen);
  if (p) {
    const parts = (p.branches as Record<string, { steps: Steps }>[]).map((b) => orderings((Object.values(b)[0] as { steps: Steps }).steps, key, edges, seen));
    return { entries: parts.flatMap((x) => x.entries), exits: parts.flatMap((x) => x.exits) };
  }
  if (body.for) return orderings((body.for as { steps: Steps }).steps, key, edges, seen);
  if (body.steps) return orderings(body.steps as Steps, key, edges, seen);
  return { entries: [], exits: [] };
}

const stepCall = (b: Record<string, unknown>): string | null => (b.call === 'flowc_step' ? ((b.args as Record<string, unknown>).step as string) : null);
const partCall = (b: Record<string, unknown>): string | null => (b.call === EXECUTIONS_RUN ? ((b.args as Record<string, unknown>).workflow_id as string) : null);

/** The parameters a `main` declares: the keys of the `params` map `flowc_init` assigns. */
function declared(doc: Doc): Record<string, unknown> {
  const init = doc.main?.steps.find((s) => 'flowc_init' in s)?.flowc_init as { assign: Record<string, unknown>[] };
  return (init.assign.find((a) => 'params' in a)?.params ?? {}) as Record<string, unknown>;
}

/** What the written files say: every child's steps and orderings, the parent's order of children and what it passes. */
function recover(flowName: string, artifacts: Artifact[]): RecoveredParts & { children: Map<string, string> } {
  const parentYaml = artifacts.find((a) => a.path === `${flowName}.gcp.yaml`)?.contents ?? '';
  const parent = parse(parentYaml, { version: '1.1' }) as Doc;
  const partEdges: [string, string][] = [];
  const order: string[] = [];
  orderings(parent.main?.steps ?? [], partCall, partEdges, order);
  const parentParameters = Object.keys(declared(parent));
  const calls = new Map<string, Record<string, unknown>>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(collect);
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.call === EXECUTIONS_RUN) calls.set((o.args as Record<string, unknown>).workflow_id as string, o.args as Record<string, unknown>);
    else Object.values(o).forEach(collect);
  };
  collect(parent.main);
  const children = new Map<string, string>();
  const parts = order.map((name) => {
    const text = artifacts.find((a) => a.path === `${name}.gcp.yaml`)?.contents ?? '';
    children.set(name, text);
    const doc = parse(text, { version: '1.1' }) as Doc;
    const edges: [string, string][] = [];
    const steps: string[] = [];
    orderings(doc.main?.steps ?? [], stepCall, edges, steps);
    // The whole parameter map goes to every child as its execution argument.
    const args = calls.get(name) ?? {};
    const passed = args.argument === '${params}' ? parentParameters : [];
    return { name, steps, edges, parameters: Object.keys(declared(doc)), passed };
  });
  return { parts, partEdges, parentParameters, children };
}

describe('a 10,000-step flow on gcp-workflows', () => {
  const text = syntheticFlow(10000);
  const r = build(text);

  it('compiles with no error into a parent and child workflows whose files cover the flow', () => {
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const got = recover(r.ir.flow.name, r.artifacts);
    expect(got.parts.length).toBeGreaterThan(1);
    expect(r.artifacts.length).toBe(got.parts.length + 1);
    expectPartsCoverFlow(r.ir, got, { exactInside: false });
  });

  it('keeps every file within the limits and valid against the definition schema', () => {
    for (const a of r.artifacts) {
      expect({ file: a.path, errors: schemaErrors(a.contents) }).toEqual({ file: a.path, errors: [] });
      expect(Buffer.byteLength(a.contents, 'utf8')).toBeLessThanOrEqual(128 * 1024);
    }
  });

  it('warns once with FLOWC688 at the top of the flow: children, crossing edges, the limit and its number', () => {
    const w = r.diagnostics.filter((d) => d.code === 'FLOWC688');
    expect(w).toHaveLength(1);
    // Each child's own warning about its whole definition comes once, naming the other children in a note.
    const lowered = r.diagnostics.filter((d) => d.code === 'FLOWC605');
    expect(lowered).toHaveLength(1);
    expect(lowered[0]?.message).toMatch(/^child workflow 'synthetic-10000_part_1': the step graph is not series-parallel/);
    expect(lowered[0]?.notes?.at(-1)).toMatch(/^the same in \d+ more child workflows: synthetic-10000_part_2, /);
    expect(w[0]?.span).toMatchObject({ line: 1, col: 1 });
    expect(w[0]?.message).toMatch(
      /^the flow runs as a parent workflow and (\d+) child workflows \(synthetic-10000_part_1 \.\. synthetic-10000_part_\1\), because as one workflow its source would be at least \d+ bytes, over the limit of 131072 bytes on workflow source size \(https:\/\/cloud\.google\.com\/workflows\/quotas\); \d+ needs edges cross children/,
    );
  });
});

/**
 * A flow over 128 KB as one workflow, with parameters, a foreach and a secret; scheduled, or with
 * `day` required (a scheduled run passes no parameters, so a scheduled flow has none required: FLOWC317).
 */
function forcedFlow(steps: number, scheduled = true): string {
  const pad = 'x'.repeat(900);
  const lines = [
    'flowc: 1',
    'name: nightly',
    'parameters:',
    scheduled ? '  day: { type: string, default: "2026-01-01" }' : '  day: { type: string }',
    '  mode: { type: string, default: fast }',
    ...(scheduled ? ['schedule: { cron: "0 3 * * *", timezone: Europe/Amsterdam }'] : []),
    'secrets:',
    '  tok: { gcp-workflows: projects/acme-ml/secrets/tok/versions/2 }',
    'defaults:',
    '  image: alpine:3.20',
    'targets:',
    '  gcp-workflows: { project: acme-batch, region: europe-west4, schedulerServiceAccount: sched@acme-batch.iam.gserviceaccount.com }',
    'steps:',
  ];
  for (let i = 0; i < steps; i++) {
    lines.push(`  s${i}:`);
    if (i > 0) lines.push(`    needs: [${[i - 1, ...(i > 3 ? [i - 4] : [])].map((k) => `s${k}`).join(', ')}]`);
    lines.push(`    command: [work, "\${params.day}", "\${params.mode}", ${pad}${i}]`);
  }
  lines.push('  fan:', `    needs: [s${Math.floor(steps / 2)}]`, '    foreach: [eu, us, asia]', '    parallelism: 2', '    command: [region, "${item}"]');
  lines.push('  publish:', `    needs: [fan, s${steps - 1}]`, '    env: { TOKEN: "${secrets.tok}" }', '    command: [publish, "${params.day}"]');
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the parent in the interpreter; each Workflow Executions call runs the named child's written
 * definition as an execution of its own, on the same clock and the same fake Batch, and returns its
 * result, as the connector does (parent.ts cites its reference).
 */
async function runParent(flowName: string, artifacts: Artifact[], args: Value): Promise<Execution & { children: { id: string; argument: Value; project: Value; location: Value }[] }> {
  const clock = new VirtualClock();
  const storage = fakeStorage();
  const { connector, remove, jobs, submissions, deletions } = fakeBatch({ clock, storage: storage.objects });
  const children: { id: string; argument: Value; project: Value; location: Value }[] = [];
  let executions = 0;
  let steps = 0;
  const interp = (yaml: string): Interpreter =>
    Interpreter.fromYaml(yaml, {
      clock,
      connectors: {
        'googleapis.batch.v1.projects.locations.jobs.create': connector,
        'googleapis.batch.v1.projects.locations.jobs.delete': remove,
        'googleapis.storage.v1.objects.get': storage.get,
        [EXECUTIONS_RUN]: async (a) => {
          const id = a.workflow_id as string;
          const child = artifacts.find((x) => x.path === `${id}.gcp.yaml`);
          if (!child) throw new Error(`no deployed workflow ${id}`);
          const params = a.connector_params as Record<string, Value>;
          if (typeof params?.timeout !== 'number' || params.timeout > 31_536_000) throw new Error('connector timeout over one year');
          children.push({ id, argument: a.argument as Value, project: a.project_id as Value, location: a.location as Value });
          const run = interp(child.contents);
          try {
            return await run.runChild((a.argument ?? null) as Value);
          } finally {
            steps = Math.max(steps, run.stepCount);
          }
        },
      },
      env: {
        GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: `0b5c2d7e-1a2b-4c3d-8e9f-${String(executions++).padStart(12, '0')}`,
        GOOGLE_CLOUD_PROJECT_ID: 'env-project',
        GOOGLE_CLOUD_LOCATION: 'europe-west4',
      },
    });
  const parent = interp(artifacts.find((a) => a.path === `${flowName}.gcp.yaml`)?.contents ?? '');
  const base = { jobs, submissions, deletions, clock, objects: storage.objects, reads: storage.reads, children };
  try {
    const result = await parent.run(args);
    return { ...base, result, error: null, steps: Math.max(steps, parent.stepCount) };
  } catch (error) {
    return { ...base, result: null, error, steps: Math.max(steps, parent.stepCount) };
  }
}

describe('a flow forced over 128 KB, run in the interpreter', () => {
  const r = build(forcedFlow(160));

  it('is cut, and parameters, foreach, secret and schedule survive', () => {
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toContain('FLOWC688');
    const got = recover('nightly', r.artifacts);
    expectPartsCoverFlow(r.ir, got, { exactInside: false });
    // Only the parent is scheduled: one Scheduler job, starting the parent.
    const jobs = r.artifacts.filter((a) => a.path.endsWith('.scheduler.json'));
    expect(jobs.map((a) => a.path)).toEqual(['nightly.scheduler.json']);
    const job = JSON.parse(jobs[0]?.contents ?? '{}') as { schedule: string; timeZone: string; httpTarget: { uri: string } };
    expect(job).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Amsterdam' });
    expect(job.httpTarget.uri).toMatch(/\/workflows\/nightly\/executions$/);
    // The secret is a Secret Manager reference, in the one child that runs the step using it.
    const holders = [...got.children].filter(([, yaml]) => yaml.includes('projects/acme-ml/secrets/tok/versions/2')).map(([id]) => id);
    expect(holders).toHaveLength(1);
    for (const a of r.artifacts.filter((x) => x.path.endsWith('.gcp.yaml'))) expect({ file: a.path, errors: schemaErrors(a.contents) }).toEqual({ file: a.path, errors: [] });
  });

  it('runs every step once, after its needs, across children, with the parameters, items and secret', async () => {
    const e = await runParent('nightly', r.artifacts, { day: '2026-12-07' });
    expect(checkExecution(r.ir, e)).toEqual([]);
    const ok = succeeded(e);
    // Every part ran once, in the parent's project and location, with every parameter, defaults applied.
    expect(e.children.map((c) => c.id).sort()).toEqual(recover('nightly', r.artifacts).parts.map((p) => p.name).sort());
    for (const c of e.children) expect(c).toMatchObject({ argument: { day: '2026-12-07', mode: 'fast' }, project: 'env-project', location: 'europe-west4' });
    const s7 = ok.find((j) => j.step === 's7');
    expect(s7?.commands.slice(0, 2)).toEqual(['2026-12-07', 'fast']);
    expect(ok.filter((j) => j.step === 'fan').map((j) => j.env.FLOWC_ITEM).sort()).toEqual(['asia', 'eu', 'us']);
    expect(ok.find((j) => j.step === 'publish')?.secretEnv).toEqual({ TOKEN: 'projects/acme-ml/secrets/tok/versions/2' });
    // Steps keep the flow's name, whichever child runs them.
    expect(new Set(ok.map((j) => j.env.FLOWC_FLOW))).toEqual(new Set(['nightly']));
  });

  it('a missing required parameter stops the parent before any child starts', async () => {
    const unscheduled = build(forcedFlow(160, false));
    expect(unscheduled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const e = await runParent('nightly', unscheduled.artifacts, {});
    expect(String((e.error as Error).message)).toMatch(/the required parameter 'day' has no value/);
    expect(e.children).toEqual([]);
    expect(e.jobs).toEqual([]);
  });

  it('a failed step fails its child and the parent, and no later child starts', async () => {
    const got = recover('nightly', r.artifacts);
    const first = got.parts[0] as { name: string; steps: string[] };
    const e = await runParentFailing(r.artifacts, first.steps[0] as string);
    expect(e.error).not.toBeNull();
    expect(e.children.map((c) => c.id)).toEqual([first.name]);
  });
});

/** `runParent` with every attempt of `step` failing. */
async function runParentFailing(artifacts: Artifact[], failing: string): Promise<{ error: unknown; children: { id: string }[] }> {
  const clock = new VirtualClock();
  const storage = fakeStorage();
  const { connector, remove } = fakeBatch({ clock, storage: storage.objects, failures: (s) => (s === failing ? 99 : 0) });
  const children: { id: string }[] = [];
  const interp = (yaml: string): Interpreter =>
    Interpreter.fromYaml(yaml, {
      clock,
      connectors: {
        'googleapis.batch.v1.projects.locations.jobs.create': connector,
        'googleapis.batch.v1.projects.locations.jobs.delete': remove,
        [EXECUTIONS_RUN]: async (a) => {
          children.push({ id: a.workflow_id as string });
          return interp(artifacts.find((x) => x.path === `${a.workflow_id as string}.gcp.yaml`)?.contents ?? '').runChild(a.argument as Value);
        },
      },
      env: { GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: 'e1', GOOGLE_CLOUD_PROJECT_ID: 'p', GOOGLE_CLOUD_LOCATION: 'europe-west4' },
    });
  try {
    await interp(artifacts.find((a) => a.path === 'nightly.gcp.yaml')?.contents ?? '').run({ day: 'd' });
    return { error: null, children };
  } catch (error) {
    return { error, children };
  }
}

describe('diagnostics of a partitioned flow', () => {
  it('FLOWC689: a step reading an output of a step in another child is refused at the reader', () => {
    const pad = 'y'.repeat(1500);
    const lines = ['flowc: 1', 'name: outs', 'defaults:', '  image: alpine:3.20', 'targets:', '  gcp-workflows: { datastore: "gs://acme-flowc/runs" }', 'steps:'];
    lines.push('  make:', '    command: [make]', '    outputs: { token: { type: string } }');
    for (let i = 0; i < 120; i++) lines.push(`  s${i}:`, `    needs: [${i === 0 ? 'make' : `s${i - 1}`}]`, `    command: [work, ${pad}${i}]`);
    lines.push('  use:', '    needs: [s119]', '    command: [use, "${steps.make.outputs.token}"]');
    const r = build(`${lines.join('\n')}\n`);
    const d = r.diagnostics.filter((x) => x.code === 'FLOWC689');
    expect(d).toHaveLength(1);
    expect(d[0]?.span).toMatchObject({ file: r.file, line: lines.indexOf('  use:') + 1 });
    expect(d[0]?.message).toMatch(/^step 'use' reads output 'token' of step 'make', but the flow is over a Workflows limit and is split into child workflows, and the two steps land in different ones \(outs_part_1 and outs_part_\d+\)/);
    expect(r.artifacts).toEqual([]);
  });

  it('FLOWC690: a step that alone is over 128 KB is refused at the step, with the numbers', () => {
    const big = 'z'.repeat(140 * 1024);
    const r = build(['flowc: 1', 'name: huge', 'defaults:', '  image: alpine:3.20', 'steps:', '  small:', '    command: [a]', '  big:', '    needs: [small]', `    command: [b, ${big}]`, ''].join('\n'));
    const d = r.diagnostics.filter((x) => x.code === 'FLOWC690');
    expect(d).toHaveLength(1);
    expect(d[0]?.span).toMatchObject({ file: r.file, line: 8, col: 3 });
    expect(d[0]?.message).toMatch(/^step 'big' alone is over a limit of one Workflows workflow, so no partition of the flow fits it: the Workflows definition is \d+ bytes, \d+ over the limit of 131072 bytes on workflow source size/);
    expect(r.artifacts).toEqual([]);
  });

  it('FLOWC691: cuts a bounded number of times, then refuses at the top of the flow', () => {
    // A build that is over the source limit whenever a part holds two steps or more, as if the
    // estimates were always wrong: the cut is retried, halving the part limit, and then given up.
    const ir = makeIR(Array.from({ length: 400 }, (_, i) => step(`s${i}`, { needs: i > 0 ? [`s${i - 1}`] : [], exec: { kind: 'command', argv: [lit('x'.repeat(400))] } })));
    const attempts: number[] = [];
    const diagnostics = new DiagnosticBag();
    const out = compilePartitioned({ ir, ctx: { diagnostics }, compileOne: (part, ctx) => {
      attempts.push(part.steps.length);
      if (part.steps.length > 1) ctx.diagnostics.report('FLOWC603', 'the Workflows definition is 200000 bytes, 68928 over the limit of 131072 bytes on workflow source size (https://cloud.google.com/workflows/quotas)');
      return ctx.diagnostics.hasErrors() ? [] : gcpWorkflowsTarget.compile(part, ctx);
    } });
    expect(out).toEqual([]);
    const d = diagnostics.items.filter((x) => x.code === 'FLOWC691');
    expect(d).toHaveLength(1);
    expect(d[0]?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
    expect(d[0]?.message).toMatch(/^the flow was cut 6 times, each time into parts half as large, and part 'demo_part_\d+' \(\d+ steps\) is still over a limit: the Workflows definition is 200000 bytes/);
  });

  it('a flow over 100,000 steps per execution (not over 128 KB) is cut too, each child within both limits', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const ir = makeIR(Array.from({ length: 14 }, (_, i) => step(`fan${i}`, { needs: i > 0 ? [`fan${i - 1}`] : [], foreach: { items, from: null, parallelism: 10 } })));
    const diagnostics = new DiagnosticBag();
    const artifacts = gcpWorkflowsTarget.compile(ir, { diagnostics });
    expect(diagnostics.errors()).toEqual([]);
    const w = diagnostics.items.find((d) => d.code === 'FLOWC688');
    expect(w?.message).toMatch(/because as one workflow one execution would take at least 126000 steps, over the limit of 100000 on steps one execution runs/);
    const got = recover('demo', artifacts);
    expect(got.parts.length).toBeGreaterThanOrEqual(2);
    expectPartsCoverFlow(ir, got, { exactInside: false });
    for (const a of artifacts) expect(Buffer.byteLength(a.contents, 'utf8')).toBeLessThanOrEqual(128 * 1024);
  });

  it('a flow within the limits is not cut: one workflow, no FLOWC688', () => {
    const r = build(syntheticFlow(50));
    expect(r.diagnostics.map((d) => d.code)).not.toContain('FLOWC688');
    expect(r.artifacts.map((a) => a.path)).toEqual(['synthetic-50.gcp.yaml']);
  });

  it('names children in the parent with their workflow ids and waits up to a year for each', () => {
    const r = build(forcedFlow(160));
    const parent = r.artifacts.find((a) => a.path === 'nightly.gcp.yaml')?.contents ?? '';
    expect(parent).toContain(`call: ${EXECUTIONS_RUN}`);
    expect(parent).toContain(`timeout: ${CHILD_TIMEOUT_SECONDS}`);
    expect(parent).toContain('workflow_id: nightly_part_1');
    expect(parent).toContain('${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}');
    expect(parent).not.toContain('flowc_step');
  });
});
