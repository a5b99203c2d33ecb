import { afterAll, describe, expect, it } from 'vitest';
import { cleanShellSandboxes, HOSTILE_SHELL_VALUES, runInSandbox } from '../../helpers/shell-sandbox.js';
import { parse } from 'yaml';
import { shellScript } from '../../../src/ir/shell.js';
import type { IRString } from '../../../src/ir/types.js';
import { quote } from '../../../src/targets/gcp-workflows/render-string.js';
import { checkExecution, compile, execute, makeIR, param, step, succeeded } from './helpers.js';
import type { JobRecord } from './interpreter/fake-batch.js';
import { schemaErrors } from './structure.js';

afterAll(cleanShellSandboxes);

/** The shared hostile values, plus Workflows' own `${`. */
const HOSTILE = [...HOSTILE_SHELL_VALUES, '${FLOWC_RUN_ID} ${x} $HOME'];

/** Runs a job's container command as Batch would (`sh -c SCRIPT` with the job's env) in an empty folder. */
function runJob(job: JobRecord): { stdout: string; files: string[]; status: number | null } {
  const [flag, script] = job.commands;
  expect([job.entrypoint, flag]).toEqual(['/bin/sh', '-c']);
  return runInSandbox([job.entrypoint as string, '-c', script as string], job.env);
}

describe('run scripts read run-time values from env variables, never from their text', () => {
  const script: IRString = [
    { kind: 'lit', value: "printf '%s|%s|%s' \"" },
    { kind: 'param', name: 'p' },
    { kind: 'lit', value: '" "' },
    { kind: 'step', field: 'name' },
    { kind: 'lit', value: '" "' },
    { kind: 'run', field: 'id' },
    { kind: 'lit', value: '"' },
  ];
  const ir = makeIR([step('show', { exec: { kind: 'run', script } })], { parameters: [param({ name: 'p', default: HOSTILE[0] })] });
  const { yaml, diagnostics } = compile(ir);

  it('writes the script as literal text with ${FLOWC_...} references and the value into FLOWC_PARAM_P', () => {
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(shellScript(script).script).toBe('printf \'%s|%s|%s\' "${FLOWC_PARAM_P}" "${FLOWC_STEP}" "${FLOWC_RUN_ID}"');
    // The script is one string literal (an expression only because it holds `${`), with no
    // parameter term pasted in; the call's env reads the parameter into FLOWC_PARAM_P.
    const doc = parse(yaml) as { main: { steps: Record<string, { args: { entrypoint: string; commands: string[]; env: Record<string, string> } }>[] } };
    const call = doc.main.steps.find((s) => 'run_show' in s)?.run_show;
    expect([call?.args.entrypoint, ...(call?.args.commands ?? [])]).toEqual(['/bin/sh', '-c', `\${${quote(shellScript(script).script)}}`]);
    expect(call?.args.env).toEqual({ FLOWC_PARAM_P: '${params["p"]}' });
  });

  it.each(HOSTILE.map((h) => [h]))('passes %j to the shell as data: printed verbatim, no file created', async (value) => {
    const e = await execute(yaml, { p: value });
    expect(checkExecution(ir, e)).toEqual([]);
    const [job] = succeeded(e);
    if (!job) throw new Error('no job');
    expect(job.commands[1]).toBe(shellScript(script).script);
    expect(job.commands.join('\n')).not.toContain(value);
    expect(job.env.FLOWC_PARAM_P).toBe(value);
    const out = runJob(job);
    expect(out).toEqual({ stdout: `${value}|show|0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab`, files: [], status: 0 });
  });

  it('uses the default when no value is given, as data too', async () => {
    const [job] = succeeded(await execute(yaml, {}));
    if (!job) throw new Error('no job');
    expect(job.env.FLOWC_PARAM_P).toBe(HOSTILE[0]);
    expect(runJob(job)).toEqual({ stdout: `${HOSTILE[0]}|show|0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab`, files: [], status: 0 });
  });

  it('passes hostile foreach items (whole item and a path into it) through FLOWC_ITEM and FLOWC_ITEM_V', async () => {
    const items = HOSTILE.map((h) => ({ v: h }));
    const each: IRString = [
      { kind: 'lit', value: "printf '%s|%s' \"" },
      { kind: 'item', path: ['v'] },
      { kind: 'lit', value: '" "' },
      { kind: 'item', path: [] },
      { kind: 'lit', value: '"' },
    ];
    const fan = makeIR([step('fan', { exec: { kind: 'run', script: each }, foreach: { items, from: null, parallelism: null } })]);
    const compiled = compile(fan);
    expect(compiled.diagnostics.items).toEqual([]);
    expect(schemaErrors(compiled.yaml)).toEqual([]);
    for (const h of HOSTILE) expect(compiled.yaml.includes(`FLOWC_ITEM_V: ${h}`)).toBe(false);
    const e = await execute(compiled.yaml, {});
    expect(checkExecution(fan, e)).toEqual([]);
    const jobs = succeeded(e);
    expect(jobs.map((j) => j.env.FLOWC_ITEM_V).sort()).toEqual([...HOSTILE].sort());
    for (const job of jobs) {
      expect(job.commands[1]).toBe('printf \'%s|%s\' "${FLOWC_ITEM_V}" "${FLOWC_ITEM}"');
      const out = runJob(job);
      expect(out).toEqual({ stdout: `${job.env.FLOWC_ITEM_V}|${JSON.stringify({ v: job.env.FLOWC_ITEM_V })}`, files: [], status: 0 });
    }
  });

  it('leaves exec-form commands as they were: the value is its own argument, not in the env', async () => {
    const cmd = makeIR([step('argv', { exec: { kind: 'command', argv: [[{ kind: 'lit', value: 'echo' }], [{ kind: 'param', name: 'p' }]] } })], {
      parameters: [param({ name: 'p', required: true })],
    });
    const [job] = succeeded(await execute(compile(cmd).yaml, { p: HOSTILE[1] }));
    expect([job?.entrypoint, ...(job?.commands ?? [])]).toEqual(['echo', HOSTILE[1]]);
    expect(job?.env.FLOWC_PARAM_P).toBeUndefined();
  });
});

describe('run-script variables and the 128 KB source limit', () => {
  it('counts the variables toward the size: the same script text goes over only with its env', () => {
    const n = 900;
    const chain = (script: IRString) =>
      makeIR(
        Array.from({ length: n }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`], exec: { kind: 'run', script } })),
        { parameters: [param({ name: 'p', default: 'x' })] },
      );
    const reads: IRString = [{ kind: 'lit', value: 'echo "' }, { kind: 'param', name: 'p' }, { kind: 'lit', value: '"' }];
    const literal: IRString = [{ kind: 'lit', value: shellScript(reads).script }];
    const plain = compile(chain(literal));
    expect(plain.diagnostics.items.filter((d) => d.code === 'FLOWC603' || d.code === 'FLOWC688')).toEqual([]);
    expect(plain.artifacts.map((a) => a.path)).toEqual(['demo.gcp.yaml']);
    // Over 128 KB as one workflow, so it is cut into child workflows (partition.ts).
    const withEnv = compile(chain(reads));
    const codes = withEnv.diagnostics.items.map((d) => d.code);
    expect(codes).not.toContain('FLOWC603');
    expect(withEnv.diagnostics.items.find((d) => d.code === 'FLOWC688')?.message).toMatch(/because as one workflow, the Workflows definition is \d+ bytes, \d+ over the limit of 131072 bytes/);
    expect(withEnv.artifacts.length).toBeGreaterThan(2);
  });
});
