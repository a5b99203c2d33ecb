import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { shellScript } from '../../../src/ir/shell.js';
import type { IRString } from '../../../src/ir/types.js';
import { argoTarget } from '../../../src/targets/argo/index.js';
import { paramExpression } from '../../../src/targets/argo/render-string.js';
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
    // Argo's published schema types both as int-or-string; strings, as `limit` is.
    expect(t.activeDeadlineSeconds).toBe('9000');
    expect(t.retryStrategy).toEqual({ limit: '3', retryPolicy: 'Always', backoff: { duration: '30s', factor: '2', cap: '10m' } });
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

  test('run scripts read run-time values from env variables; the script text is literal', () => {
    const script: IRString = [
      { kind: 'lit', value: 'train --date "' },
      { kind: 'param', name: 'date' },
      { kind: 'lit', value: '" --run "' },
      { kind: 'run', field: 'id' },
      { kind: 'lit', value: '" --step ' },
      { kind: 'step', field: 'name' },
      { kind: 'lit', value: ' --region "' },
      { kind: 'item', path: ['region'] },
      { kind: 'lit', value: '" --all "' },
      { kind: 'item', path: [] },
      { kind: 'lit', value: '"' },
    ];
    const ir = flow(
      [
        step('train', {
          exec: { kind: 'run', script },
          env: [{ name: 'A_USER', value: lit('x') }],
          foreach: { items: [{ region: 'us' }, { region: 'eu' }], from: null, parallelism: null },
        }),
      ],
      { parameters: [{ name: 'date', type: 'string', required: true, origin }] },
    );
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const t = wt?.spec.templates.find((x: { name: string }) => x.name === 'train');
    expect(t.container.command).toEqual(['sh', '-c']);
    expect(t.container.args).toEqual([shellScript(script).script]);
    expect(t.container.args[0]).toBe(
      'train --date "${FLOWC_PARAM_DATE}" --run "${FLOWC_RUN_ID}" --step ${FLOWC_STEP} --region "${FLOWC_ITEM_REGION}" --all "${FLOWC_ITEM}"',
    );
    // System variables, then the script's variables (sorted), then the user's env.
    expect(t.container.env).toEqual([
      { name: 'FLOWC_LBRACE', value: '{' },
      { name: 'FLOWC_FLOW', value: 'demo' },
      { name: 'FLOWC_STEP', value: 'train' },
      { name: 'FLOWC_RUN_ID', value: '{{workflow.name}}' },
      { name: 'FLOWC_CONFIG_HASH', value: ir.config.hash },
      { name: 'FLOWC_CONFIG', value: '{"app":{"region":"eu"}}' },
      { name: 'FLOWC_ITEM', value: '{{inputs.parameters.item}}' },
      { name: 'FLOWC_ITEM_REGION', value: '{{inputs.parameters.item-1}}' },
      { name: 'FLOWC_PARAM_DATE', value: paramExpression('date') },
      { name: 'A_USER', value: 'x' },
    ]);
    const run = { workflowName: 'demo-r1', params: { date: '2026-01-02' } };
    const containers = simulate(wt as any, run);
    expect(containers).toEqual(expectedContainers(ir, run));
    expect(containers.get('train')?.[1]?.env).toContainEqual(['FLOWC_ITEM_REGION', 'eu']);
  });

  test('exec-form commands and env values read a parameter as the kubelet reference $(FLOWC_PARAM_<NAME>)', () => {
    const ir = flow(
      [step('a', { exec: { kind: 'command', argv: [lit('x'), [{ kind: 'param', name: 'p' }]] }, env: [{ name: 'U', value: [{ kind: 'lit', value: 'u=' }, { kind: 'param', name: 'q' }] }] })],
      {
        parameters: [
          { name: 'p', type: 'string', required: true, origin },
          { name: 'q', type: 'string', required: true, origin },
        ],
      },
    );
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const t = wt?.spec.templates[1];
    expect(t.container.args).toEqual(['$(FLOWC_PARAM_P)']);
    // Defined before the user's env, which the kubelet expands from the variables before it.
    expect(t.container.env.map((e: { name: string }) => e.name)).toEqual([
      'FLOWC_LBRACE',
      'FLOWC_FLOW',
      'FLOWC_STEP',
      'FLOWC_RUN_ID',
      'FLOWC_CONFIG_HASH',
      'FLOWC_CONFIG',
      'FLOWC_PARAM_P',
      'FLOWC_PARAM_Q',
      'U',
    ]);
    expect(t.container.env[6]).toEqual({ name: 'FLOWC_PARAM_P', value: paramExpression('p') });
    expect(t.container.env[8]).toEqual({ name: 'U', value: 'u=$(FLOWC_PARAM_Q)' });
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
    expect(wt?.spec.templates[1].container.args).toEqual(['$(FLOWC_PARAM_ALPHA)']);
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
      startingDeadlineSeconds: 3600,
      workflowSpec: { workflowTemplateRef: { name: 'demo' } },
    });
  });

  test('concurrencyPolicy defaults to Forbid and a timezone is kept', () => {
    const ir = flow([step('a')], { schedule: { cron: '30 6 * * 1-5', timezone: 'Europe/Amsterdam', origin } });
    const docs = validateArgo(compileArgo(ir).text as string);
    expect(docs[1]?.spec).toMatchObject({ timezone: 'Europe/Amsterdam', concurrencyPolicy: 'Forbid' });
  });

  test('startingDeadlineSeconds: an hour by default, so a run missed while the controller is down still starts; the option changes it', () => {
    const schedule = { cron: '0 4 * * *', timezone: null, origin };
    const byDefault = validateArgo(compileArgo(flow([step('a')], { schedule })).text as string);
    expect(byDefault[1]?.spec.startingDeadlineSeconds).toBe(3600);
    const set = validateArgo(compileArgo(flow([step('a')], { schedule, targets: { argo: { startingDeadlineSeconds: 0 } } })).text as string);
    expect(set[1]?.spec.startingDeadlineSeconds).toBe(0);
  });

  test('foreach: withItems of strings and {{item}}, parallelism through a wrapper DAG', () => {
    const ir = flow([
      step('fetch', {
        foreach: { items: ['us', 2, { a: 1 }], from: null, parallelism: 2 },
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
        foreach: { items: [{ region: 'us', zones: ['a', 'b'] }, { region: 'eu', zones: ['c'] }], from: null, parallelism: null },
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
          foreach: { items: ['{{item}}', '$(x)', '{'], from: null, parallelism: null },
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

describe('argo target: no shell injection through run-time values', () => {
  /**
   * Runs a simulated container's argv with `sh` in a fresh, empty folder with exactly the
   * container's env, as the pod would; returns what it printed and the files it left there.
   */
  function runContainer(c: { argv: string[]; env: [string, string][] }): { stdout: string; files: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-argo-'));
    try {
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const [k, v] of c.env) env[k] = v;
      const r = spawnSync(c.argv[0] as string, c.argv.slice(1), { cwd: dir, env, encoding: 'utf8' });
      return { stdout: r.stdout, files: readdirSync(dir).sort() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Each would create a file in the working folder if the shell ran it as code. */
  const HOSTILE = [
    '"; touch pwned; #',
    '$(touch pwned-subst)',
    '`touch pwned-backquote`',
    "it's '; touch pwned-quote; '",
    'line one\ntouch pwned-newline\n',
    "'\"; touch pwned-mixed; echo \"'",
    '${FLOWC_RUN_ID} * ?',
  ];

  const pasteScript = (value: string) => `printf '%s|' "${value}"\necho ${value} >/dev/null\nprintf '%s' "${value}"`;

  test('control: pasting these values into a script (the old way) is observably injected', () => {
    for (const value of HOSTILE) {
      const out = runContainer({ argv: ['sh', '-c', pasteScript(value)], env: [['FLOWC_RUN_ID', 'demo-h1']] });
      expect(out.files.length > 0 || out.stdout !== `${value}|${value}`, value).toBe(true);
    }
    expect(runContainer({ argv: ['sh', '-c', pasteScript(HOSTILE[0] as string)], env: [] }).files).toEqual(['pwned']);
  });

  test('a hostile parameter value is only an env value, and sh prints it verbatim without running it', () => {
    const script: IRString = [
      { kind: 'lit', value: "printf '%s|' \"" },
      { kind: 'param', name: 'msg' },
      { kind: 'lit', value: '"\necho ' },
      { kind: 'param', name: 'msg' },
      { kind: 'lit', value: ' >/dev/null\nprintf \'%s\' "$FLOWC_PARAM_MSG"' },
    ];
    const ir = flow([step('s', { exec: { kind: 'run', script } })], {
      parameters: [{ name: 'msg', type: 'string', required: true, origin }],
    });
    const [wt] = validateArgo(compileArgo(ir).text as string);
    const t = (wt as any).spec.templates.find((x: { name: string }) => x.name === 's');
    expect(t.container.args).toEqual([shellScript(script).script]);
    expect(t.container.env).toContainEqual({ name: 'FLOWC_PARAM_MSG', value: paramExpression('msg') });
    // No Argo tag in the script: Argo substitutes nothing into its text.
    expect(t.container.args[0]).not.toContain('{{');

    for (const value of HOSTILE) {
      const run = { workflowName: 'demo-h1', params: { msg: value } };
      const containers = simulate(wt as any, run);
      expect(containers).toEqual(expectedContainers(ir, run));
      const c = containers.get('s')?.[0] as { argv: string[]; env: [string, string][] };
      expect(c.argv).toEqual(['sh', '-c', shellScript(script).script]);
      expect(c.env.filter(([, v]) => v.includes(value))).toEqual([['FLOWC_PARAM_MSG', value]]);
      const out = runContainer(c);
      expect(out.stdout, value).toBe(`${value}|${value}`);
      expect(out.files, value).toEqual([]);
    }
  });

  test('hostile foreach items and parameter defaults travel the same way', () => {
    const script: IRString = [
      { kind: 'lit', value: "printf '%s|%s' \"" },
      { kind: 'item', path: ['v'] },
      { kind: 'lit', value: '" "' },
      { kind: 'param', name: 'd' },
      { kind: 'lit', value: '"' },
    ];
    const ir = flow(
      [step('each', { exec: { kind: 'run', script }, foreach: { items: HOSTILE.map((v) => ({ v })), from: null, parallelism: null } })],
      { parameters: [{ name: 'd', type: 'string', required: false, default: HOSTILE[0], origin }] },
    );
    const text = compileArgo(ir).text as string;
    const [wt] = validateArgo(text);
    const t = (wt as any).spec.templates.find((x: { name: string }) => x.name === 'each');
    expect(t.container.args).toEqual([shellScript(script).script]);
    const run = { workflowName: 'demo-h2', params: {} };
    const containers = simulate(wt as any, run);
    expect(containers).toEqual(expectedContainers(ir, run));
    const list = containers.get('each') ?? [];
    expect(list).toHaveLength(HOSTILE.length);
    list.forEach((c, i) => {
      expect(c.argv).toEqual(['sh', '-c', shellScript(script).script]);
      expect(c.env).toContainEqual(['FLOWC_ITEM_V', HOSTILE[i]]);
      expect(c.env).toContainEqual(['FLOWC_PARAM_D', HOSTILE[0]]);
      const out = runContainer(c);
      expect(out.stdout).toBe(`${HOSTILE[i]}|${HOSTILE[0]}`);
      expect(out.files).toEqual([]);
    });
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

  test('all errors of the target are reported at once', () => {
    const ir = flow([
      step('x_', { image: '{{i}}' }),
      step('x', { retry: { limit: 1, delaySeconds: 1, backoff: 2.5, maxDelaySeconds: null } }),
    ]);
    const { diagnostics } = compileArgo(ir);
    expect(diagnostics.items.map((d) => d.code).sort()).toEqual(['FLOWC602', 'FLOWC604', 'FLOWC611']);
  });
});
