import { describe, expect, it } from 'vitest';
import { fixtureIR } from '../../helpers/fixtures.js';
import { aslErrors, checkExecution, compile, findState, lit, makeIR, param, runMachine, step } from './helpers.js';

const RUN_ID = 'params-run';

describe('parameters in the execution input', () => {
  const ir = makeIR(
    [
      step('a', {
        exec: { kind: 'command', argv: [lit('go'), [{ kind: 'param', name: 'date' }], [{ kind: 'lit', value: '--n=' }, { kind: 'param', name: 'n' }]] },
        env: [{ name: 'MODE', value: [{ kind: 'param', name: 'mode' }] }],
      }),
      step('b', { needs: ['a'], exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'param', name: 'dry' }] } }),
      step('c', { needs: ['a'], foreach: { items: ['x', 'y'], from: null, parallelism: null }, exec: { kind: 'command', argv: [[{ kind: 'param', name: 'date' }], [{ kind: 'item', path: [] }]] } }),
    ],
    {
      parameters: [
        param({ name: 'date', required: true }),
        param({ name: 'n', type: 'integer', default: 7 }),
        param({ name: 'mode', enum: ['full', 'incremental'], default: 'full' }),
        param({ name: 'dry', type: 'boolean', default: false }),
      ],
    },
  );
  const def = compile(ir).definition as Record<string, any>;

  it('merges defaults at the first states and reaches every step, in branches and Map items too', async () => {
    expect(aslErrors(def)).toEqual([]);
    expect(def.StartAt).toBe('flowc-input');
    expect(findState(def, 'flowc-defaults')).toEqual({ Type: 'Pass', Result: { n: 7, mode: 'full', dry: false }, ResultPath: '$.defaults', Next: 'flowc-parameters' });
    for (const input of [{ date: '2024-01-01' }, { date: '2024-02-02', n: 3, mode: 'incremental', dry: true }]) {
      const run = await runMachine(def, input, { runId: RUN_ID });
      expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig: true })).toEqual([]);
    }
  });

  it('fails a run that lacks a required parameter with flowc.MissingParameter, before any step', async () => {
    const run = await runMachine(def, { n: 1 }, { runId: RUN_ID });
    expect(run.error?.name).toBe('flowc.MissingParameter');
    expect(run.error?.message).toBe('parameter \'date\' is required: start the execution with input like {"date": "..."}');
    expect(run.records).toEqual([]);
  });

  it('fails a run with a value of the wrong type or outside the enum with flowc.InvalidParameter', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ date: 20240101 }, "parameter 'date' must be a string"],
      [{ date: 'd', n: 'seven' }, "parameter 'n' must be an integer"],
      [{ date: 'd', dry: 'yes' }, "parameter 'dry' must be a boolean"],
      [{ date: 'd', mode: 'partial' }, 'parameter \'mode\' must be a string, one of "full", "incremental"'],
    ];
    for (const [input, message] of cases) {
      const run = await runMachine(def, input, { runId: RUN_ID });
      expect(run.error, JSON.stringify(input)).toEqual({ name: 'flowc.InvalidParameter', message });
      expect(run.records).toEqual([]);
    }
  });

  it('needs no parameter states when the flow has no parameters', () => {
    const plain = compile(makeIR([step('a')])).definition as Record<string, any>;
    expect(Object.keys(plain.States)).toEqual(['a']);
  });

  it('fails a run of the parameters fixture without its required date', async () => {
    const fx = fixtureIR('parameters');
    const fdef = compile(fx).definition as Record<string, any>;
    const missing = await runMachine(fdef, {}, { runId: RUN_ID });
    expect(missing.error?.name).toBe('flowc.MissingParameter');
  });
});
