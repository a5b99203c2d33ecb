import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { compileTargets, compileToIR } from '../../src/pipeline/compile.js';
import { SourceRegistry } from '../../src/source/files.js';

const FLOW = '/proj/demo.flow.yaml';
const APP = '/proj/app.yaml';

function request(flow: string, app = 'hf: { name: hf, key: token }\nregion: eu\n') {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  sources.add(APP, app);
  return { flowPath: FLOW, cwd: '/proj', sources };
}

const at = (d: Diagnostic) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.col}`;

const HEAD = `flowc: 1
name: demo
configs:
  app: { files: [app.yaml] }
secrets:
  hf_token:
    argo: \${app.hf}
    github-actions: HF_TOKEN
`;

describe('secrets: (SPEC section 8)', () => {
  it('a whole env value becomes a secret reference, kept apart from text env', () => {
    const r = compileToIR(request(`${HEAD}defaults:
  image: python:3.12
  env: { LOG: info }
steps:
  train:
    env: { HF_TOKEN: "\${secrets.hf_token}", LOG: debug }
    run: python train.py
`));
    expect(r.diagnostics).toEqual([]);
    const step = r.ir?.steps[0];
    expect(step?.env.map((e) => e.name)).toEqual(['LOG']);
    expect(step?.secretEnv).toEqual([{ name: 'HF_TOKEN', secret: 'hf_token', origin: { file: 'demo.flow.yaml', line: 14, col: 22 } }]);
    // Locators are deploy-time: a config reference resolves to the config's value.
    expect(r.ir?.secrets).toEqual([
      { name: 'hf_token', locators: { argo: { name: 'hf', key: 'token' }, 'github-actions': 'HF_TOKEN' }, origin: { file: 'demo.flow.yaml', line: 6, col: 3 } },
    ]);
    expect(JSON.stringify(step?.env)).not.toContain('secrets');
  });

  it('a step env value can replace a secret from defaults and the other way round', () => {
    const r = compileToIR(request(`${HEAD}defaults:
  image: python:3.12
  env: { TOKEN: "\${secrets.hf_token}" }
steps:
  a:
    env: { TOKEN: plain }
    run: echo a
  b:
    run: echo b
`));
    expect(r.diagnostics).toEqual([]);
    expect(r.ir?.steps.map((s) => [s.env.map((e) => e.name), s.secretEnv.map((e) => e.name)])).toEqual([
      [['TOKEN'], []],
      [[], ['TOKEN']],
    ]);
  });

  it('FLOWC318: a secret in run text, in a command argument, inside a longer env value', () => {
    const r = compileToIR(request(`${HEAD}defaults: { image: python:3.12 }
steps:
  a:
    run: echo \${secrets.hf_token}
  b:
    command: [curl, -H, "\${secrets.hf_token}"]
  c:
    env: { AUTH: "Bearer \${secrets.hf_token}" }
    run: echo c
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC318 /proj/demo.flow.yaml:12:15', 'FLOWC318 /proj/demo.flow.yaml:14:26', 'FLOWC318 /proj/demo.flow.yaml:16:26']);
    expect(r.diagnostics[0]?.message).toContain('the engine resolves it when the task starts');
    expect(r.diagnostics[0]?.message).toContain('env: { NAME: "${secrets.hf_token}" }');
  });

  it('FLOWC318: a secret in deploy-time fields (image, resources, foreach, schedule, target options, parameters, locators)', () => {
    const r = compileToIR(request(`flowc: 1
name: demo
secrets:
  k: { argo: "\${secrets.k}" }
parameters:
  p: { type: string, default: "\${secrets.k}" }
schedule: "\${secrets.k}"
targets:
  argo: { namespace: "\${secrets.k}" }
steps:
  a:
    image: "img:\${secrets.k}"
    resources: { cpu: "\${secrets.k}" }
    foreach: "\${secrets.k}"
    run: echo a
    targets:
      argo: { serviceAccountName: "\${secrets.k}" }
`));
    expect(r.diagnostics.map(at)).toEqual([
      'FLOWC318 /proj/demo.flow.yaml:4:15',
      'FLOWC318 /proj/demo.flow.yaml:6:32',
      'FLOWC318 /proj/demo.flow.yaml:7:12',
      'FLOWC318 /proj/demo.flow.yaml:9:23',
      'FLOWC318 /proj/demo.flow.yaml:12:17',
      'FLOWC318 /proj/demo.flow.yaml:13:24',
      'FLOWC318 /proj/demo.flow.yaml:14:15',
      'FLOWC318 /proj/demo.flow.yaml:17:36',
    ]);
    expect(r.diagnostics[0]?.message).toContain('a secret is only resolved by the engine when a task starts');
  });

  it('FLOWC318: a whole env map or command that is a secret', () => {
    const r = compileToIR(request(`${HEAD}defaults: { image: python:3.12 }
steps:
  a:
    env: "\${secrets.hf_token}"
    command: "\${secrets.hf_token}"
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC318 /proj/demo.flow.yaml:12:11', 'FLOWC318 /proj/demo.flow.yaml:13:15']);
  });

  it('FLOWC319: an unknown secret, with did-you-mean; a malformed one', () => {
    const r = compileToIR(request(`${HEAD}defaults: { image: python:3.12 }
steps:
  a:
    env: { A: "\${secrets.hf_tokn}", B: "\${secrets.hf_token.x}" }
    run: echo a
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC319 /proj/demo.flow.yaml:12:16', 'FLOWC319 /proj/demo.flow.yaml:12:41']);
    expect(r.diagnostics[0]?.message).toContain("unknown secret 'hf_tokn'");
    expect(r.diagnostics[0]?.notes).toContain("did you mean 'hf_token'?");
  });

  it('FLOWC319: a flow with no secrets: says so', () => {
    const r = compileToIR(request(`flowc: 1
name: demo
steps:
  a:
    image: x
    env: { A: "\${secrets.tok}" }
    run: echo a
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC319 /proj/demo.flow.yaml:6:16']);
    expect(r.diagnostics[0]?.notes?.join(' ')).toContain('declares no secrets');
  });

  it('FLOWC204: secrets is a reserved root, so no config may be named so', () => {
    const r = compileToIR(request(`flowc: 1
name: demo
configs:
  secrets: { default: { a: 1 } }
steps:
  a: { image: x, run: echo }
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC204 /proj/demo.flow.yaml:4:3']);
    expect(r.diagnostics[0]?.message).toContain('env and secrets are interpolation roots');
  });

  it('a secret name is checked by the flow schema, and a secret needs a locator', () => {
    const r = compileToIR(request(`flowc: 1
name: demo
secrets:
  bad-name: { argo: x }
  empty: {}
  typo: { sfn: x }
steps:
  a: { image: x, run: echo }
`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC204 /proj/demo.flow.yaml:4:3', 'FLOWC204 /proj/demo.flow.yaml:5:3', 'FLOWC201 /proj/demo.flow.yaml:6:11']);
    expect(r.diagnostics[0]?.message).toBe("secrets: invalid secret name 'bad-name': letters, digits and '_', not starting with a digit, at most 64 characters");
    expect(r.diagnostics[2]?.notes).toEqual(["did you mean 'stepfunctions'?"]);
  });
});

describe('targets and secrets (FLOWC607, FLOWC608)', () => {
  const flow = `${HEAD}defaults: { image: python:3.12 }
steps:
  train:
    env: { HF_TOKEN: "\${secrets.hf_token}" }
    run: python train.py
`;

  it('the ir target prints secret references, never values', () => {
    const r = compileTargets({ ...request(flow), targets: ['ir'] });
    expect(r.diagnostics).toEqual([]);
    const text = r.artifacts[0]?.contents ?? '';
    expect(JSON.parse(text).steps[0].secretEnv).toEqual([{ name: 'HF_TOKEN', secret: 'hf_token', origin: { file: 'demo.flow.yaml', line: 12, col: 22 } }]);
    expect(JSON.parse(text).secrets).toEqual([
      { name: 'hf_token', locators: { argo: { name: 'hf', key: 'token' }, 'github-actions': 'HF_TOKEN' }, origin: { file: 'demo.flow.yaml', line: 6, col: 3 } },
    ]);
  });

  it('FLOWC607: a target that cannot render secrets refuses the flow, naming itself, and writes nothing', () => {
    const r = compileTargets({ ...request(flow), targets: ['argo', 'ir'] });
    const refusals = r.diagnostics.filter((d) => d.code === 'FLOWC607');
    // Targets that gain secret support (SecretSupport on Target) drop out of this list.
    for (const d of refusals) {
      expect(at(d)).toBe('FLOWC607 /proj/demo.flow.yaml:12:22');
      expect(d.message).toContain('target argo cannot render secrets');
    }
    if (refusals.length > 0) expect(r.artifacts).toEqual([]);
  });

  it('a flow that declares secrets but uses none compiles for every target', () => {
    const r = compileTargets({ ...request(`${HEAD}steps:\n  a: { image: x, run: echo }\n`), targets: ['argo', 'stepfunctions', 'github-actions', 'gcp-workflows', 'ir'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
