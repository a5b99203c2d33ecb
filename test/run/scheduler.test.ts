import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IR, IRPart, IRStep, IRString } from '../../src/ir/types.js';
import { failureDiagnostics } from '../../src/run/failures.js';
import { preflight } from '../../src/run/preflight.js';
import { plainStatus } from '../../src/run/status.js';
import type { RunRecord } from '../../src/run/record.js';
import { type RunEvent, Scheduler } from '../../src/run/scheduler.js';
import { lit, makeIR, ORIGIN, step } from '../helpers/ir-builders.js';

const out = (s: string, o: string): IRPart => ({ kind: 'output', step: s, output: o });
const item = (...path: (string | number)[]): IRPart => ({ kind: 'item', path });
const str = (...parts: (string | IRPart)[]): IRString => parts.map((p) => (typeof p === 'string' ? { kind: 'lit', value: p } : p));
const sh = (...parts: (string | IRPart)[]): IRStep['exec'] => ({ kind: 'run', script: str(...parts) });

async function run(ir: IR, onEvent: (e: RunEvent, s: Scheduler) => void = () => {}): Promise<{ record: RunRecord; dir: string; events: RunEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-outputs-'));
  const events: RunEvent[] = [];
  const s: Scheduler = new Scheduler({
    ir,
    params: {},
    runId: 'r1',
    runDir: dir,
    cwd: dir,
    baseEnv: { PATH: process.env.PATH },
    maxParallel: 4,
    only: null,
    graceMs: 1000,
    now: () => new Date(0),
    onEvent: (e) => {
      events.push(e);
      onEvent(e, s);
    },
    onRecord: () => {},
    flowcVersion: 'test',
  });
  return { record: await s.run(), dir, events };
}

// The scheduler on hand-made IR, with real processes: outputs (docs/outputs.md) and retry waits.
describe('flowc run: step outputs and dynamic foreach', () => {
  it('publishes outputs, fans out over a JSON list in item order, and joins the results as a JSON list', async () => {
    const ir = makeIR([
      step('split', {
        exec: sh(`echo '[{"id":"a"},{"id":2},{"id":[3]}]' > "$FLOWC_OUTPUTS/shards"; printf 's3://m\\n\\n' > "$FLOWC_OUTPUTS/manifest"`),
        outputs: [
          { name: 'manifest', type: 'string', origin: ORIGIN },
          { name: 'shards', type: 'json', origin: ORIGIN },
        ],
      }),
      step('process', {
        needs: ['split'],
        foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 1 },
        exec: sh('echo "', item('id'), '-', out('split', 'manifest'), '" > "$FLOWC_OUTPUTS/result"; echo "$FLOWC_ITEM" > "$FLOWC_OUTPUTS/raw"'),
        outputs: [
          { name: 'raw', type: 'json', origin: ORIGIN },
          { name: 'result', type: 'string', origin: ORIGIN },
        ],
      }),
      step('join', {
        needs: ['process'],
        exec: { kind: 'command', argv: [lit('sh'), lit('-c'), lit('printf "%s|%s|%s" "$1" "$MANIFEST" "$2" > join.txt'), lit('sh'), str(out('process', 'result')), str(out('process', 'raw'))] },
        env: [{ name: 'MANIFEST', value: str(out('split', 'manifest')) }],
      }),
    ]);
    const { record, dir } = await run(ir);
    expect(record.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'join.txt'), 'utf8')).toBe('["a-s3://m","2-s3://m","[3]-s3://m"]|s3://m|[{"id":"a"},{"id":2},{"id":[3]}]');
    const process = record.steps[1];
    expect(process?.tasks.map((t) => [t.index, t.item, t.outputs?.result])).toEqual([
      [0, { id: 'a' }, 'a-s3://m'],
      [1, { id: 2 }, '2-s3://m'],
      [2, { id: [3] }, '[3]-s3://m'],
    ]);
    expect(record.steps[0]?.tasks[0]?.outputs).toEqual({ manifest: 's3://m', shards: [{ id: 'a' }, { id: 2 }, { id: [3] }] });
    // Each task had its own FLOWC_OUTPUTS under the run folder.
    expect(readFileSync(join(dir, 'outputs/process/1/result'), 'utf8')).toBe('2-s3://m\n');
  });

  it('runs no task for an empty list; the step succeeds and dependents see []', async () => {
    const ir = makeIR([
      step('split', { exec: sh('echo "[]" > "$FLOWC_OUTPUTS/shards"'), outputs: [{ name: 'shards', type: 'json', origin: ORIGIN }] }),
      step('process', { needs: ['split'], foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: null }, exec: sh('echo ran >> ran.txt; echo x > "$FLOWC_OUTPUTS/r"'), outputs: [{ name: 'r', type: 'string', origin: ORIGIN }] }),
      step('join', { needs: ['process'], exec: sh('echo "', out('process', 'r'), '" > join.txt') }),
    ]);
    const { record, dir } = await run(ir);
    expect(record.status).toBe('succeeded');
    expect(record.steps[1]?.tasks).toEqual([]);
    expect(readFileSync(join(dir, 'join.txt'), 'utf8')).toBe('[]\n');
  });

  it('fails the step, before any task, when the value is not a JSON list (FLOWC863)', async () => {
    const ir = makeIR([
      step('split', { exec: sh('echo \'{"a":1}\' > "$FLOWC_OUTPUTS/shards"'), outputs: [{ name: 'shards', type: 'json', origin: ORIGIN }] }),
      step('process', { needs: ['split'], origin: { file: 'flow.yaml', line: 9, col: 3 }, foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: null }, exec: sh('echo ran > ran.txt') }),
    ]);
    const { record, dir } = await run(ir);
    expect(record.status).toBe('failed');
    expect(record.steps[1]?.tasks).toEqual([]);
    const ds = failureDiagnostics({ ir, record, flowDir: '/p', logDir: '.flowc/runs/r1' });
    expect(ds.map((d) => [d.code, d.span?.line, d.message])).toEqual([['FLOWC863', 9, 'step \'process\' iterates over ${steps.split.outputs.shards}, which is not a JSON list: {"a":1}']]);
    expect(() => readFileSync(join(dir, 'ran.txt'))).toThrow();
  });

  it('fails an attempt whose declared output is missing or not JSON, and retries it (FLOWC862)', async () => {
    const missing = makeIR([
      step('missing', { exec: sh('echo x >> missing-attempts.txt'), retry: { limit: 1, delaySeconds: 0, backoff: 1, maxDelaySeconds: null }, outputs: [{ name: 'value', type: 'string', origin: ORIGIN }] }),
    ]);
    const a = await run(missing);
    expect(a.record.status).toBe('failed');
    expect(readFileSync(join(a.dir, 'missing-attempts.txt'), 'utf8')).toBe('x\nx\n');
    expect(failureDiagnostics({ ir: missing, record: a.record, flowDir: '/p', logDir: 'L' }).map((d) => [d.code, d.message])).toEqual([
      ['FLOWC862', "step 'missing' output 'value': the step exited 0 but did not write $FLOWC_OUTPUTS/value (after 2 attempts)"],
    ]);
    const invalid = makeIR([step('invalid', { exec: sh('echo "{not json" > "$FLOWC_OUTPUTS/value"'), outputs: [{ name: 'value', type: 'json', origin: ORIGIN }] })]);
    const b = await run(invalid);
    expect(b.record.status).toBe('failed');
    expect(failureDiagnostics({ ir: invalid, record: b.record, flowDir: '/p', logDir: 'L' }).map((d) => [d.code, d.message])).toEqual([
      ['FLOWC862', expect.stringMatching(/^step 'invalid' output 'value': \$FLOWC_OUTPUTS\/value is not one valid JSON value/)],
    ]);
  });

  it('refuses --only when a selected step reads an output of a step it leaves out (FLOWC855)', () => {
    const ir = makeIR([
      step('split', { exec: sh('true'), outputs: [{ name: 'shards', type: 'json', origin: ORIGIN }, { name: 'm', type: 'string', origin: ORIGIN }] }),
      step('process', { needs: ['split'], origin: { file: 'flow.yaml', line: 7, col: 3 }, foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: null }, exec: sh('echo'), env: [{ name: 'M', value: str(out('split', 'm')) }] }),
    ]);
    const r = preflight({ ir, only: ['process'], env: {}, flowDir: '/p' });
    expect(r.diagnostics.map((d) => [d.code, `${d.span?.file}:${d.span?.line}:${d.span?.col}`, d.message])).toEqual([
      ['FLOWC855', '/p/flow.yaml:7:3', "step 'process' reads ${steps.split.outputs.m}, but --only leaves out step 'split', so the value would not exist"],
      ['FLOWC855', '/p/flow.yaml:7:3', "step 'process' reads ${steps.split.outputs.shards}, but --only leaves out step 'split', so the value would not exist"],
    ]);
    expect(preflight({ ir, only: ['split', 'process'], env: {}, flowDir: '/p' }).diagnostics).toEqual([]);
  });

  it('shows a value a step wrote escaped, never as terminal control characters', async () => {
    const ir = makeIR([
      step('split', { exec: sh('printf "\\033[2Jnot a list" > "$FLOWC_OUTPUTS/shards"'), outputs: [{ name: 'shards', type: 'string', origin: ORIGIN }] }),
      step('process', { needs: ['split'], foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: null }, exec: sh('true') }),
    ]);
    const { record, events } = await run(ir);
    expect(record.steps[1]?.problem).toContain('\x1b[2J');
    let text = '';
    const display = plainStatus((t) => void (text += t), 'L');
    for (const e of events) display.onEvent(e);
    expect(text).toContain('failed    process: step \'process\' iterates over ${steps.split.outputs.shards}, which is not a JSON list: ');
    expect(text).not.toContain('\x1b');
  });
});

describe('flowc run: stopping and failing around retry waits', () => {
  it('a stop during a retry wait ends the run at once, the task stopped', async () => {
    const long = { limit: 3, delaySeconds: 100_000, backoff: 1, maxDelaySeconds: null };
    const ir = makeIR([step('a', { exec: sh('exit 1'), retry: long })]);
    const { record } = await run(ir, (e, s) => {
      if (e.kind === 'retry-wait') s.stop();
    });
    expect(record.status).toBe('interrupted');
    expect(record.steps[0]?.tasks[0]?.status).toBe('stopped');
    expect(record.steps[0]?.tasks[0]?.attempts).toHaveLength(1);
  });

  it('a failure elsewhere cancels a pending retry: the run ends without waiting for it', async () => {
    const long = { limit: 3, delaySeconds: 100_000, backoff: 1, maxDelaySeconds: null };
    const ir = makeIR([
      step('a', { exec: sh('touch a-failed; exit 1'), retry: long }),
      step('b', { exec: sh('while [ ! -f a-failed ]; do sleep 0.02; done; exit 1') }),
    ]);
    const { record } = await run(ir);
    expect(record.status).toBe('failed');
    expect(record.steps.map((s) => s.status)).toEqual(['failed', 'failed']);
    expect(record.steps[0]?.tasks[0]?.attempts).toHaveLength(1);
  });
});
