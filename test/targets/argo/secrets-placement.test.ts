import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../../src/pipeline/compile.js';
import { SourceRegistry } from '../../../src/source/files.js';
import { argoTarget } from '../../../src/targets/argo/index.js';
import { expectedContainers, sampleSecrets, simulate } from './argo-sim.js';
import { validateArgo } from './helpers.js';

const HERE = resolve(import.meta.dirname, '../../../fixtures/secure-training');
const FLOW = '/proj/demo.flow.yaml';
const at = (d: Diagnostic) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.col}`;
const SECRET_VALUES = { 'hf/token': 'hf_s3cr3t-value' };

function compileText(flow: string) {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  return compileTargets({ flowPath: FLOW, cwd: '/proj', sources, targets: ['argo'] });
}

function compiled(flow: string): { wt: Record<string, any>; template: (name: string) => Record<string, any> } {
  const r = compileText(flow);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const [wt] = validateArgo(r.artifacts[0]?.contents as string) as [Record<string, any>];
  const template = (name: string) => (wt.spec.templates as any[]).find((t) => t.name === name);
  return { wt, template };
}

/** The placement fields a template or the workflow spec can carry. */
const PLACEMENT = ['nodeSelector', 'tolerations', 'affinity', 'serviceAccountName', 'priorityClassName', 'metadata', 'volumes', 'podPriorityClassName', 'podMetadata'];
const placementOf = (o: Record<string, any>) => Object.fromEntries(PLACEMENT.filter((k) => k in o).map((k) => [k, o[k]]));

describe('argo: the secure-training fixture', () => {
  const r = compileTargets({ flowPath: 'flow.yaml', cwd: HERE, configs: [], sets: [], env: {}, targets: ['argo'] });

  test('compiles without diagnostics, passes the schema and runs in the simulator with the Secret read at start', () => {
    expect(r.diagnostics).toEqual([]);
    const docs = validateArgo(r.artifacts[0]?.contents as string);
    const wt = docs[0] as Record<string, any>;
    const ir = r.ir as NonNullable<typeof r.ir>;
    // As fixtures.test.ts runs every fixture (this flow joins them as fixtures/secure-training).
    const sample = { workflowName: 'secure-training-x7k2p', params: {}, secrets: sampleSecrets(ir) };
    expect(simulate(wt, sample)).toEqual(expectedContainers(ir, sample));
    const run = { ...sample, secrets: SECRET_VALUES };
    const got = simulate(wt, run);
    expect(got).toEqual(expectedContainers(ir, run));
    expect(got.get('train')?.[0]?.env.at(-1)).toEqual(['HF_TOKEN', 'hf_s3cr3t-value']);
    // Without the Secret the pod cannot start: the value comes from the cluster, nowhere else.
    expect(() => simulate(wt, { ...run, secrets: {} })).toThrow(/CreateContainerConfigError: secret hf has no key token/);
  });

  test('secrets appear only as secretKeyRef references, never as text', () => {
    const text = r.artifacts[0]?.contents as string;
    const wt = validateArgo(text)[0] as Record<string, any>;
    const secretEnv = (wt.spec.templates as any[]).flatMap((t) => (t.container?.env ?? []).filter((e: any) => e.name === 'HF_TOKEN').map((e: any) => [t.name, e]));
    const ref = { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } };
    expect(secretEnv).toEqual([
      ['train', ref],
      ['publish', ref],
    ]);
    expect(text).not.toContain('secrets.');
    expect(text).not.toContain('hf_token');
    // Every string of the output: the locator's parts occur only inside the secretKeyRef.
    const strings: string[] = [];
    const walk = (v: unknown, inRef: boolean) => {
      if (typeof v === 'string') {
        if (!inRef) strings.push(v);
      } else if (Array.isArray(v)) v.forEach((x) => walk(x, inRef));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, inRef || k === 'secretKeyRef');
    };
    walk(wt, false);
    expect(strings.filter((s) => s === 'hf' || s === 'token')).toEqual([]);
  });

  test('the validator refuses a misspelt pod field, which the schema package would let through', () => {
    const text = r.artifacts[0]?.contents as string;
    expect(() => validateArgo(text.replace('priorityClassName: training', 'priorityClass: training'))).toThrow(/'priorityClass' is not a field of argo:Template/);
    expect(() => validateArgo(text.replace('mountPath: /dev/shm', 'mountpath: /dev/shm'))).toThrow(/mountPath/);
    expect(() => validateArgo(text.replace('name: dshm\n          emptyDir', 'name: shm\n          emptyDir'))).toThrow(/mounts undeclared volume dshm/);
  });

  test('GPU placement lands only on the train template; the CPU steps and the workflow keep the flow-level options', () => {
    const wt = validateArgo(r.artifacts[0]?.contents as string)[0] as Record<string, any>;
    const t = (name: string) => (wt.spec.templates as any[]).find((x) => x.name === name);
    expect(placementOf(t('train'))).toEqual({
      nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'training',
      volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }],
    });
    expect(t('train').container.volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
    for (const cpu of ['prepare', 'publish']) {
      expect(placementOf(t(cpu))).toEqual({});
      expect(t(cpu).container.volumeMounts).toBeUndefined();
    }
    expect(placementOf(wt.spec)).toEqual({ serviceAccountName: 'ml-runner' });
    // Private image: the flow-level pull secret, for every pod (Argo has no per-template field).
    expect(wt.spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
  });
});

const BASE = `flowc: 1
name: demo
secrets:
  tok:
    argo: { name: api-tokens, key: main.token }
targets:
  argo:
    nodeSelector: { pool: cpu }
    tolerations: [{ key: spot, operator: Exists }]
    podLabels: { team: ml }
    podAnnotations: { owner: ml-platform }
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: zone, operator: In, values: [a] }] } }] } }
    priorityClassName: batch-low
    ephemeralStorage: 10Gi
defaults: { image: python:3.12, resources: { cpu: 1, memory: 4Gi } }
steps:
  a:
    run: echo a
  b:
    env: { TOKEN: "\${secrets.tok}" }
    run: echo b
    targets:
      argo:
        nodeSelector: { gpu: a100 }
        serviceAccountName: trainer
        podLabels: { tier: gpu }
        podAnnotations: { cost-center: "42" }
        priorityClassName: training
        ephemeralStorage: 100Gi
        shmSize: 1Gi
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: kubernetes.io/hostname, labelSelector: { matchLabels: { tier: gpu } } }] } }
`;

describe('argo: flow-level and per-step options', () => {
  test('flow-level options are workflow-wide; a step override lands on its template, merged where Argo replaces', () => {
    const { wt, template } = compiled(BASE);
    expect(placementOf(wt.spec)).toEqual({
      nodeSelector: { pool: 'cpu' },
      tolerations: [{ key: 'spot', operator: 'Exists' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } },
      podPriorityClassName: 'batch-low',
      podMetadata: { labels: { team: 'ml' }, annotations: { owner: 'ml-platform' } },
    });
    expect(placementOf(template('a'))).toEqual({});
    expect(placementOf(template('b'))).toEqual({
      // Argo lays template metadata over spec.podMetadata key by key: only the step's own keys.
      metadata: { labels: { tier: 'gpu' }, annotations: { 'cost-center': '42' } },
      // Argo takes a template's nodeSelector instead of the workflow's: the merged map.
      nodeSelector: { pool: 'cpu', gpu: 'a100' },
      // Maps merge key by key (SPEC section 8): the flow's nodeAffinity stays beside the step's podAntiAffinity.
      affinity: {
        nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { tier: 'gpu' } } }] },
      },
      serviceAccountName: 'trainer',
      priorityClassName: 'training',
      volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }],
    });
    // ephemeral-storage is per container: the flow's on every step, the step's own where set.
    expect(template('a').container.resources.requests['ephemeral-storage']).toBe('10Gi');
    expect(template('a').container.resources.limits['ephemeral-storage']).toBe('10Gi');
    expect(template('b').container.resources).toEqual({
      requests: { cpu: '1', memory: '4Gi', 'ephemeral-storage': '100Gi' },
      limits: { cpu: '1', memory: '4Gi', 'ephemeral-storage': '100Gi' },
    });
    expect(template('b').container.env.at(-1)).toEqual({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api-tokens', key: 'main.token' } } });
    expect(template('a').container.env.some((e: any) => e.name === 'TOKEN')).toBe(false);
  });

  test('shared templates (a flow over the template cap): a step with overrides or secrets gets a template of its own', () => {
    const many = Array.from({ length: 210 }, (_, i) => `  s${i}:\n    run: echo ${i}\n`).join('');
    const flow = `flowc: 1
name: demo
secrets:
  tok: { argo: { name: api, key: t } }
defaults: { image: python:3.12 }
steps:
${many}  gpu:
    run: echo gpu
    targets: { argo: { nodeSelector: { gpu: a100 }, shmSize: 512Mi } }
  secret:
    run: echo secret
    env: { TOKEN: "\${secrets.tok}" }
`;
    const { wt } = compiled(flow);
    const tasks = (wt.spec.templates as any[]).flatMap((t) => (t.dag?.tasks ?? []) as any[]);
    const templateOf = (task: string) => (wt.spec.templates as any[]).find((t) => t.name === tasks.find((x) => x.name === task)?.template);
    const plain = templateOf('s0');
    expect(plain.name).toMatch(/^shared-/);
    expect(templateOf('s209').name).toBe(plain.name);
    expect(placementOf(plain)).toEqual({});
    expect(plain.container.env.some((e: any) => e.valueFrom)).toBe(false);
    const gpu = templateOf('gpu');
    expect(gpu.name).not.toBe(plain.name);
    expect(placementOf(gpu)).toEqual({ nodeSelector: { gpu: 'a100' }, volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '512Mi' } }] });
    const secret = templateOf('secret');
    expect([plain.name, gpu.name]).not.toContain(secret.name);
    expect(secret.container.env.at(-1)).toEqual({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 't' } } });
    const run = { workflowName: 'demo-x', params: {}, secrets: { 'api/t': 'v' } };
    const r = compileText(flow);
    expect(simulate(wt, run)).toEqual(expectedContainers(r.ir as NonNullable<typeof r.ir>, run));
  });

  test('a flow-level shmSize gives every step its /dev/shm; a step may change the size', () => {
    const { template } = compiled(`flowc: 1
name: demo
targets: { argo: { shmSize: 256Mi } }
defaults: { image: x }
steps:
  a: { run: echo }
  b: { run: echo, targets: { argo: { shmSize: 1Gi } } }
`);
    expect(template('a').volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } }]);
    expect(template('b').volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }]);
    for (const t of ['a', 'b']) expect(template(t).container.volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
  });

  test('declares its secret support and per-step options', () => {
    expect(argoTarget.secrets?.locator).toBe('a Kubernetes Secret reference { name, key }');
    expect(argoTarget.perStepOptions).toEqual(['nodeSelector', 'tolerations', 'affinity', 'serviceAccountName', 'podLabels', 'podAnnotations', 'priorityClassName', 'ephemeralStorage', 'shmSize']);
  });
});

describe('argo: errors, with code and location', () => {
  test.each([
    ['{ name: Bad_Name, key: token }', "name 'Bad_Name' is not a Kubernetes Secret name"],
    ['{ name: hf, key: "a/b" }', "key 'a/b' is not a Secret key"],
    ['{ name: hf, key: "..x" }', "key '..x' is not a Secret key"],
    ['{ name: hf }', 'key (the key in the Secret) is missing'],
    ['{ name: hf, key: t, optional: true }', "unknown field 'optional'"],
    ['hf-token', 'expected a map { name, key }'],
  ])('FLOWC608: locator %s, at the secret', (locator, message) => {
    const r = compileText(`flowc: 1
name: demo
secrets:
  tok:
    argo: ${locator}
steps:
  a: { image: x, run: echo, env: { T: "\${secrets.tok}" } }
`);
    expect(r.diagnostics.map(at)).toEqual(['FLOWC608 /proj/demo.flow.yaml:4:3']);
    expect(r.diagnostics[0]?.message).toContain(message);
    expect(r.artifacts).toEqual([]);
  });

  const stepOptions = (opts: string, step = '') => `flowc: 1
name: demo
steps:
  a:
    image: x
    run: echo${step}
    targets:
      argo: ${opts}
`;

  test.each([
    // Columns: `      argo: ` is 12 characters, so the options map starts at column 13.
    ['{ podLabels: { "-bad": x } }', "steps.a.targets.argo.podLabels: key '-bad' must match pattern", 8, 28],
    ['{ podLabels: { ok: "has space" } }', 'steps.a.targets.argo.podLabels.ok must match pattern', 8, 32],
    [`{ podLabels: { ok: ${'v'.repeat(64)} } }`, 'steps.a.targets.argo.podLabels.ok must NOT have more than 63 characters', 8, 32],
    [`{ podAnnotations: { ${'p'.repeat(254)}/k: v } }`, `steps.a.targets.argo.podAnnotations: key '${'p'.repeat(254)}/k' must match pattern`, 8, 33],
    [`{ podAnnotations: { ${'n'.repeat(64)}: v } }`, `steps.a.targets.argo.podAnnotations: key '${'n'.repeat(64)}' must match pattern`, 8, 33],
    ['{ nodeSelector: { "a b": x } }', "steps.a.targets.argo.nodeSelector: key 'a b' must match pattern", 8, 31],
    ['{ shmSize: 8GB }', 'steps.a.targets.argo.shmSize must match pattern', 8, 24],
    ['{ ephemeralStorage: "0" }', 'steps.a.targets.argo.ephemeralStorage must match pattern', 8, 33],
    ['{ priorityClassName: High }', 'steps.a.targets.argo.priorityClassName must match pattern', 8, 34],
    ['{ affinity: { nodeAffinty: {} } }', "steps.a.targets.argo.affinity: unknown option 'nodeAffinty'", 8, 27],
    ['{ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] } } }', "must have required property 'topologyKey'", 8, 91],
  ])('FLOWC601: %s', (opts, message, line, col) => {
    const r = compileText(stepOptions(opts));
    expect(r.diagnostics.map(at)).toEqual([`FLOWC601 /proj/demo.flow.yaml:${line}:${col}`]);
    expect(r.diagnostics[0]?.message).toContain(message);
  });

  test('FLOWC609: a workflow-wide option set on a step, listing the per-step ones', () => {
    const r = compileText(stepOptions('{ podGC: OnPodSuccess }'));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC609 /proj/demo.flow.yaml:8:15']);
    expect(r.diagnostics[0]?.notes).toEqual([
      'options allowed per step for argo: nodeSelector, tolerations, affinity, serviceAccountName, podLabels, podAnnotations, priorityClassName, ephemeralStorage, shmSize',
    ]);
  });

  test('FLOWC617: /dev/shm as large as the step memory, from the step or from the flow, at each step that gets it', () => {
    const r = compileText(stepOptions('{ shmSize: 2Gi }', '\n    resources: { memory: 2Gi }'));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC617 /proj/demo.flow.yaml:4:3']);
    expect(r.diagnostics[0]?.message).toBe(
      "steps.a: steps.a.targets.argo.shmSize is 2Gi, but the step has 2048 MiB of memory; /dev/shm is memory, charged to the container's memory limit, so it could never be filled and the step would be OOM-killed first",
    );
    expect(compileText(stepOptions('{ shmSize: 2047Mi }', '\n    resources: { memory: 2Gi }')).diagnostics).toEqual([]);
    const flowLevel = compileText(`flowc: 1
name: demo
targets: { argo: { shmSize: 4Gi } }
defaults: { image: x, resources: { memory: 8Gi } }
steps:
  big: { run: echo }
  small: { run: echo, resources: { memory: 4Gi } }
  tiny: { run: echo, resources: { memory: 1Gi } }
`);
    expect(flowLevel.diagnostics.map(at)).toEqual(['FLOWC617 /proj/demo.flow.yaml:7:3', 'FLOWC617 /proj/demo.flow.yaml:8:3']);
    expect(flowLevel.diagnostics[0]?.message).toContain('targets.argo.shmSize is 4Gi');
  });

  test("FLOWC618: a pod's annotations over 256 KiB, per step at the step, flow-level at the flow file", () => {
    const half = 'x'.repeat(140_000);
    const r = compileText(`flowc: 1
name: demo
targets: { argo: { podAnnotations: { a: ${half} } } }
steps:
  s:
    image: x
    run: echo
    targets: { argo: { podAnnotations: { b: ${half} } } }
  t: { image: x, run: echo }
`);
    expect(r.diagnostics.map(at)).toEqual(['FLOWC618 /proj/demo.flow.yaml:5:3']);
    expect(r.diagnostics[0]?.message).toBe(
      "steps.s: the pod annotations are 280002 bytes (keys and values), over Kubernetes' limit of 262144 bytes for one object's annotations; the step pods would be refused",
    );
    const flowLevel = compileText(`flowc: 1\nname: demo\ntargets: { argo: { podAnnotations: { a: ${half}, b: ${half} } } }\nsteps:\n  t: { image: x, run: echo }\n`);
    expect(flowLevel.diagnostics.map(at)).toEqual(['FLOWC618 /proj/demo.flow.yaml:1:1']);
  });

  test("FLOWC619: a step's empty tolerations cannot clear the flow's", () => {
    const r = compileText(`flowc: 1
name: demo
targets: { argo: { tolerations: [{ key: gpu, operator: Exists }] } }
steps:
  cpu:
    image: x
    run: echo
    targets: { argo: { tolerations: [] } }
`);
    expect(r.diagnostics.map(at)).toEqual(['FLOWC619 /proj/demo.flow.yaml:5:3']);
    expect(r.diagnostics[0]?.notes).toEqual(['move tolerations from targets.argo to the steps that need them']);
    // Without flow-level tolerations an empty list is simply none.
    expect(compileText(stepOptions('{ tolerations: [] }')).diagnostics).toEqual([]);
  });

  test('FLOWC604: {{ in a per-step annotation, at the step', () => {
    const r = compileText(stepOptions('{ podAnnotations: { note: "{{workflow.name}}" } }'));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC604 /proj/demo.flow.yaml:4:3']);
    expect(r.diagnostics[0]?.message).toContain("steps.a.targets.argo.podAnnotations.note '{{workflow.name}}' contains '{{'");
  });
});
