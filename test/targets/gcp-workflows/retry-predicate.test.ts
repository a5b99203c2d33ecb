import { describe, expect, it } from 'vitest';
import { RETRYABLE_HTTP_CODES } from '../../../src/targets/gcp-workflows/batch-job.js';
import { checkExecution, compile, execute, makeIR, step } from './helpers.js';
import { evaluate, parse, type Value } from './interpreter/expr.js';

const evaluateExpression = (src: string, vars: Record<string, Value>): Value =>
  evaluate(parse(src), { lookup: (name) => vars[name] ?? null, env: {} });

const RETRY = { limit: 3, delaySeconds: 5, backoff: 1, maxDelaySeconds: null };

/**
 * Which errors the Batch submission retries. Error tags and the HttpError `code` field:
 * https://cloud.google.com/workflows/docs/reference/syntax/error-types; the retryable network
 * tags and statuses follow http.default_retry_predicate
 * (https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate) plus 500.
 */
describe('the Cloud Workflows retry predicate', () => {
  const ir = makeIR([step('a', { retry: RETRY })]);
  const { yaml } = compile(ir);

  it.each([400, 401, 403, 404, 409])('does not retry a submission refused with HTTP %i: the run fails after one call', async (code) => {
    const e = await execute(yaml, {}, { submitError: () => ({ tags: ['HttpError'], code }) });
    expect(e.error).not.toBeNull();
    expect(e.submissions.map((s) => s.code)).toEqual([code]);
    expect(e.jobs).toEqual([]);
  });

  it.each([...RETRYABLE_HTTP_CODES])('retries a submission refused with HTTP %i, and the step then runs', async (code) => {
    const e = await execute(yaml, {}, { submitError: (_s, _i, n) => (n <= 2 ? { tags: ['HttpError'], code } : null) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.submissions).toHaveLength(2);
    expect(e.jobs).toHaveLength(1);
    expect(e.jobs[0]?.jobId).toMatch(/-3$/);
  });

  it.each(['ConnectionError', 'ConnectionFailedError', 'TimeoutError'])('retries a %s', async (tag) => {
    const e = await execute(yaml, {}, { submitError: (_s, _i, n) => (n === 1 ? { tags: [tag] } : null) });
    expect(checkExecution(ir, e)).toEqual([]);
    expect(e.submissions.map((s) => s.tags)).toEqual([[tag]]);
  });

  it('retries a job that ran and failed (the flow\'s retry policy), and not an error it does not know', async () => {
    const failed = await execute(yaml, {}, { failures: () => 1 });
    expect(checkExecution(ir, failed)).toEqual([]);
    expect(failed.jobs.map((j) => j.failed)).toEqual([true, false]);
    const unknown = await execute(yaml, {}, { submitError: () => ({ tags: ['ResourceLimitError'] }) });
    expect(unknown.error).not.toBeNull();
    expect(unknown.submissions).toHaveLength(1);
  });

  it('stops at the retry limit even for retryable errors', async () => {
    const e = await execute(yaml, {}, { submitError: () => ({ tags: ['HttpError'], code: 503 }) });
    expect(e.error).not.toBeNull();
    expect(e.submissions).toHaveLength(RETRY.limit + 1);
  });
});

describe('the interpreter\'s `in` operator (https://cloud.google.com/workflows/docs/reference/syntax/datatypes#operators)', () => {
  it('tests list elements and map keys', () => {
    const vars = { tags: ['HttpError'], e: { code: 3 } };
    expect(evaluateExpression('"HttpError" in tags', vars)).toBe(true);
    expect(evaluateExpression('"OperationError" in tags', vars)).toBe(false);
    expect(evaluateExpression('"code" in e', vars)).toBe(true);
    expect(evaluateExpression('not ("tags" in e)', vars)).toBe(true);
  });
});

describe('the connector call\'s polling policy', () => {
  it('is set on every Batch job: first poll after 10 s, doubling, at most every 60 s', async () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'], retry: RETRY })]);
    const e = await execute(compile(ir).yaml, {}, { failures: (s) => (s === 'b' ? 1 : 0) });
    expect(e.jobs).toHaveLength(3);
    for (const j of e.jobs) expect(j.pollingPolicy).toEqual({ initial_delay: 10, multiplier: 2, max_delay: 60 });
  });
});
