import { describe, expect, it } from 'vitest';
import { newRunId, RUN_ID } from '../../src/run/run-dir.js';
import { maxAttempts, retryDelaySeconds, timerMs } from '../../src/run/retry.js';
import { liveStatus } from '../../src/run/status.js';
import { outputText } from '../../src/run/outputs.js';
import { recordSaver, type RunRecord } from '../../src/run/record.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('flowc run: pieces', () => {
  it('computes retry delays as the engines do: delay times factor per retry, capped', () => {
    const retry = { limit: 5, delaySeconds: 2, backoff: 3, maxDelaySeconds: 30 };
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(retry, n))).toEqual([2, 6, 18, 30]);
    expect(retryDelaySeconds({ ...retry, maxDelaySeconds: null }, 4)).toBe(54);
    expect(maxAttempts(retry)).toBe(6);
    expect(maxAttempts(null)).toBe(1);
  });

  it('caps timer delays where setTimeout would otherwise fire at once', () => {
    expect(timerMs(1.5)).toBe(1500);
    expect(timerMs(30 * 24 * 3600)).toBe(2 ** 31 - 1);
  });

  it('makes run ids that sort by start time and are valid ids', () => {
    const id = newRunId(new Date('2026-12-06T22:07:31.123Z'), () => 0.5);
    expect(id).toBe('20261206-220731-800000');
    expect(RUN_ID.test(id)).toBe(true);
  });

  it('renders output text: strings as is, JSON compact, foreach values as a list in item order', () => {
    expect(outputText({ type: 'string', value: 'a b' })).toBe('a b');
    expect(outputText({ type: 'json', value: { a: [1, 2] } })).toBe('{"a":[1,2]}');
    expect(outputText([{ type: 'string', value: 'x' }, { type: 'json', value: 1 }])).toBe('["x",1]');
  });

  it('redraws one line per step in place on a terminal', () => {
    let text = '';
    const display = liveStatus({ write: (t) => void (text += t), steps: ['a', 'bb'], now: () => 0, intervalMs: 1_000_000 });
    display.onEvent({ kind: 'step-start', step: 'a', tasks: 1 });
    display.onEvent({ kind: 'step-end', step: 'a', status: 'succeeded' });
    display.close();
    const frames = text.split('\x1b[2A');
    expect(frames).toHaveLength(4);
    expect(frames[0]).toBe('\x1b[2K· a    waiting\n\x1b[2K· bb   waiting\n');
    expect(frames[3]).toBe('\x1b[2K✓ a    succeeded 0.0s\n\x1b[2K· bb   waiting\n');
  });

  it('rewrites run.json at most once per interval while running, and always at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-record-'));
    let now = 1000;
    const save = recordSaver({ dir, intervalMs: 500, now: () => now });
    const rec = (status: RunRecord['status'], n: number) => ({ runRecordVersion: 1, runId: 'r', status, steps: [], maxParallel: n }) as unknown as RunRecord;
    const onDisk = () => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord;
    save(rec('running', 1), false);
    expect(onDisk().maxParallel).toBe(1);
    now += 100;
    save(rec('running', 2), false);
    expect(onDisk().maxParallel).toBe(1);
    save(rec('succeeded', 3), true);
    expect(onDisk()).toMatchObject({ status: 'succeeded', maxParallel: 3 });
  });
});
