import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { lowerGraph } from '../../../src/ir/lower-blocks.js';
import type { IR } from '../../../src/ir/types.js';
import { compileTargets, compileToIR } from '../../../src/pipeline/compile.js';
import { estimateMemory, estimateSteps } from '../../../src/targets/gcp-workflows/budget.js';
import { fitLimits } from '../../../src/targets/gcp-workflows/fit-limits.js';
import { readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { buildWorkflow } from '../../../src/targets/gcp-workflows/workflow.js';
import { gpuMismatch } from '../../../src/targets/gcp-workflows/placement.js';
import { checkGcpLocator } from '../../../src/targets/gcp-workflows/secrets.js';
import { compile, execute, makeIR, step } from './helpers.js';
import { schemaErrors } from './structure.js';

const SECURE = resolve(import.meta.dirname, '../../../fixtures/secure-training');
const GOLDEN = join(SECURE, 'expected', 'secure-training.gcp.yaml');

function build(cwd: string): ReturnType<typeof compileTargets> {
  return compileTargets({ flowPath: 'flow.yaml', cwd, configs: [], sets: [], env: {}, targets: ['gcp-workflows'] } as never);
}

const dir = mkdtempSync(join(tmpdir(), 'flowc-gcp-sec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Compiles a flow written in a fresh folder; `flow.yaml` is the file every span names. */
function flow(text: string): { diags: Diagnostic[]; yaml: string; file: string } {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'flow.yaml'), text);
  const r = build(d);
  return { diags: r.diagnostics, yaml: r.artifacts.find((a) => a.primary)?.contents ?? '', file: join(d, 'flow.yaml') };
}

const at = (diags: Diagnostic[], code: string): { file: string; line: number; col: number; message: string }[] =>
  diags.filter((d) => d.code === code).map((d) => ({ file: d.span?.file ?? '', line: d.span?.line ?? 0, col: d.span?.col ?? 0, message: d.message }));

const HEAD = `flowc: 1
name: sec
secrets:
  tok: { gcp-workflows: projects/acme-ml/secrets/tok/versions/3 }
  user: { gcp-workflows: projects/acme-ml/secrets/user/versions/1 }
  nogcp: { argo: { name: a, key: b } }
`;

type Call = Record<string, unknown>;
/** Every `flowc_step` call's args in `main`, by step id, wherever the call sits (sequence or parallel branch). */
function calls(yaml: string): Record<string, Call> {
  const out: Record<string, Call> = {};
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const o = v as { call?: string; args?: Call };
    if (o.call === 'flowc_step' && o.args) out[o.args.step as string] = o.args;
    else Object.values(o).forEach(walk);
  };
  walk((parse(yaml) as { main: unknown }).main);
  return out;
}

describe('secure-training on gcp-workflows: secrets, per-step placement, private image', () => {
  const r = build(SECURE);
  const yaml = r.artifacts.find((a) => a.primary)?.contents ?? '';

  it('compiles without diagnostics, to a schema-valid definition that matches its golden', () => {
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(schemaErrors(yaml)).toEqual([]);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      mkdirSync(join(SECURE, 'expected'), { recursive: true });
      writeFileSync(GOLDEN, yaml);
    }
    expect(yaml).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('passes each secret as a Secret Manager path in secretVariables, only to the steps that use it', () => {
    const c = calls(yaml);
    expect(c.train?.secrets).toEqual({ HF_TOKEN: 'projects/acme-ml/secrets/hf/versions/latest' });
    expect(c.publish?.secrets).toEqual({ HF_TOKEN: 'projects/acme-ml/secrets/hf/versions/latest' });
    expect(c.prepare?.secrets).toBeUndefined();
    for (const s of Object.values(c)) expect(Object.keys((s.env ?? {}) as object)).not.toContain('HF_TOKEN');
  });

  it('lands the per-step placement on the train step only', () => {
    const c = calls(yaml);
    expect(c.train?.instances).toEqual([
      { installGpuDrivers: true, policy: { accelerators: [{ type: 'nvidia-tesla-a100', count: 1 }], machineType: 'a2-highgpu-1g', provisioningModel: 'SPOT', bootDisk: { sizeGb: 200 } } },
    ]);
    expect(c.prepare?.instances).toBeUndefined();
    expect(c.publish?.instances).toBeUndefined();
  });

  it('holds secrets only as references: every Secret Manager path is a declared locator, and HF_TOKEN is only a secretVariables key', () => {
    const locators = new Set(['projects/acme-ml/secrets/hf/versions/latest', 'projects/acme-ml/secrets/ghcr-user/versions/1', 'projects/acme-ml/secrets/ghcr-token/versions/latest']);
    const paths = yaml.match(/projects\/[^\s"',}]*\/secrets\/[^\s"',}]*/g) ?? [];
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(locators.has(p)).toBe(true);
    const tokenLines = yaml.split('\n').filter((l) => l.includes('HF_TOKEN'));
    expect(tokenLines.map((l) => l.trim())).toEqual(['HF_TOKEN: projects/acme-ml/secrets/hf/versions/latest', 'HF_TOKEN: projects/acme-ml/secrets/hf/versions/latest']);
  });

  it('runs in the interpreter: Batch gets secret paths and the registry login as references, never in the plain env', async () => {
    const e = await execute(yaml, {});
    expect(e.error).toBeNull();
    const byStep = Object.fromEntries(e.jobs.map((j) => [j.step, j]));
    expect(byStep.train?.secretEnv).toEqual({ HF_TOKEN: 'projects/acme-ml/secrets/hf/versions/latest' });
    expect(byStep.publish?.secretEnv).toEqual({ HF_TOKEN: 'projects/acme-ml/secrets/hf/versions/latest' });
    expect(byStep.prepare?.secretEnv).toEqual({});
    for (const j of e.jobs) {
      expect(j.env.HF_TOKEN).toBeUndefined();
      expect(j.login).toEqual({ username: 'projects/acme-ml/secrets/ghcr-user/versions/1', password: 'projects/acme-ml/secrets/ghcr-token/versions/latest' });
    }
  });
});

describe('gcp-workflows placement options', () => {
  it('allowedZones becomes locationPolicy zones/<zone> on that step only, accepted by the fake Batch', async () => {
    const { diags, yaml } = flow(`flowc: 1
name: z
targets:
  gcp-workflows: { project: acme-ml, region: us-central1 }
steps:
  a: { image: alpine, command: [echo] }
  b:
    image: alpine
    command: [echo]
    targets:
      gcp-workflows: { allowedZones: [us-central1-a, us-central1-f], provisioning: standard, bootDiskSizeGb: 50, machineType: e2-standard-4 }
`);
    expect(diags).toEqual([]);
    const c = calls(yaml);
    expect(c.b?.location).toEqual({ allowedLocations: ['zones/us-central1-a', 'zones/us-central1-f'] });
    expect(c.b?.instances).toEqual([{ policy: { machineType: 'e2-standard-4', provisioningModel: 'STANDARD', bootDisk: { sizeGb: 50 } } }]);
    expect(c.a?.location).toBeUndefined();
    expect(c.a?.instances).toBeUndefined();
    expect(schemaErrors(yaml)).toEqual([]);
    const e = await execute(yaml, {});
    expect(e.error).toBeNull();
    const b = e.jobs.find((j) => j.step === 'b')?.body as { allocationPolicy: { location: unknown } };
    expect(b.allocationPolicy.location).toEqual({ allowedLocations: ['zones/us-central1-a', 'zones/us-central1-f'] });
    const a = e.jobs.find((j) => j.step === 'a')?.body as { allocationPolicy: { location: unknown } };
    expect(a.allocationPolicy.location).toBeNull();
  });

  it('a flow without the new options keeps flowc_step unchanged (no location or secrets parameter)', () => {
    const { yaml } = flow(`flowc: 1\nname: plain\nsteps:\n  a: { image: alpine, command: [echo] }\n`);
    const doc = parse(yaml) as { flowc_step: { params: unknown[] } };
    expect(JSON.stringify(doc.flowc_step.params)).not.toMatch(/location|secrets/);
    expect(yaml).not.toContain('secretVariables');
  });

  it('FLOWC649: a GPU type on a machine type it does not attach to, per step at the gpuType it wrote, naming both', () => {
    const { diags, file } = flow(`flowc: 1
name: g
steps:
  train:
    image: alpine
    command: [echo]
    resources: { gpu: 1 }
    targets:
      gcp-workflows: { machineType: n1-standard-8, gpuType: nvidia-tesla-a100 }
`);
    expect(at(diags, 'FLOWC649')).toEqual([
      {
        file,
        line: 9,
        col: 61,
        message: 'steps.train.targets.gcp-workflows: gpuType nvidia-tesla-a100 runs only on A2 Standard machine types (a2-highgpu-*, a2-megagpu-*), not on machineType n1-standard-8',
      },
    ]);
  });

  it('FLOWC649: flow-level pairs at the value written (an L4 on N1; a step machine type against the flow gpuType)', () => {
    const { diags, file } = flow(`flowc: 1
name: g
targets:
  gcp-workflows: { machineType: n1-standard-4, gpuType: nvidia-l4 }
steps:
  t: { image: alpine, command: [echo] }
  u:
    image: alpine
    command: [echo]
    targets:
      gcp-workflows: { machineType: g2-standard-8 }
  v:
    image: alpine
    command: [echo]
    targets:
      gcp-workflows: { machineType: a2-highgpu-1g }
`);
    expect(at(diags, 'FLOWC649').map((d) => [d.file, d.line, d.col, d.message])).toEqual([
      [file, 4, 57, 'targets.gcp-workflows: gpuType nvidia-l4 runs only on G2 machine types (g2-*), not on machineType n1-standard-4'],
      [file, 16, 37, 'steps.v.targets.gcp-workflows: gpuType nvidia-l4 runs only on G2 machine types (g2-*), not on machineType a2-highgpu-1g'],
    ]);
  });

  it('FLOWC649: the default T4 on GPU steps under a flow A2 machine type, once at the flow; a step\'s own machine type at the step', () => {
    const { diags, file } = flow(`flowc: 1
name: g
targets:
  gcp-workflows: { machineType: a2-highgpu-1g }
steps:
  t: { image: alpine, command: [echo], resources: { gpu: 1 } }
  u: { image: alpine, command: [echo], resources: { gpu: 1 } }
  w:
    image: alpine
    command: [echo]
    resources: { gpu: 2 }
    targets:
      gcp-workflows: { machineType: g2-standard-24 }
  cpu_only: { image: alpine, command: [echo] }
`);
    expect(at(diags, 'FLOWC649').map((d) => [d.file, d.line, d.col, d.message])).toEqual([
      [file, 1, 1, "targets.gcp-workflows: step 't' has a GPU and no gpuType, so the default gpuType nvidia-tesla-t4 runs only on N1 machine types (n1-*), not on machineType a2-highgpu-1g"],
      [file, 8, 3, "steps.w.targets.gcp-workflows: step 'w' has 2 GPUs and no gpuType, so the default gpuType nvidia-tesla-t4 runs only on N1 machine types (n1-*), not on machineType g2-standard-24"],
    ]);
  });

  it('GPU fit table: each documented pair fits, unknown GPU types are not checked', () => {
    expect(gpuMismatch('nvidia-tesla-a100', 'a2-highgpu-1g')).toBeUndefined();
    expect(gpuMismatch('nvidia-a100-80gb', 'a2-ultragpu-1g')).toBeUndefined();
    expect(gpuMismatch('nvidia-h100-80gb', 'a3-highgpu-8g')).toBeUndefined();
    expect(gpuMismatch('nvidia-l4', 'g2-standard-8')).toBeUndefined();
    for (const g of ['nvidia-tesla-t4', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p4']) expect(gpuMismatch(g, 'n1-standard-4')).toBeUndefined();
    expect(gpuMismatch('nvidia-h100-80gb', 'a2-highgpu-1g')).toMatch(/A3/);
    expect(gpuMismatch('nvidia-tesla-t4', 'g2-standard-4')).toMatch(/N1/);
    expect(gpuMismatch('nvidia-some-future-gpu', 'x9-standard-4')).toBeUndefined();
  });

  it('FLOWC650: a zone outside the region, at the flow and at the step', () => {
    const { diags, file } = flow(`flowc: 1
name: z
targets:
  gcp-workflows: { region: us-central1, allowedZones: [us-central1-a, europe-west4-b] }
steps:
  a: { image: alpine, command: [echo] }
  b:
    image: alpine
    command: [echo]
    targets:
      gcp-workflows: { allowedZones: [us-east1-b] }
`);
    expect(at(diags, 'FLOWC650').map((d) => [d.file, d.line, d.col, d.message])).toEqual([
      [file, 4, 71, 'targets.gcp-workflows.allowedZones: europe-west4-b is outside region us-central1; the jobs run in region us-central1 (option region)'],
      [file, 11, 39, 'steps.b.targets.gcp-workflows.allowedZones: us-east1-b is outside region us-central1; the jobs run in region us-central1 (option region)'],
    ]);
  });

  it('FLOWC650: without a region option, the zones must share one region', () => {
    const { diags } = flow(`flowc: 1\nname: z\ntargets:\n  gcp-workflows: { allowedZones: [us-central1-a, us-east1-b] }\nsteps:\n  a: { image: alpine, command: [echo] }\n`);
    expect(at(diags, 'FLOWC650').map((d) => d.message)).toEqual([
      'targets.gcp-workflows.allowedZones: us-east1-b is outside region us-central1; the zones must share one region, and us-central1-a is in us-central1',
    ]);
  });

  it('FLOWC601: bad provisioning, a boot disk under 30 GB and a malformed zone, where each is written', () => {
    const { diags, file } = flow(`flowc: 1
name: o
steps:
  a:
    image: alpine
    command: [echo]
    targets:
      gcp-workflows: { provisioning: preemptible, bootDiskSizeGb: 10, allowedZones: [us-central1] }
`);
    const d = at(diags, 'FLOWC601');
    expect(d.map((x) => [x.file, x.line])).toEqual([
      [file, 8],
      [file, 8],
      [file, 8],
    ]);
    expect(d.map((x) => x.message).join('\n')).toMatch(/provisioning[\s\S]*bootDiskSizeGb must be >= 30[\s\S]*allowedZones\.0/);
  });

  it('FLOWC609: an option that is not per step (project) is refused at the step key', () => {
    const { diags, file } = flow(`flowc: 1\nname: o\nsteps:\n  a:\n    image: alpine\n    command: [echo]\n    targets:\n      gcp-workflows: { project: other-proj }\n`);
    expect(at(diags, 'FLOWC609').map((x) => [x.file, x.line, x.col])).toEqual([[file, 8, 24]]);
    expect(diags.find((x) => x.code === 'FLOWC609')?.notes?.join(' ')).toContain('machineType, gpuType, provisioning, bootDiskSizeGb, allowedZones');
  });
});

describe('gcp-workflows secrets and registry credentials', () => {
  it('locator check: version paths with a number or latest pass, anything else says why', () => {
    expect(checkGcpLocator('projects/acme-ml/secrets/hf/versions/latest')).toBeUndefined();
    expect(checkGcpLocator('projects/123456789/secrets/hf_token-2/versions/12')).toBeUndefined();
    expect(checkGcpLocator('projects/acme-ml/secrets/hf')).toMatch(/not a version/);
    expect(checkGcpLocator('projects/acme-ml/secrets/hf/versions/0')).toMatch(/not a Secret Manager version path/);
    expect(checkGcpLocator('projects/acme-ml/secrets/hf/versions/newest')).toMatch(/not a Secret Manager version path/);
    expect(checkGcpLocator({ name: 'a' })).toMatch(/expected a string/);
  });

  it('FLOWC608: a used secret with a malformed or missing gcp-workflows locator, at its declaration', () => {
    const { diags, file } = flow(`${HEAD}  bad: { gcp-workflows: projects/acme-ml/secrets/bad }
steps:
  a: { image: alpine, command: [echo], env: { A: "\${secrets.bad}", B: "\${secrets.nogcp}" } }
`);
    expect(at(diags, 'FLOWC608').map((d) => [d.file, d.line, d.col])).toEqual([
      [file, 7, 3],
      [file, 6, 3],
    ]);
    expect(at(diags, 'FLOWC608')[0]?.message).toContain('names a secret but not a version');
  });

  it('FLOWC651: registryCredentials naming an undeclared secret, with did-you-mean', () => {
    const { diags, file } = flow(`${HEAD}targets:
  gcp-workflows: { registryCredentials: { username: usr, password: tok } }
steps:
  a: { image: ghcr.io/acme/x:1, command: [echo] }
`);
    const d = diags.filter((x) => x.code === 'FLOWC651');
    expect(d.map((x) => [x.span?.file, x.span?.line, x.span?.col, x.message])).toEqual([[file, 8, 53, "targets.gcp-workflows.registryCredentials.username: 'usr' is not a secret of this flow"]]);
    expect(d[0]?.notes).toContain("did you mean 'user'?");
  });

  it('FLOWC651 also from the target itself, for an IR that skipped the option checks: no job is written with a missing login', () => {
    const ir = makeIR([step('a')]);
    ir.targets['gcp-workflows'] = { registryCredentials: { username: 'u', password: 'p' } };
    const { diagnostics, artifacts } = compile(ir);
    expect(diagnostics.items.filter((d) => d.code === 'FLOWC651').map((d) => [d.span?.line, d.span?.col, d.message])).toEqual([
      [1, 1, "targets.gcp-workflows.registryCredentials.username: 'u' is not a secret of this flow"],
      [1, 1, "targets.gcp-workflows.registryCredentials.password: 'p' is not a secret of this flow"],
    ]);
    expect(artifacts).toEqual([]);
  });

  it('FLOWC652: a registryCredentials secret without a gcp-workflows locator, at the secret', () => {
    const { diags, file } = flow(`${HEAD}targets:
  gcp-workflows: { registryCredentials: { username: user, password: nogcp } }
steps:
  a: { image: ghcr.io/acme/x:1, command: [echo] }
`);
    expect(at(diags, 'FLOWC652').map((d) => [d.file, d.line, d.col, d.message])).toEqual([
      [file, 6, 3, "targets.gcp-workflows.registryCredentials.password names secret 'nogcp': secret 'nogcp' has no locator for target gcp-workflows"],
    ]);
  });

  it('registryCredentials need both fields (FLOWC601)', () => {
    const { diags } = flow(`${HEAD}targets:\n  gcp-workflows: { registryCredentials: { password: tok } }\nsteps:\n  a: { image: alpine, command: [echo] }\n`);
    expect(at(diags, 'FLOWC601').map((d) => d.message).join()).toMatch(/registryCredentials must have required property 'username'/);
  });
});

describe('the fake Batch refuses what Batch would (interpreter rules for secrets and placement)', () => {
  const yaml = build(SECURE).artifacts.find((a) => a.primary)?.contents ?? '';
  const run = async (text: string): Promise<string> => String((await execute(text, {})).error);

  it('a plain registry password, a secret variable that is not a version path, an unknown provisioning model', async () => {
    expect(await run(yaml.replace('password: projects/acme-ml/secrets/ghcr-token/versions/latest', 'password: hunter2'))).toContain('container.password is not a Secret Manager version path');
    expect(await run(yaml.replace('HF_TOKEN: projects/acme-ml/secrets/hf/versions/latest', 'HF_TOKEN: hf_plaintext'))).toContain('secretVariables.HF_TOKEN is not a Secret Manager version path');
    expect(await run(yaml.replace('provisioningModel: SPOT', 'provisioningModel: CHEAP'))).toContain('unknown provisioningModel CHEAP');
  });

  it('an allowed zone outside the job region', async () => {
    const z = flow(`flowc: 1\nname: z\ntargets:\n  gcp-workflows: { project: acme-ml, region: us-central1, allowedZones: [us-central1-a] }\nsteps:\n  a: { image: alpine, command: [echo] }\n`);
    expect(z.diags).toEqual([]);
    expect(await run(z.yaml)).toBe('null');
    expect(await run(z.yaml.replace('zones/us-central1-a', 'zones/us-east1-b'))).toContain("allowedLocations entry zones/us-east1-b is outside the job's region us-central1");
  });
});

describe('limit estimates with secrets and placement', () => {
  it('the step estimate is the interpreter\'s count, and each call\'s memory counts its secrets, location and instances', async () => {
    const ir = compileToIR({ flowPath: 'flow.yaml', cwd: SECURE, configs: [], sets: [], env: {} } as never).ir as IR;
    const fitted = fitLimits(lowerGraph(ir).block, () => false);
    const built = buildWorkflow({ ir, options: readOptions(ir), block: fitted.block, diagnostics: new DiagnosticBag() });
    const yaml = build(SECURE).artifacts.find((a) => a.primary)?.contents ?? '';
    // No argument at all is the longest start (budget.test.ts).
    const e = await execute(yaml, null);
    expect(e.error).toBeNull();
    expect(estimateSteps(ir, fitted.block, built).least).toBe(e.steps);
    const train = calls(yaml).train as Call;
    expect(built.calls.get('train')?.argBytes).toBe(Buffer.byteLength(JSON.stringify(train), 'utf8'));
    expect(estimateMemory(ir, fitted.block, built).perCall).toBeGreaterThanOrEqual(3 * Buffer.byteLength(JSON.stringify(train), 'utf8'));
  });
});
