import { afterAll, describe, expect, it } from 'vitest';
import { cleanShellSandboxes, HOSTILE_SHELL_VALUES, runInSandbox } from '../../helpers/shell-sandbox.js';
import { shellScript } from '../../../src/ir/shell.js';
import type { IR, IRString } from '../../../src/ir/types.js';
import { aslErrors, checkExecution, compile, findState, lit, makeIR, param, runMachine, specOverrides, specProblems, step } from './helpers.js';

const RUN_ID = 'sh-run';
afterAll(cleanShellSandboxes);

/** The shared hostile values, plus a backslash and text Step Functions itself would read. */
const HOSTILE = [...HOSTILE_SHELL_VALUES, "\\\"; touch pwned_backslash; # {} $.params.msg States.Format('{}', $$.Execution.Name)"];

const env = (s: { Environment: { Name: string; Value: string }[] }) => Object.fromEntries(s.Environment.map((e) => [e.Name, e.Value]));
const overridesOf = (p: any) => p.ContainerOverrides ?? p.Overrides.ContainerOverrides[0];

/** Runs a container command as Batch/ECS would (argv with the job's env) in an empty folder. */
function runContainer(o: { Command: string[]; Environment: { Name: string; Value: string }[] }): { stdout: string; files: string[]; status: number | null } {
  expect(o.Command.slice(0, 2)).toEqual(['sh', '-c']);
  return runInSandbox(o.Command, env(o));
}

/** Runs the machine locally and returns what each Task sent to Batch/ECS, in completion order. */
async function taskInputs(ir: IR, input: Record<string, unknown>): Promise<{ state: string; overrides: any }[]> {
  const def = compile(ir).definition as Record<string, any>;
  const run = await runMachine(def, input, { runId: RUN_ID });
  expect(checkExecution(ir, def, run, { input, runId: RUN_ID, includeConfig: true })).toEqual([]);
  expect(specProblems(ir, def, { input, runId: RUN_ID, includeConfig: true })).toEqual([]);
  return run.records.map((r) => ({ state: r.state, overrides: overridesOf(r.input) }));
}

describe('run scripts read run-time values from env variables, never from their text', () => {
  const script: IRString = [
    { kind: 'lit', value: "printf '%s|%s|%s|%s|%s' \"" },
    { kind: 'param', name: 'msg' },
    { kind: 'lit', value: '" "' },
    { kind: 'param', name: 'days' },
    { kind: 'lit', value: '" "' },
    { kind: 'step', field: 'name' },
    { kind: 'lit', value: '" "' },
    { kind: 'flow', field: 'name' },
    { kind: 'lit', value: '" "' },
    { kind: 'run', field: 'id' },
    { kind: 'lit', value: '"' },
  ];
  const ir = makeIR([step('show', { exec: { kind: 'run', script }, env: [{ name: 'A_USER_VAR', value: lit('u') }] })], {
    parameters: [param({ name: 'msg', default: 'plain' }), param({ name: 'days', type: 'integer', default: 3 })],
  });
  const c = compile(ir);
  const def = c.definition as Record<string, any>;
  const overrides = findState(def, 'show')?.Parameters.ContainerOverrides;

  it('writes the script as a plain Command string with ${FLOWC_...} references and the values into the environment', () => {
    expect(c.diagnostics.items).toEqual([]);
    expect(aslErrors(def)).toEqual([]);
    expect(shellScript(script).script).toBe('printf \'%s|%s|%s|%s|%s\' "${FLOWC_PARAM_MSG}" "${FLOWC_PARAM_DAYS}" "${FLOWC_STEP}" "${FLOWC_FLOW}" "${FLOWC_RUN_ID}"');
    // No `Command.$`: nothing in the command is evaluated by Step Functions.
    expect(overrides.Command).toEqual(['sh', '-c', shellScript(script).script]);
    expect(overrides).not.toHaveProperty('Command.$');
    // FLOWC_* system variables, then the script's variables (by name), then the user's env.
    expect(overrides.Environment.map((e: { Name: string }) => e.Name)).toEqual([
      'FLOWC_FLOW',
      'FLOWC_STEP',
      'FLOWC_RUN_ID',
      'FLOWC_CONFIG_HASH',
      'FLOWC_CONFIG',
      'FLOWC_PARAM_DAYS',
      'FLOWC_PARAM_MSG',
      'A_USER_VAR',
    ]);
    // A string parameter is a bare path (copied as is); a number is made text by States.Format.
    expect(overrides.Environment[5]).toEqual({ Name: 'FLOWC_PARAM_DAYS', 'Value.$': "States.Format('{}', $.params.days)" });
    expect(overrides.Environment[6]).toEqual({ Name: 'FLOWC_PARAM_MSG', 'Value.$': '$.params.msg' });
  });

  it.each(HOSTILE.map((h) => [h]))('passes %j to the shell as data: only in the env value, printed verbatim, no file created', async (value) => {
    const [task] = await taskInputs(ir, { msg: value, days: 12 });
    const sent = task?.overrides;
    expect(sent.Command).toEqual(['sh', '-c', shellScript(script).script]);
    expect(sent.Command.join('\n')).not.toContain(value);
    expect(env(sent).FLOWC_PARAM_MSG).toBe(value);
    // The exact service semantics (spec evaluator) give the same value, backslashes included.
    const exact = specOverrides(findState(def, 'show') as Record<string, any>, { input: { params: { msg: value, days: 12 } }, context: { Execution: { Name: RUN_ID } } });
    expect(env(exact).FLOWC_PARAM_MSG).toBe(value);
    expect(runContainer(exact)).toEqual({ stdout: `${value}|12|show|demo|${RUN_ID}`, files: [], status: 0 });
    expect(runContainer(sent)).toEqual({ stdout: `${value}|12|show|demo|${RUN_ID}`, files: [], status: 0 });
  });

  it('keeps an unquoted reference data too: word splitting, but no command runs', async () => {
    const loose = makeIR([step('loose', { exec: { kind: 'run', script: [{ kind: 'lit', value: 'echo ' }, { kind: 'param', name: 'msg' }] } })], { parameters: [param({ name: 'msg' })] });
    for (const value of HOSTILE) {
      const [task] = await taskInputs(loose, { msg: value });
      const out = runContainer(task?.overrides);
      expect(out.files).toEqual([]);
      expect(out.status).toBe(0);
    }
  });

  it('leaves exec-form commands as they were: values in argv, no extra env', () => {
    const cmd = makeIR([step('cmd', { exec: { kind: 'command', argv: [lit('echo'), [{ kind: 'param', name: 'msg' }]] } })], { parameters: [param({ name: 'msg' })] });
    const o = findState(compile(cmd).definition as Record<string, any>, 'cmd')?.Parameters.ContainerOverrides;
    expect(o['Command.$']).toBe("States.Array('echo', $.params.msg)");
    expect(o.Environment.map((e: { Name: string }) => e.Name)).toEqual(['FLOWC_FLOW', 'FLOWC_STEP', 'FLOWC_RUN_ID', 'FLOWC_CONFIG_HASH', 'FLOWC_CONFIG']);
  });

  it('does the same for ECS tasks', async () => {
    const ecs: IR = { ...ir, targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } };
    const o = findState(compile(ecs).definition as Record<string, any>, 'show')?.Parameters.Overrides.ContainerOverrides[0];
    expect(o.Command).toEqual(['sh', '-c', shellScript(script).script]);
    expect(o.Environment.find((e: { Name: string }) => e.Name === 'FLOWC_PARAM_MSG')).toEqual({ Name: 'FLOWC_PARAM_MSG', 'Value.$': '$.params.msg' });
    const [task] = await taskInputs(ecs, { msg: HOSTILE[0] });
    expect(runContainer(task?.overrides)).toEqual({ stdout: `${HOSTILE[0]}|3|show|demo|${RUN_ID}`, files: [], status: 0 });
  });
});

describe('foreach items in run scripts', () => {
  const script: IRString = [
    { kind: 'lit', value: "printf '%s|%s' \"" },
    { kind: 'item', path: [] },
    { kind: 'lit', value: '" "' },
    { kind: 'item', path: ['a', 0] },
    { kind: 'lit', value: '"' },
  ];
  const items = HOSTILE.map((h, i) => ({ a: [h], i }));
  const ir = makeIR([step('each', { exec: { kind: 'run', script }, foreach: { items, from: null, parallelism: 2 } })]);

  it('reads the item and an item path from FLOWC_ITEM and FLOWC_ITEM_A_0, printed verbatim, no file created', async () => {
    const def = compile(ir).definition as Record<string, any>;
    expect(aslErrors(def)).toEqual([]);
    const o = findState(def, 'each')?.Parameters.ContainerOverrides;
    expect(o.Command).toEqual(['sh', '-c', 'printf \'%s|%s\' "${FLOWC_ITEM}" "${FLOWC_ITEM_A_0}"']);
    expect(o.Environment.slice(-2)).toEqual([
      { Name: 'FLOWC_ITEM', 'Value.$': '$.item._0' },
      { Name: 'FLOWC_ITEM_A_0', 'Value.$': '$.item._1' },
    ]);
    const sent = await taskInputs(ir, {});
    expect(sent).toHaveLength(items.length);
    const outs = sent.map((t) => runContainer(t.overrides));
    for (const out of outs) expect([out.files, out.status]).toEqual([[], 0]);
    const want = items.map((it) => `${JSON.stringify(it)}|${it.a[0]}`);
    expect(outs.map((out) => out.stdout).sort()).toEqual([...want].sort());
  });
});

describe('the script variables count toward the 8,192-character container overrides', () => {
  it('one more env entry pushes a script that fit as literal text over the limit', () => {
    // The same Command either way: once with `${FLOWC_PARAM_P}` typed literally, once from ${params.p}.
    const build = (n: number, viaParam: boolean) =>
      makeIR([step('s', { exec: { kind: 'run', script: viaParam ? [{ kind: 'lit', value: 'y'.repeat(n) }, { kind: 'param', name: 'p' }] : lit(`${'y'.repeat(n)}\${FLOWC_PARAM_P}`) } })], {
        parameters: [param({ name: 'p', default: 'v' })],
      });
    const size = (ir: IR) => JSON.stringify(findState(compile(ir).definition as Record<string, any>, 's')?.Parameters.ContainerOverrides).length;
    const n = 7000 + (8192 - size(build(7000, false)));
    expect(size(build(n, false))).toBe(8192);
    expect(compile(build(n, false)).diagnostics.items).toEqual([]);
    const c = compile(build(n, true));
    expect(c.diagnostics.items.map((d) => d.code)).toEqual(['FLOWC606']);
    const entry = JSON.stringify({ Name: 'FLOWC_PARAM_P', 'Value.$': '$.params.p' });
    expect(c.diagnostics.items[0]?.message).toContain(`the size of its container overrides is ${8192 + entry.length + 1} characters`);
  });
});
