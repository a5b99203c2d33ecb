import { describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { argoTarget } from '../../../src/targets/argo/index.js';
import { compileArgo, documents, flow, lit, step, validateArgo } from './helpers.js';
import { expectedContainers, sampleParams, simulate } from './argo-sim.js';

const origin = { file: 'flow.yaml', line: 3, col: 3 };

describe('argo target: mapping', () => {
  test('registers as argo with an options schema and one primary file', () => {
    expect(argoTarget.id).toBe('argo');
    expect(argoTarget.files).toEqual(['<name>.argo.yaml']);
    expect(argoTarget.optionsSchema).toMatchObject({ type: 'object', additionalProperties: false });
    const ir = flow([step('a')]);
    const out = argoTarget.compile(ir, { diagnostics: new DiagnosticBag() });
    expect(out.map((a) => [a.path, a.primary])).toEqual([['demo.argo.yaml', true]]);
  });

  test('resources, retry, timeout and env', () => {
    const ir = flow([
      step('train', {
        resources: { cpuMillis: 2500, memoryMiB: 512, gpu: 2 },
        retry: { limit: 3, delaySeconds: 30, backoff: 2, maxDelaySeconds: 600 },
        timeoutSeconds: 9000,
        env: [{ name: 'TARGET', value: lit('clicked') }],
      }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const t = wt?.spec.templates.find((x: { name: string }) => x.name === 'train');
    expect(t.activeDeadlineSeconds).toBe(9000);
    expect(t.retryStrategy).toEqual({ limit: '3', retryPolicy: 'Always', backoff: { duration: '30s', factor: 2, cap: '10m' } });
    expect(t.container.resources).toEqual({
      requests: { cpu: '2500m', memory: '512Mi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '2500m', memory: '512Mi', 'nvidia.com/gpu': '2' },
    });
    expect(t.container.name).toBe('main');
    expect(t.container.env.map((e: { name: string }) => e.name)).toEqual([
      'FLOWC_FLOW',
      'FLOWC_STEP',
      'FLOWC_RUN_ID',
      'FLOWC_CONFIG_HASH',
      'FLOWC_CONFIG',
      'TARGET',
    ]);
    expect(t.container.env[2]).toEqual({ name: 'FLOWC_RUN_ID', value: '{{workflow.name}}' });
  });

  test('a constant-delay retry has no factor and no delay has no backoff', () => {
    const ir = flow([
      step('a', { retry: { limit: 1, delaySeconds: 5400, backoff: 1, maxDelaySeconds: null } }),
      step('b', { retry: { limit: 2, delaySeconds: 0, backoff: 1, maxDelaySeconds: null } }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const byName = new Map(wt?.spec.templates.map((t: { name: string }) => [t.name, t]));
    expect((byName.get('a') as any).retryStrategy).toEqual({ limit: '1', retryPolicy: 'Always', backoff: { duration: '1h30m' } });
    expect((byName.get('b') as any).retryStrategy).toEqual({ limit: '2', retryPolicy: 'Always' });
  });

  test('run scripts use sh -c; exec form is command + args', () => {
    const ir = flow([
      step('a', { exec: { kind: 'run', script: lit('echo hi\necho there') } }),
      step('b', { exec: { kind: 'command', argv: [lit('python')] } }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const byName = new Map(wt?.spec.templates.map((t: { name: string }) => [t.name, t]));
    expect((byName.get('a') as any).container.command).toEqual(['sh', '-c']);
    expect((byName.get('a') as any).container.args).toEqual(['echo hi\necho there']);
    expect((byName.get('b') as any).container.command).toEqual(['python']);
    expect((byName.get('b') as any).container.args).toBeUndefined();
  });

  test('parameters: values as strings, defaults, enum, description; required has no value', () => {
    const ir = flow([step('a', { exec: { kind: 'command', argv: [lit('x'), [{ kind: 'param', name: 'alpha' }]] } })], {
      parameters: [
        { name: 'alpha', type: 'number', required: false, default: 0.01, description: 'learning rate', origin },
        { name: 'date', type: 'string', required: true, origin },
        { name: 'mode', type: 'string', required: false, default: 'full', enum: ['full', 'incremental'], origin },
        { name: 'dry', type: 'boolean', required: false, default: false, origin },
      ],
    });
    const [wt] = validateArgo(compileArgo(ir).text as string);
    expect(wt?.spec.arguments.parameters).toEqual([
      { name: 'alpha', value: '0.01', description: 'learning rate' },
      { name: 'date' },
      { name: 'mode', value: 'full', enum: ['full', 'incremental'] },
      { name: 'dry', value: 'false' },
    ]);
    expect(wt?.spec.templates[1].container.args).toEqual(['{{workflow.parameters.alpha}}']);
  });

  test('target options land where Argo reads them', () => {
    const ir = flow([step('a')], {
      targets: {
        argo: {
          namespace: 'ml-prod',
          serviceAccountName: 'ml-runner',
          nodeSelector: { pool: 'gpu' },
          tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
          imagePullPolicy: 'IfNotPresent',
          imagePullSecrets: ['regcred'],
          labels: { team: 'ml' },
          annotations: { owner: 'ml@acme.example' },
          podGC: 'OnPodSuccess',
          ttlSecondsAfterFinished: 86400,
        },
      },
    });
    const [wt] = validateArgo(compileArgo(ir).text as string);
    expect(wt?.metadata.namespace).toBe('ml-prod');
    expect(wt?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'flowc', 'flowc.dev/flow': 'demo', team: 'ml' });
    expect(wt?.metadata.annotations).toMatchObject({ 'flowc.dev/version': '0.1.0', 'flowc.dev/config-hash': ir.config.hash, owner: 'ml@acme.example' });
    expect(wt?.spec).toMatchObject({
      serviceAccountName: 'ml-runner',
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
      imagePullSecrets: [{ name: 'regcred' }],
      podGC: { strategy: 'OnPodSuccess' },
      ttlStrategy: { secondsAfterCompletion: 86400 },
      workflowMetadata: { labels: { team: 'ml' } },
    });
    expect(wt?.spec.templates[1].container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('a schedule adds a CronWorkflow that references the template', () => {
    const ir = flow([step('a')], {
      schedule: { cron: '0 4 * * *', timezone: null, origin },
      targets: { argo: { namespace: 'ml', concurrencyPolicy: 'Replace' } },
    });
    const docs = validateArgo(compileArgo(ir).text as string);
    expect(docs.map((d) => d.kind)).toEqual(['WorkflowTemplate', 'CronWorkflow']);
    expect(docs[1]?.metadata).toMatchObject({ name: 'demo', namespace: 'ml' });
    expect(docs[1]?.spec).toMatchObject({
      schedules: ['0 4 * * *'],
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      workflowSpec: { workflowTemplateRef: { name: 'demo' } },
    });
  });

  test('concurrencyPolicy defaults to Forbid and a timezone is kept', () => {
    const ir = flow([step('a')], { schedule: { cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam', origin } });
    const docs = validateArgo(compileArgo(ir).text as string);
    expect(docs[1]?.spec).toMatchObject({ timezone: 'Europe/Amsterdam', concurrencyPolicy: 'Forbid' });
  });

  test('foreach: withItems of strings and {{item}}, parallelism through a wrapper DAG', () => {
    const ir = flow([
      step('fetch', {
        foreach: { items: ['us', 2, { a: 1 }], parallelism: 2 },
        exec: { kind: 'command', argv: [lit('fetch'), [{ kind: 'item', path: [] }]] },
      }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const main = wt?.spec.templates[0];
    expect(main.dag.tasks).toEqual([{ name: 'fetch', template: 'fetch-items' }]);
    const wrapper = wt?.spec.templates.find((t: { name: string }) => t.name === 'fetch-items');
    expect(wrapper.parallelism).toBe(2);
    expect(wrapper.dag.tasks[0]).toEqual({
      name: 'fetch',
      template: 'fetch',
      arguments: { parameters: [{ name: 'item', value: '{{item}}' }] },
      withItems: ['us', '2', '{"a":1}'],
    });
  });

  test('foreach over maps with paths: flat string maps and {{item.<key>}}', () => {
    const ir = flow([
      step('fetch', {
        foreach: { items: [{ region: 'us', zones: ['a', 'b'] }, { region: 'eu', zones: ['c'] }], parallelism: null },
        exec: { kind: 'command', argv: [lit('fetch'), [{ kind: 'item', path: ['region'] }], [{ kind: 'item', path: ['zones', 0] }]] },
      }),
    ]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const task = wt?.spec.templates[0].dag.tasks[0];
    expect(task.withItems).toEqual([
      { _: '{"region":"us","zones":["a","b"]}', region: 'us', 'zones.0': 'a' },
      { _: '{"region":"eu","zones":["c"]}', region: 'eu', 'zones.0': 'c' },
    ]);
    expect(task.arguments.parameters).toEqual([
      { name: 'item', value: '{{item._}}' },
      { name: 'item-1', value: '{{item.region}}' },
      { name: 'item-2', value: '{{item.zones.0}}' },
    ]);
    const runs = simulate(wt as any, { workflowName: 'demo-abc', params: {} });
    expect(runs).toEqual(expectedContainers(ir, { workflowName: 'demo-abc', params: {} }));
  });

  test('the DAG mirrors needs', () => {
    const ir = flow([step('a'), step('b', { needs: ['a'] }), step('c', { needs: ['a'] }), step('d', { needs: ['b', 'c'] })]);
    const [wt] = validateArgo(compileArgo(ir).text as string);
    expect(wt?.spec.templates[0].dag.tasks).toEqual([
      { name: 'a', template: 'a' },
      { name: 'b', template: 'b', dependencies: ['a'] },
      { name: 'c', template: 'c', dependencies: ['a'] },
      { name: 'd', template: 'd', dependencies: ['b', 'c'] },
    ]);
  });

  test('deterministic: compiling twice gives the same bytes', () => {
    const ir = flow([step('a'), step('b', { needs: ['a'] })], { schedule: { cron: '0 1 * * *', timezone: null, origin } });
    expect(compileArgo(ir).text).toBe(compileArgo(structuredClone(ir)).text);
  });

  test('YAML 1.1 words stay strings for Kubernetes', () => {
    const ir = flow([step('a', { exec: { kind: 'command', argv: [lit('echo'), lit('on'), lit('yes'), lit('1:30')] } })]);
    const text = compileArgo(ir).text as string;
    expect(text).toContain('- "on"');
    expect(text).toContain('- "yes"');
    const [wt] = documents(text);
    expect(wt?.spec.templates[1].container.args).toEqual(['on', 'yes', '1:30']);
  });
});

describe('argo target: literal text', () => {
  test('hostile literals reach the container exactly (Argo + kubelet model)', () => {
    const hostile = ['{{workflow.name}}', '${{ secrets.X }}', '$(rm -rf /)', '$$', "it's \"q\"", 'a\nb', 'ü$é', '{{=1+1}}', '{', '$'];
    const ir = flow(
      [
        step('s_1', {
          exec: {
            kind: 'run',
            script: [
              { kind: 'lit', value: `echo ${hostile.join(' ')} ` },
              { kind: 'param', name: 'msg' },
              { kind: 'lit', value: '{' },
              { kind: 'item', path: [] },
              { kind: 'item', path: [] },
              { kind: 'lit', value: '{a}} $' },
              { kind: 'item', path: [] },
            ],
          },
          env: hostile.map((h, i) => ({ name: `V${i}`, value: lit(h) })),
          foreach: { items: ['{{item}}', '$(x)', '{'], parallelism: null },
        }),
        step('s2', { needs: ['s_1'], exec: { kind: 'command', argv: hostile.map(lit) } }),
      ],
      { parameters: [{ name: 'msg', type: 'string', required: false, default: '{{inputs.x}} $(y) $', origin }] },
    );
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const o = { workflowName: 'demo-xyz', params: sampleParams(ir) };
    expect(simulate(wt as any, o)).toEqual(expectedContainers(ir, o));
    // A supplied value without special characters works as well.
    const o2 = { workflowName: 'demo-xyz', params: { msg: 'hello' } };
    expect(simulate(wt as any, o2)).toEqual(expectedContainers(ir, o2));
  });

  test('FLOWC604: {{ in an image or a target option has no safe encoding', () => {
    const ir = flow([step('a', { image: 'repo/{{x}}:1', origin })], { targets: { argo: { annotations: { note: 'see {{workflow.name}}' } } } });
    const { text, diagnostics } = compileArgo(ir);
    expect(text).toBeNull();
    expect(diagnostics.items.map((d) => d.code)).toEqual(['FLOWC604', 'FLOWC604']);
    expect(diagnostics.items[0]).toMatchObject({ span: { file: 'flow.yaml', line: 3, col: 3 } });
    expect(diagnostics.items[0]?.message).toContain('steps.a.image');
    expect(diagnostics.items[1]?.message).toContain('targets.argo.annotations.note');
  });
});

describe('argo target: errors', () => {
  test('FLOWC611: a fractional backoff factor', () => {
    const ir = flow([step('a', { retry: { limit: 2, delaySeconds: 10, backoff: 1.5, maxDelaySeconds: null }, origin })]);
    const { text, diagnostics } = compileArgo(ir);
    expect(text).toBeNull();
    expect(diagnostics.items).toHaveLength(1);
    expect(diagnostics.items[0]).toMatchObject({ code: 'FLOWC611', span: { line: 3 } });
    expect(diagnostics.items[0]?.message).toContain('1.5');
  });

  test('FLOWC612: a scheduled flow with a required parameter', () => {
    const ir = flow([step('a')], {
      schedule: { cron: '0 4 * * *', timezone: null, origin },
      parameters: [{ name: 'date', type: 'string', required: true, origin: { file: 'flow.yaml', line: 9, col: 3 } }],
    });
    const { text, diagnostics } = compileArgo(ir);
    expect(text).toBeNull();
    expect(diagnostics.items).toHaveLength(1);
    expect(diagnostics.items[0]).toMatchObject({ code: 'FLOWC612', span: { line: 9, col: 3 } });
  });

  test('all errors of the target are reported at once', () => {
    const ir = flow([
      step('x_', { image: '{{i}}' }),
      step('x', { retry: { limit: 1, delaySeconds: 1, backoff: 2.5, maxDelaySeconds: null } }),
    ]);
    const { diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code).sort()).toEqual(['FLOWC602', 'FLOWC604', 'FLOWC611']);
  });
});
