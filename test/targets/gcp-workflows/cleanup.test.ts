import { describe, expect, it } from 'vitest';
import { checkExecution, compile, execute, makeIR, step } from './helpers.js';

const EXEC_ID = '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab';
const PARENT = 'projects/my-project/locations/us-central1';
const RETRY = { limit: 2, delaySeconds: 5, backoff: 1, maxDelaySeconds: null };

/**
 * A Batch job outlives the connector call that waits for it: the connector's timeout only ends the
 * wait (https://cloud.google.com/workflows/docs/reference/googleapis). `flowc_step` deletes the job
 * of a failed attempt (jobs.delete stops a running job:
 * https://cloud.google.com/workflows/docs/reference/googleapis/batch/v1/projects.locations.jobs/delete)
 * before the next attempt starts and after the last one.
 */
describe('no attempt leaves its Batch job running', () => {
  const ir = makeIR([step('slow', { retry: RETRY, timeoutSeconds: 100 })]);
  const { yaml } = compile(ir);

  it('deletes a job whose wait timed out before the next attempt starts', async () => {
    const e = await execute(yaml, {}, { hangs: (_s, _i, n) => n === 1 });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.deletions).toEqual([{ name: `${PARENT}/jobs/slow-${EXEC_ID}-1`, at: 100, found: true }]);
    const [first, second] = e.jobs;
    expect(first?.deletedAt).toBe(100);
    expect(second?.start).toBeGreaterThanOrEqual(100);
    expect(e.jobs.filter((j) => j.hung && j.deletedAt === null)).toEqual([]);
  });

  it('deletes the job of the last attempt too, and the run fails with the timeout', async () => {
    const e = await execute(yaml, {}, { hangs: () => true });
    expect((e.error as { tags?: string[] }).tags).toEqual(['TimeoutError']);
    expect(e.jobs).toHaveLength(3);
    expect(e.deletions.map((d) => [d.name.slice(-2), d.found])).toEqual([['-1', true], ['-2', true], ['-3', true]]);
    expect(e.jobs.every((j) => j.deletedAt !== null)).toBe(true);
  });

  it('keeps a job that ran and failed (it has stopped; its status and logs stay for the operator)', async () => {
    const e = await execute(yaml, {}, { failures: () => 1 });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.deletions).toEqual([]);
    expect(e.jobs.map((j) => [j.failed, j.deletedAt])).toEqual([[true, null], [false, null]]);
  });

  it('after a refused submission, a delete that finds no job is ignored and the refusal is the error', async () => {
    const e = await execute(yaml, {}, { submitError: () => ({ tags: ['HttpError'], code: 403 }) });
    expect(e.deletions).toEqual([{ name: `${PARENT}/jobs/slow-${EXEC_ID}-1`, at: 0, found: false }]);
    expect(e.error).toMatchObject({ tags: ['HttpError'], payload: { code: 403 } });
    const retried = await execute(yaml, {}, { submitError: (_s, _i, n) => (n === 1 ? { tags: ['HttpError'], code: 503 } : null) });
    expect(checkExecution(ir, retried)).toEqual([]);
    expect(retried.deletions.map((d) => d.found)).toEqual([false]);
  });

  it('deletes foreach items\' jobs by their own ids, with the parent read from the workflow when unset', async () => {
    const each = makeIR([step('fan', { foreach: { items: ['a', 'b'], from: null, parallelism: null }, timeoutSeconds: 50 })], { targets: {} });
    const e = await execute(compile(each).yaml, {}, { hangs: (_s, item) => item === 'b' });
    expect(e.deletions.map((d) => d.name)).toEqual([`projects/env-project/locations/europe-west4/jobs/fan-${EXEC_ID}-1-1`]);
    expect(e.error).toBeTruthy();
  });
});
