import { describe, expect, it } from 'vitest';
import { compileToIR } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';
import type { IRStep } from '../../src/ir/types.js';

const FLOW = '/proj/demo.flow.yaml';

function lower(flow: string): Map<string, IRStep> {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  const r = compileToIR({ flowPath: FLOW, cwd: '/proj', sources });
  expect(r.diagnostics).toEqual([]);
  return new Map((r.ir?.steps ?? []).map((s) => [s.id, s]));
}

const HEAD = 'flowc: 1\nname: demo\nparameters:\n  date: { type: string, default: "x" }\ndefaults: { image: alpine:3.20 }\nsteps:\n';

describe('values the IR shares between steps (src/ir/lower.ts)', () => {
  const steps = lower(
    `${HEAD}  a:\n    command: [run, --date, "\${params.date}"]\n  b:\n    command: [run, --date, "\${params.date}"]\n` +
      `  c:\n    command: [run, --date, "\${params.date}"]\n    env: { MODE: fast }\n    resources: { cpu: 2 }\n    outputs: { n: { type: json } }\n    targets: { argo: { serviceAccountName: runner } }\n`,
  );
  const a = steps.get('a') as IRStep;
  const b = steps.get('b') as IRStep;
  const c = steps.get('c') as IRStep;

  it('is one frozen IRString per text, whichever step writes it', () => {
    const argv = (s: IRStep) => (s.exec.kind === 'command' ? s.exec.argv : []);
    for (let i = 0; i < 3; i++) {
      expect(argv(a)[i]).toBe(argv(b)[i]);
      expect(argv(a)[i]).toBe(argv(c)[i]);
      expect(Object.isFrozen(argv(a)[i]) && Object.isFrozen(argv(a)[i]?.[0])).toBe(true);
    }
    expect(argv(a)[2]).toEqual([{ kind: 'param', name: 'date' }]);
  });

  it('is one frozen empty value for what a step does not write, and its own value for what it does', () => {
    for (const field of ['env', 'secretEnv', 'outputs', 'targets', 'resources'] as const) {
      expect([field, a[field] === b[field]]).toEqual([field, true]);
      expect(Object.isFrozen(a[field])).toBe(true);
    }
    expect(a.resources).toEqual({ cpuMillis: 1000, memoryMiB: 4096, gpu: 0 });
    expect(() => (a.env as unknown[]).push({ name: 'X', value: [] })).toThrow(TypeError);
    expect(() => {
      (a.resources as { gpu: number }).gpu = 1;
    }).toThrow(TypeError);
    expect(c.env).toEqual([{ name: 'MODE', value: [{ kind: 'lit', value: 'fast' }] }]);
    expect(c.resources.cpuMillis).toBe(2000);
    expect(c.outputs.map((o) => o.name)).toEqual(['n']);
    expect(c.targets).toEqual({ argo: { serviceAccountName: 'runner' } });
    expect([c.env, c.resources, c.outputs, c.targets].some((v) => v === a.env || v === a.resources || v === a.outputs || v === a.targets)).toBe(false);
    expect(c.secretEnv).toBe(a.secretEnv);
  });
});
