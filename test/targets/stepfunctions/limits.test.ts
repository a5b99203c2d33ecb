import { describe, expect, it } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { canonicalJson, sha256Hex } from '../../../src/source/canonical-json.js';
import { aslErrors, checkExecution, compile, findState, lit, makeIR, runMachine, step } from './helpers.js';

function withConfig(ir: IR, values: Record<string, unknown>): IR {
  return { ...ir, config: { hash: sha256Hex(canonicalJson(values as never)), values: values as never } };
}

describe('Step Functions and service limits', () => {
  it('leaves FLOWC_CONFIG out of every step, with FLOWC606, when it would not fit the 8,192-character overrides', async () => {
    const ir = withConfig(makeIR([step('a'), step('b', { needs: ['a'] })]), { app: { blob: 'x'.repeat(9000) } });
    const c = compile(ir);
    expect(c.diagnostics.items.map((d) => [d.code, d.severity])).toEqual([['FLOWC606', 'warning']]);
    expect(c.diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, step 'a': the size of its container overrides is \d+ characters, \d+ over the limit of 8192 characters on AWS Batch container overrides \(https:\/\/docs\.aws\.amazon\.com\/batch\/latest\/APIReference\/API_ContainerOverrides\.html\); steps still get FLOWC_CONFIG_HASH$/);
    const def = c.definition as Record<string, any>;
    for (const id of ['a', 'b']) {
      const names = findState(def, id)?.Parameters.ContainerOverrides.Environment.map((e: { Name: string }) => e.Name);
      expect(names).toContain('FLOWC_CONFIG_HASH');
      expect(names).not.toContain('FLOWC_CONFIG');
    }
    const run = await runMachine(def, {}, { runId: 'r' });
    expect(checkExecution(ir, def, run, { input: {}, runId: 'r', includeConfig: false })).toEqual([]);
  });

  it('refuses a step whose overrides exceed 8,192 characters even without FLOWC_CONFIG (FLOWC603), writing nothing', () => {
    const ir = makeIR([step('a'), step('big', { needs: ['a'], exec: { kind: 'run', script: lit('y'.repeat(9000)) }, origin: { file: 'flow.yaml', line: 9, col: 3 } })]);
    const c = compile(ir);
    expect(c.artifacts).toEqual([]);
    const errors = c.diagnostics.errors();
    expect(errors.map((d) => d.code)).toEqual(['FLOWC603']);
    expect(errors[0]?.message).toMatch(/^step 'big': the size of its container overrides \(command and environment\) is (\d+) characters, (\d+) over the limit of 8192 characters on AWS Batch container overrides \(https:\/\/docs\.aws\.amazon\.com\/batch\/latest\/APIReference\/API_ContainerOverrides\.html\)$/);
    const [, size, over] = /is (\d+) characters, (\d+) over/.exec(errors[0]?.message ?? '') as RegExpExecArray;
    expect(Number(size) - Number(over)).toBe(8192);
    expect(errors[0]?.span).toEqual({ file: 'flow.yaml', line: 9, col: 3 });
  });

  it('names ECS in the overrides error for compute: ecs', () => {
    const ir = makeIR([step('big', { exec: { kind: 'run', script: lit('y'.repeat(9000)) } })], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } });
    expect(compile(ir).diagnostics.errors()[0]?.message).toContain('over the limit of 8192 characters on Amazon ECS container overrides (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html)');
  });

  it('refuses a definition over 1 MB (FLOWC603), saying by how much', () => {
    // 160 steps of ~7,000-character commands: each fits the overrides limit, together they pass 1 MB.
    const steps = Array.from({ length: 160 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`], exec: { kind: 'command', argv: [lit('z'.repeat(7000))] } }));
    const c = compile(makeIR(steps));
    expect(c.artifacts).toEqual([]);
    const msg = c.diagnostics.errors().map((d) => d.message);
    expect(msg).toHaveLength(1);
    expect(msg[0]).toMatch(/^the state machine definition is \d+ bytes, \d+ over the limit of 1048576 bytes on Step Functions state machine definitions \(1 MB\) \(https:\/\/docs\.aws\.amazon\.com\/step-functions\/latest\/dg\/service-quotas\.html\)$/);
  });

  it('writes a 1,000-step flow compact to fit 1 MB; it validates and runs', async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, { needs: i < 10 ? [] : [`s${i - 10}`, `s${i - 1 - (i % 7)}`] }));
    // Nested blocks, asked for: by default this graph runs as Batch job dependencies (batch-dag.test.ts).
    const ir = makeIR(steps, { targets: { stepfunctions: { dag: 'blocks' } } });
    const c = compile(ir);
    expect(c.diagnostics.errors()).toEqual([]);
    expect(c.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC605']);
    expect(Buffer.byteLength(c.text)).toBeLessThanOrEqual(1_048_576);
    expect(c.text.split('\n')).toHaveLength(2);
    const def = c.definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    const run = await runMachine(def, {}, { runId: 'r', delayMs: () => 0 });
    expect(checkExecution(ir, def, run, { input: {}, runId: 'r', includeConfig: true })).toEqual([]);
  });

  it('leaves FLOWC_CONFIG out, with FLOWC606, when the definition would not fit 1 MB with it', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`] }));
    const ir = withConfig(makeIR(steps), { app: { text: 'c'.repeat(600) } });
    const c = compile(ir);
    expect(c.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC606']);
    expect(c.diagnostics.items[0]?.message).toMatch(/^FLOWC_CONFIG is left out of every step: with it, the state machine definition is \d+ bytes, \d+ over the limit of 1048576 bytes on Step Functions state machine definitions \(1 MB\) \(https:\/\/docs\.aws\.amazon\.com\/step-functions\/latest\/dg\/service-quotas\.html\)/);
    expect(c.text).not.toContain('"FLOWC_CONFIG"');
    expect(c.text).toContain('"FLOWC_CONFIG_HASH"');
  });

  it('refuses foreach items over the 256 KiB payload limit', () => {
    const ir = makeIR([step('a', { foreach: { items: Array.from({ length: 300 }, (_, i) => `${i}-${'w'.repeat(1000)}`), from: null, parallelism: 4 } })]);
    const errors = compile(ir).diagnostics.errors();
    expect(errors.map((d) => d.code)).toEqual(['FLOWC603']);
    expect(errors[0]?.message).toMatch(/^step 'a': the size of its foreach items in the state's input is \d+ bytes, \d+ over the limit of 262144 bytes on a Step Functions state's input or output \(256 KiB\) \(https:\/\/docs\.aws\.amazon\.com\/step-functions\/latest\/dg\/service-quotas\.html\)$/);
  });

  it('refuses timeouts beyond the ASL bounds, and caps a longer maxDelay at MaxDelaySeconds\' bound', () => {
    const ir = makeIR([step('a', { timeoutSeconds: 100_000_000, retry: { limit: 1, delaySeconds: 1, backoff: 2, maxDelaySeconds: 40_000_000 } })]);
    const msgs = compile(ir).diagnostics.errors().map((d) => d.message);
    expect(msgs).toEqual([
      "step 'a': TimeoutSeconds (timeout) is 100000000 seconds, 1 over the limit of 99999999 seconds on TimeoutSeconds (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)",
    ]);
    const capped = makeIR([step('a', { retry: { limit: 1, delaySeconds: 1, backoff: 2, maxDelaySeconds: 40_000_000 } })]);
    // Retry[0] is the submission retrier (task.ts); the step's own policy follows it.
    expect(findState(compile(capped).definition as Record<string, any>, 'a')?.Retry[1].MaxDelaySeconds).toBe(31_622_399);
  });
});
