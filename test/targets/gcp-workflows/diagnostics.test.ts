import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CODES } from '../../../src/diagnostics/codes.js';
import type { IRStep } from '../../../src/ir/types.js';
import { MAX_SOURCE_BYTES } from '../../../src/targets/gcp-workflows/index.js';
import { checkExecution, compile, execute, lit, makeIR, param, step } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

const codes = (ir: Parameters<typeof compile>[0]): string[] => compile(ir).diagnostics.items.map((d) => d.code);

describe('diagnostics of the gcp-workflows target', () => {
  it('declares its codes in the 64x block', () => {
    for (const c of ['FLOWC640', 'FLOWC641', 'FLOWC645', 'FLOWC646', 'FLOWC647'] as const) expect(CODES[c]).toBeDefined();
    // Retired: a scheduled flow without project and region now compiles (FLOWC646); a scheduler
    // file without an OAuth token is no longer written (FLOWC647).
    expect(Object.keys(CODES)).not.toContain('FLOWC642');
    expect(Object.keys(CODES)).not.toContain('FLOWC644');
  });

  it('FLOWC605: warns and names the added orderings for a non-series-parallel graph, and still respects every edge', async () => {
    // An N (a0 -> b0, a0 -> b1, a1 -> b1) beside 19 more independent pairs: 21 steps can run at
    // once, more than the 20 branches of an execution, so no exact DAG schedule (FLOWC656) and
    // the blocks add orderings. (The N alone now runs exactly: dag-scheduler.test.ts.)
    const ir = makeIR([
      ...Array.from({ length: 21 }, (_, i) => step(`a${i}`)),
      ...Array.from({ length: 21 }, (_, i) => step(`b${i}`, { needs: [`a${i}`, ...(i === 1 ? ['a0'] : [])] })),
    ]);
    const { diagnostics, yaml, artifacts } = compile(ir);
    const w = diagnostics.items.filter((d) => d.code === 'FLOWC605');
    expect(w).toHaveLength(1);
    expect(w[0]?.severity).toBe('warning');
    expect(w[0]?.message).toMatch(/d waits for a|c waits for|waits for/);
    expect(artifacts).toHaveLength(1);
    expect(structureProblems(ir, yaml)).toEqual([]);
    expect(checkExecution(ir, await execute(yaml, {}))).toEqual([]);
  });

  it('FLOWC640: more than 10 parallel branches become nested parallels, every step still runs at once', async () => {
    const ir = makeIR([...Array.from({ length: 25 }, (_, i) => step(`s${i}`)), step('end', { needs: Array.from({ length: 25 }, (_, i) => `s${i}`) })]);
    const { diagnostics, yaml } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    expect(new Set(e.jobs.filter((j) => j.step !== 'end').map((j) => j.start))).toEqual(new Set([0]));
  });

  it('FLOWC640: over 100 branches at the top, groups run one after another and the warning names the orderings', async () => {
    const ir = makeIR(Array.from({ length: 105 }, (_, i) => step(`s${i}`)));
    const { diagnostics, yaml } = compile(ir);
    const w = diagnostics.items.filter((d) => d.code === 'FLOWC640');
    expect(w).toHaveLength(1);
    expect(w[0]?.message).toContain('s100 waits for s0');
    expect(schemaErrors(yaml)).toEqual([]);
    expect(checkExecution(ir, await execute(yaml, {}))).toEqual([]);
  });

  it('FLOWC640: parallels nested deeper than 2 run in sequence, and a foreach that deep runs its items one at a time', async () => {
    // par(f, seq(a, par(b, seq(c, par(d, e))))) and a foreach g beside d and e.
    const steps: IRStep[] = [
      step('a'),
      step('f'),
      step('b', { needs: ['a'] }),
      step('c', { needs: ['a'] }),
      step('d', { needs: ['c'] }),
      step('e', { needs: ['c'] }),
      step('g', { needs: ['c'], foreach: { items: [1, 2, 3], from: null, parallelism: null } }),
    ];
    const ir = makeIR(steps);
    const { diagnostics, yaml } = compile(ir);
    const msgs = diagnostics.items.filter((d) => d.code === 'FLOWC640').map((d) => d.message);
    expect(msgs.length).toBeGreaterThan(0);
    expect(msgs.join('\n')).toMatch(/waits for/);
    expect(maxParallelDepth(parse(yaml, { version: '1.1' }))).toBeLessThanOrEqual(2);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(ir, yaml)).toEqual([]);
    expect(checkExecution(ir, await execute(yaml, {}))).toEqual([]);
  });

  it('FLOWC640: a foreach inside two parallels runs its items in sequence, with a warning naming it', async () => {
    const ir = makeIR([
      step('x'),
      step('a'),
      step('b', { needs: ['a'] }),
      step('g', { needs: ['a'], foreach: { items: ['p', 'q'], from: null, parallelism: null } }),
    ]);
    const { diagnostics, yaml } = compile(ir);
    expect(diagnostics.items.map((d) => d.message).join('\n')).toContain("step 'g': its foreach items run one at a time");
    expect(maxParallelDepth(parse(yaml, { version: '1.1' }))).toBeLessThanOrEqual(2);
    const e = await execute(yaml, {}, { duration: () => 10 });
    expect(checkExecution(ir, e)).toEqual([]);
    const g = e.jobs.filter((j) => j.step === 'g').map((j) => j.start);
    expect(g).toEqual([10, 20]);
  });

  it('FLOWC606: leaves FLOWC_CONFIG out when the config would push the definition over 128 KB', () => {
    const values = { app: { blob: 'x'.repeat(200_000) } };
    const ir = makeIR([step('a'), step('b', { needs: ['a'] })], { config: { hash: 'c'.repeat(64), values } });
    const { diagnostics, yaml, artifacts } = compile(ir);
    expect(diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC606', 'warning']]);
    expect(diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, the Workflows definition is \d+ bytes, \d+ over the limit of 131072 bytes on workflow source size/);
    expect(artifacts).toHaveLength(1);
    expect(yaml).not.toContain('FLOWC_CONFIG:');
    expect(yaml).toContain('FLOWC_CONFIG_HASH');
    expect(schemaErrors(yaml)).toEqual([]);
  });

  it('FLOWC603: a definition over 128 KB names the limit and by how much', () => {
    // One step: a flow of many is cut into child workflows instead (partition.test.ts).
    const argv = Array.from({ length: 12 }, (_, i) => lit(`--argument-${i}=${'v'.repeat(12_000)}`));
    const ir = makeIR([step('step_0', { exec: { kind: 'command', argv } })]);
    const { diagnostics, artifacts } = compile(ir);
    const d = diagnostics.items.find((x) => x.code === 'FLOWC603');
    expect(d?.message).toMatch(new RegExp(`^the Workflows definition is \\d+ bytes, \\d+ over the limit of ${MAX_SOURCE_BYTES} bytes on workflow source size \\(https://cloud\\.google\\.com/workflows/quotas\\)$`));
    expect(artifacts).toEqual([]);
  });

  it('keeps a few hundred steps well under the source limit by sharing one job body', () => {
    const ir = makeIR(Array.from({ length: 300 }, (_, i) => step(`step_${i}`, { needs: i > 0 ? [`step_${i - 1}`] : [] })));
    const { diagnostics, yaml } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(Buffer.byteLength(yaml)).toBeLessThan(MAX_SOURCE_BYTES / 2);
    expect(yaml.match(/googleapis\.batch\.v1\.projects\.locations\.jobs\.create/g)).toHaveLength(1);
  });

  it('FLOWC641: a foreach item or parameter default that needs an over-long expression is an error', () => {
    const big = `\${${'x'.repeat(500)}}`;
    expect(codes(makeIR([step('a', { foreach: { items: [big], from: null, parallelism: null } })]))).toContain('FLOWC641');
    expect(codes(makeIR([step('a')], { parameters: [param({ name: 'p', default: 'y'.repeat(500) })] }))).toContain('FLOWC641');
    // The same text in a command is fine: it is split and joined at run time.
    expect(codes(makeIR([step('a', { exec: { kind: 'command', argv: [lit(big)] } })]))).toEqual([]);
  });

  it('FLOWC646: a schedule without project and region options writes the workflow, not the scheduler file, and says what to set', () => {
    const ir = makeIR([step('a')], { schedule: { cron: '0 3 * * *', timezone: null, origin: { file: 'flow.yaml', line: 5, col: 11 } }, targets: { 'gcp-workflows': { schedulerServiceAccount: 'starter@p.iam.gserviceaccount.com' } } });
    const { diagnostics, artifacts } = compile(ir);
    expect(diagnostics.items.map((d) => [d.code, d.severity, d.span?.file, d.span?.line, d.span?.col])).toEqual([['FLOWC646', 'warning', 'flow.yaml', 5, 11]]);
    expect(diagnostics.items[0]?.message).toContain('set targets.gcp-workflows.project and region');
    expect(artifacts.map((a) => a.path)).toEqual(['demo.gcp.yaml']);
    const regionOnly = makeIR([step('a')], { schedule: { cron: '0 3 * * *', timezone: null, origin: { file: 'flow.yaml', line: 5, col: 11 } }, targets: { 'gcp-workflows': { region: 'us-east1', schedulerServiceAccount: 'starter@p.iam.gserviceaccount.com' } } });
    expect(compile(regionOnly).diagnostics.items[0]?.message).toMatch(/set targets\.gcp-workflows\.project$/);
  });

  it('FLOWC647: a schedule without schedulerServiceAccount writes the workflow, not a scheduler file whose calls would all be rejected', () => {
    const at = { file: 'flow.yaml', line: 5, col: 11 };
    // serviceAccount (the Batch VMs') is set and deliberately not borrowed.
    const ir = makeIR([step('a')], { schedule: { cron: '0 3 * * *', timezone: null, origin: at } });
    const { diagnostics, artifacts } = compile(ir);
    expect(diagnostics.items.map((d) => [d.code, d.severity, d.span?.file, d.span?.line, d.span?.col])).toEqual([['FLOWC647', 'warning', 'flow.yaml', 5, 11]]);
    expect(diagnostics.items[0]?.message).toContain('set targets.gcp-workflows.schedulerServiceAccount');
    expect(artifacts.map((a) => a.path)).toEqual(['demo.gcp.yaml']);
    // Both missing: both said at once.
    const bare = makeIR([step('a')], { schedule: { cron: '0 3 * * *', timezone: null, origin: at }, targets: {} });
    expect(codes(bare)).toEqual(['FLOWC646', 'FLOWC647']);
  });

  it('FLOWC645: a retry limit over 98 leaves no room in the job id', () => {
    expect(codes(makeIR([step('a', { retry: { limit: 99, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })]))).toEqual(['FLOWC645']);
    expect(codes(makeIR([step('a', { retry: { limit: 98, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })]))).toEqual([]);
  });

  it('FLOWC602: two steps whose job-id tags collide are an error', () => {
    // Both are longer than 14 characters, share their first 7 and the first 6 hex digits of their SHA-256.
    const ir = makeIR([step('collide_0001592'), step('collide_0009999')]);
    const { diagnostics } = compile(ir);
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC602']);
    expect(diagnostics.items[0]?.message).toContain('collide-e82644');
  });

  it('keeps every Batch job id within 63 characters for long step ids and many items', async () => {
    const id = 'a_very_long_step_identifier_that_is_forty'.slice(0, 40);
    const ir = makeIR([step(id, { foreach: { items: Array.from({ length: 12 }, (_, i) => i), from: null, parallelism: null }, retry: { limit: 98, delaySeconds: 1, backoff: 1, maxDelaySeconds: null } })]);
    const e = await execute(compile(ir).yaml, {}, { failures: (_, item) => (item === '11' ? 2 : 0) });
    expect(checkExecution(ir, e)).toEqual([]);
    for (const j of e.jobs) expect(j.jobId.length).toBeLessThanOrEqual(63);
  });
});

function maxParallelDepth(node: unknown, depth = 0): number {
  if (Array.isArray(node)) return Math.max(depth, ...node.map((n) => maxParallelDepth(n, depth)));
  if (node === null || typeof node !== 'object') return depth;
  let best = depth;
  for (const [k, v] of Object.entries(node)) best = Math.max(best, maxParallelDepth(v, k === 'parallel' ? depth + 1 : depth));
  return best;
}
