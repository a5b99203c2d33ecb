import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import type { IR } from '../../../src/ir/types.js';
import { compileToIR } from '../../../src/pipeline/compile.js';
import { githubActionsTarget } from '../../../src/targets/github-actions/index.js';
// @ts-ignore -- a plain .mjs script (the benchmarks' generator) with no type declarations
import { syntheticFlow as untypedSyntheticFlow } from '../../../scripts/synthetic-flow.mjs';
import { expectPartsCoverFlow, type RecoveredParts } from '../../helpers/partition-cover.js';
import { lintFindings, parseWorkflow } from './helpers.js';
import { allowReads } from './wasm-fs.js';

/**
 * A flow over GitHub's workflow file size compiles as a parent that calls parts, each a reusable
 * workflow (src/targets/github-actions/partition.ts). Everything here is read back from the files
 * as written into a checkout's .github/workflows/, and linted there by actionlint, which reads the
 * parts a parent calls and checks every call's inputs and secrets against them.
 */

const syntheticFlow = untypedSyntheticFlow as (steps: number) => string;
const work = mkdtempSync(join(tmpdir(), 'flowc-gha-parts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMIT = 500 * 1024;

interface Written {
  ir: IR;
  diagnostics: DiagnosticBag;
  /** The checkout's workflows folder, and each file's text by name. */
  folder: string;
  files: Map<string, string>;
  primary: string | undefined;
}

/** Compiles `flowText` and writes every artifact into a fresh checkout's .github/workflows/. */
function compileInto(name: string, flowText: string): Written {
  const dir = join(work, name);
  mkdirSync(join(dir, '.git'), { recursive: true });
  const folder = join(dir, '.github/workflows');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(dir, 'flow.yaml'), flowText);
  const front = compileToIR({ flowPath: join(dir, 'flow.yaml'), cwd: dir });
  expect(front.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ir = front.ir as IR;
  const diagnostics = new DiagnosticBag();
  const artifacts = githubActionsTarget.compile(ir, { diagnostics });
  for (const a of artifacts) writeFileSync(join(folder, a.path), a.contents);
  const files = new Map(readdirSync(folder).map((f) => [f, readFileSync(join(folder, f), 'utf8')]));
  return { ir, diagnostics, folder, files, primary: artifacts.find((a) => a.primary)?.path };
}

/** The parts as the files say: the parent's calls, each called file's step jobs and inputs. */
function recover(w: Written): RecoveredParts {
  const parent = parseWorkflow(w.files.get(w.primary as string) as string);
  const fileOf = (jobId: string) => String(parent.jobs[jobId].uses).replace('./.github/workflows/', '');
  const parts: RecoveredParts['parts'] = [];
  const partEdges: [string, string][] = [];
  for (const [jobId, call] of Object.entries<any>(parent.jobs)) {
    const file = fileOf(jobId);
    const wf = parseWorkflow(w.files.get(file) as string);
    const stepOf = new Map(Object.entries<any>(wf.jobs).map(([id, job]) => [id, job.env?.FLOWC_STEP as string]));
    const steps = [...stepOf.values()];
    const edges: [string, string][] = [];
    for (const [id, job] of Object.entries<any>(wf.jobs)) {
      for (const n of (job.needs ?? []) as string[]) edges.push([stepOf.get(n) as string, stepOf.get(id) as string]);
    }
    const own = (m: Record<string, unknown>) => Object.keys(m).filter((k) => k !== 'flowc-call-id');
    parts.push({ name: file, steps, edges, parameters: own(wf.on.workflow_call.inputs), passed: own(call.with) });
    for (const n of (call.needs ?? []) as string[]) partEdges.push([fileOf(n), file]);
  }
  return { parts, partEdges, parentParameters: Object.keys(parent.on.workflow_dispatch?.inputs ?? {}) };
}

/** actionlint's findings for every file, linted in place (the parent reads its parts). */
async function lintAll(w: Written): Promise<Record<string, unknown[]>> {
  allowReads(join(w.folder, '../..'));
  try {
    const out: Record<string, unknown[]> = {};
    for (const [file, text] of w.files) out[file] = await lintFindings(text, { path: join(w.folder, file) });
    return out;
  } finally {
    allowReads(undefined);
  }
}

const clean = (w: Written) => Object.fromEntries([...w.files.keys()].map((f) => [f, []]));

describe('a 10,000-step flow on GitHub Actions', () => {
  const w = compileInto('s10k', syntheticFlow(10000));
  let recovered: RecoveredParts | undefined;
  const got = () => (recovered ??= recover(w));

  test('compiles with no error into a parent and parts, each under the file size limit', () => {
    expect(w.diagnostics.errors()).toEqual([]);
    expect(w.diagnostics.items.map((d) => [d.code, d.span])).toEqual([['FLOWC692', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(w.primary).toBe('synthetic-10000.gha.yml');
    expect(w.files.size).toBeGreaterThan(2);
    for (const [file, text] of w.files) expect({ file, over: Buffer.byteLength(text) > LIMIT }).toEqual({ file, over: false });
  });

  // Reading 2.3 MB of YAML back and the helper's closure over 10,000 steps take tens of seconds here.
  test('the parts read back from the files hold exactly the flow: its steps, edges and parameters', { timeout: 240_000 }, () => {
    expectPartsCoverFlow(w.ir, got(), { exactInside: true });
  });

  test('the warning counts the parts and the needs edges between them, as the files show', { timeout: 240_000 }, () => {
    const parts = got().parts;
    const partOf = new Map(parts.flatMap((p) => p.steps.map((s) => [s, p.name])));
    const crossing = w.ir.edges.filter(([a, b]) => partOf.get(a) !== partOf.get(b)).length;
    expect(crossing).toBeGreaterThan(0);
    expect(w.diagnostics.items[0]?.message).toContain(`split into ${parts.length} reusable workflows`);
    expect(w.diagnostics.items[0]?.message).toContain(`${crossing} needs edges cross parts`);
  });

  test('every file passes actionlint, the parent with its calls checked against the parts', { timeout: 240_000 }, async () => {
    expect(await lintAll(w)).toEqual(clean(w));
  });
});

/** A step whose script is `kb` KiB of echo lines, so a handful of steps is over the limit. */
function bigRun(label: string, kb: number): string {
  const line = `echo ${label} ${'x'.repeat(60)}`;
  const lines = Array.from({ length: Math.ceil((kb * 1024) / (line.length + 1)) }, () => line);
  return `    run: |\n${lines.map((l) => `      ${l}`).join('\n')}\n`;
}

const SMALL = [
  'flowc: 1',
  'name: big-nightly',
  'description: A small flow with large scripts',
  'parameters:',
  '  date: { type: string, default: latest, description: partition date }',
  '  alpha: { type: number, default: 0.5 }',
  '  full: { type: boolean, default: false }',
  '  mode: { type: string, enum: [full, incremental], default: full }',
  'schedule: { cron: "30 6 * * MON-FRI", timezone: Europe/Amsterdam }',
  'secrets:',
  '  hf_token: { github-actions: HF_TOKEN }',
  'defaults:',
  '  image: alpine:3.20',
  'steps:',
  '  prepare:',
  '    command: [prepare, --date, "${params.date}", --mode, "${params.mode}"]',
  '  fetch:',
  '    needs: [prepare]',
  '    foreach: [us, eu, ap]',
  '    command: [fetch, --region, "${item}"]',
  '  big1:',
  '    needs: [prepare]',
  bigRun('big1', 200).trimEnd(),
  '  big2:',
  '    needs: [big1]',
  bigRun('big2', 200).trimEnd(),
  '  big3:',
  '    needs: [big2]',
  bigRun('big3', 200).trimEnd(),
  '  train:',
  '    needs: [fetch, big3]',
  '    env: { HF_TOKEN: "${secrets.hf_token}" }',
  '    command: [train, --alpha, "${params.alpha}", --full, "${params.full}"]',
  '',
].join('\n');

describe('a small flow over the limit keeps its parameters, foreach, secret and schedule', () => {
  const w = compileInto('small', SMALL);
  const parent = () => parseWorkflow(w.files.get('big-nightly.gha.yml') as string);
  const parts = () => [...w.files.entries()].filter(([f]) => f !== 'big-nightly.gha.yml').map(([f, t]) => [f, parseWorkflow(t)] as const);
  const partWith = (step: string) => parts().find(([, wf]) => Object.values<any>(wf.jobs).some((j) => j.env?.FLOWC_STEP === step)) as readonly [string, any];

  test('is split, and the parts cover the flow', () => {
    expect(w.diagnostics.errors()).toEqual([]);
    expect(w.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC692']);
    expect(parts().length).toBeGreaterThan(1);
    expectPartsCoverFlow(w.ir, recover(w), { exactInside: true });
  });

  test('only the parent is scheduled and dispatchable; parts are called only, with no concurrency group of their own', () => {
    expect(parent().on.schedule).toEqual([{ cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam' }]);
    expect(Object.keys(parent().on)).toEqual(['workflow_dispatch', 'workflow_call', 'schedule']);
    expect(parent().concurrency.group).toContain('flowc-big-nightly-');
    for (const [, wf] of parts()) {
      expect(Object.keys(wf.on)).toEqual(['workflow_call']);
      expect(wf.concurrency).toBeUndefined();
    }
  });

  test('every parameter reaches every part as the text the whole flow would read, scheduled defaults included', () => {
    const calls = Object.values<any>(parent().jobs);
    for (const call of calls) {
      expect(call.with.date).toBe("${{ toJSON(inputs.date) == 'null' && 'latest' || inputs.date }}");
      expect(call.with.alpha).toBe("${{ format('{0}', toJSON(inputs.alpha) == 'null' && '0.5' || inputs.alpha) }}");
      expect(call.with.full).toBe("${{ format('{0}', toJSON(inputs.full) == 'null' && 'false' || inputs.full) }}");
      expect(call.with['flowc-call-id']).toBe("${{ inputs.flowc-call-id || '' }}");
    }
    for (const [, wf] of parts()) {
      expect(wf.on.workflow_call.inputs.date).toEqual({ description: 'partition date', type: 'string', required: true });
      expect(wf.env.FLOWC_PARAM_DATE).toBe('${{ inputs.date }}');
    }
  });

  test('FLOWC_FLOW and FLOWC_RUN_ID are the same in every part as in the whole flow', () => {
    const envs = parts().map(([, wf]) => [wf.env.FLOWC_FLOW, wf.env.FLOWC_RUN_ID]);
    expect(new Set(envs.map((e) => JSON.stringify(e))).size).toBe(1);
    expect(envs[0]).toEqual(['big-nightly', "${{ inputs.flowc-call-id && format('{0}-{1}', github.run_id, inputs.flowc-call-id) || github.run_id }}"]);
  });

  test('the foreach stays one matrix job in one part, and the secret is passed only to the part that reads it', () => {
    const [, fetchWf] = partWith('fetch');
    expect(fetchWf.jobs.fetch.strategy.matrix).toBeDefined();
    const [trainFile, trainWf] = partWith('train');
    expect(Object.keys(trainWf.on.workflow_call.secrets)).toEqual(['HF_TOKEN']);
    expect(trainWf.jobs.train.steps.at(-1).env.HF_TOKEN).toBe('${{ secrets.HF_TOKEN }}');
    expect(Object.keys(parent().on.workflow_call.secrets)).toEqual(['HF_TOKEN']);
    for (const call of Object.values<any>(parent().jobs)) {
      const file = String(call.uses).replace('./.github/workflows/', '');
      expect({ file, secrets: call.secrets }).toEqual({ file, secrets: file === trainFile ? { HF_TOKEN: '${{ secrets.HF_TOKEN }}' } : undefined });
    }
  });

  test('every file passes actionlint, calls checked against the parts', { timeout: 60_000 }, async () => {
    expect(await lintAll(w)).toEqual(clean(w));
  });

  test('actionlint does check the calls: a parent passing an input no part declares is reported', async () => {
    const file = 'big-nightly.gha.yml';
    const text = w.files.get(file) as string;
    const broken = text.replace('      alpha: ${{', '      alpah: ${{');
    expect(broken).not.toBe(text);
    allowReads(join(w.folder, '../..'));
    try {
      const kinds = (await lintFindings(broken, { path: join(w.folder, file) })).map((f) => f.kind);
      expect(kinds.length).toBeGreaterThan(0);
      expect(new Set(kinds)).toEqual(new Set(['workflow-call']));
    } finally {
      allowReads(undefined);
    }
  });
});

describe('the same flow unscheduled', () => {
  const w = compileInto('unscheduled', SMALL.replace(/^schedule: .*\n/m, ''));

  test('passes each input to the parts as text (a number or boolean through format); actionlint accepts every call', { timeout: 60_000 }, async () => {
    expect(w.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC692']);
    const parent = parseWorkflow(w.files.get('big-nightly.gha.yml') as string);
    expect(parent.on.schedule).toBeUndefined();
    for (const call of Object.values<any>(parent.jobs)) {
      expect([call.with.alpha, call.with.full, call.with.mode]).toEqual(["${{ format('{0}', inputs.alpha) }}", "${{ format('{0}', inputs.full) }}", '${{ inputs.mode }}']);
    }
    expect(await lintAll(w)).toEqual(clean(w));
  });
});
