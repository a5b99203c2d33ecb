import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtureIR } from '../../helpers/fixtures.js';
import { checkExecution, compile, execute, lit, makeIR, step, succeeded } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

type Steps = Record<string, Record<string, unknown>>[];

/** The `args` of the call named `name` anywhere in `main`. */
function callArgs(yaml: string, name: string): Record<string, unknown> | undefined {
  const find = (steps: Steps): Record<string, unknown> | undefined => {
    for (const s of steps) {
      const [n, body] = Object.entries(s)[0] as [string, Record<string, unknown>];
      if (n === name) return body.args as Record<string, unknown>;
      const nested = (body.steps ?? (body.parallel as { for?: { steps: Steps } } | undefined)?.for?.steps) as Steps | undefined;
      const branches = (body.parallel as { branches?: Record<string, { steps: Steps }>[] } | undefined)?.branches ?? [];
      for (const inner of [nested, ...branches.map((b) => (Object.values(b)[0] as { steps: Steps }).steps)]) {
        const got = inner ? find(inner) : undefined;
        if (got) return got;
      }
    }
    return undefined;
  };
  return find((parse(yaml, { version: '1.1' }) as { main: { steps: Steps } }).main.steps);
}

describe('each job is written at its call site', () => {
  it('ml-training: every call names its image, command, env, resources, timeout and retry values', () => {
    const { yaml, diagnostics } = compile(fixtureIR('ml-training'));
    expect(diagnostics.errors()).toEqual([]);
    expect(callArgs(yaml, 'run_train')).toEqual({
      step: 'train',
      image: 'ghcr.io/acme/content-model:2.7.1',
      entrypoint: 'python',
      commands: ['train.py', '--alpha', '${string(params["alpha"])}', '--target', 'clicked'],
      env: { EPOCHS: '10', LOG_LEVEL: 'info', TARGET: 'clicked' },
      cpu_milli: 8000,
      memory_mib: 32768,
      instances: [{ installGpuDrivers: true, policy: { accelerators: [{ type: 'nvidia-tesla-t4', count: 1 }] } }],
      max_run_duration: '9000s',
      timeout: 9000,
      max_retries: 3,
      initial_delay: 30,
      max_delay: 600,
      multiplier: 2,
    });
    expect(callArgs(yaml, 'each_fetch')).toMatchObject({ entrypoint: 'python', commands: ['fetch.py', '--region', '${item}'], env: { FLOWC_ITEM: '${item}', LOG_LEVEL: 'info' }, cpu_milli: 1000, timeout: 3600 });
    // Nothing is assembled at run time from tables or loops over the command.
    expect(yaml).not.toMatch(/profiles|flowc_arg_|map\.merge\(flowc|list\.concat/);
  });

  it('a job takes the same few steps however many arguments its command has', async () => {
    const steps = async (n: number): Promise<number> => {
      const ir = makeIR([step('a', { exec: { kind: 'command', argv: Array.from({ length: n }, (_, i) => lit(`arg${i}`)) } })]);
      const e = await execute(compile(ir).yaml, {});
      expect(checkExecution(ir, e)).toEqual([]);
      return e.steps;
    };
    const one = await steps(1);
    expect(await steps(12)).toBe(one);
    expect(await steps(40)).toBe(one);
    expect(one).toBeLessThanOrEqual(12);
  });

  it('a large flow leaves values equal to flowc_step defaults out of its one-line calls, and each job still gets its own', async () => {
    const ir = makeIR(
      Array.from({ length: 200 }, (_, i) =>
        step(`s${i}`, { needs: i > 0 ? [`s${i - 1}`] : [], ...(i === 7 ? { resources: { cpuMillis: 4000, memoryMiB: 8192, gpu: 0 }, image: 'other:1', timeoutSeconds: 60 } : {}) }),
      ),
    );
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    expect(structureProblems(ir, yaml)).toEqual([]);
    expect(yaml).toContain('- run_s1: {call: flowc_step, args: {step: s1, entrypoint: python, commands: [s1.py]}}');
    expect(yaml).toContain('- run_s7: {call: flowc_step, args: {step: s7, image: other:1, entrypoint: python, commands: [s7.py], cpu_milli: 4000, memory_mib: 8192, max_run_duration: 60s, timeout: 60}}');
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    const body = (id: string) => succeeded(e).find((j) => j.step === id)?.body as { taskGroups: { taskSpec: { runnables: { container: { imageUri: string } }[]; computeResource: unknown; maxRunDuration: unknown } }[] };
    expect(body('s7').taskGroups[0]?.taskSpec).toMatchObject({ runnables: [{ container: { imageUri: 'other:1' } }], computeResource: { cpuMilli: 4000, memoryMib: 8192 }, maxRunDuration: '60s' });
    expect(body('s8').taskGroups[0]?.taskSpec).toMatchObject({ runnables: [{ container: { imageUri: 'python:3.12-slim' } }], computeResource: { cpuMilli: 1000, memoryMib: 2048 }, maxRunDuration: null });
    expect(succeeded(e).find((j) => j.step === 's7')?.timeout).toBe(60);
  });

  it('never makes an image holding ${ a flowc_step default: each call names it, and the job gets it as written', async () => {
    const image = 'registry.example/${team}/app:1';
    const ir = makeIR(Array.from({ length: 200 }, (_, i) => step(`s${i}`, { needs: i > 0 ? [`s${i - 1}`] : [], image })));
    const { yaml, diagnostics } = compile(ir);
    expect(diagnostics.items).toEqual([]);
    expect(yaml).toContain('- image: null');
    const e = await execute(yaml, {});
    expect(checkExecution(ir, e)).toEqual([]);
    const images = new Set(succeeded(e).map((j) => ((j.body as { taskGroups: { taskSpec: { runnables: { container: { imageUri: string } }[] } }[] }).taskGroups[0]?.taskSpec.runnables[0]?.container.imageUri)));
    expect([...images]).toEqual([image]);
  });
});
