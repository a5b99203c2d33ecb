import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../../src/pipeline/compile.js';
import { SourceRegistry } from '../../../src/source/files.js';
import { expectGolden } from '../../helpers/golden.js';
import { lintFindings, parseWorkflow } from './helpers.js';

const HERE = import.meta.dirname;
const SECURE = join(HERE, '../../../fixtures/secure-training');
const FLOW = '/proj/flow.yaml';

/** Compiles flow text for github-actions in memory. */
function compile(flow: string) {
  const sources = new SourceRegistry();
  sources.add(FLOW, flow);
  const r = compileTargets({ flowPath: FLOW, cwd: '/proj', sources, targets: ['github-actions'] });
  return { text: r.artifacts[0]?.contents ?? null, diagnostics: r.diagnostics };
}

const at = (d: Diagnostic) => `${d.code} ${d.span?.line}:${d.span?.col}`;

/** A flow with secrets `hf` (HF_TOKEN) and `reg` (REG_TOKEN); `body` holds targets and steps. */
function flow(body: string, secrets = '  hf: { github-actions: HF_TOKEN }\n  reg: { github-actions: REG_TOKEN }\n'): string {
  return `flowc: 1\nname: demo\nsecrets:\n${secrets}defaults:\n  image: alpine:3.20\n${body}`;
}

/**
 * Every mention of a secret in a workflow is a reference GitHub resolves: a `${{ secrets.X }}`
 * env value or credentials password, or a name under on.workflow_call.secrets. Never text in a
 * `run`, never a value.
 */
function expectOnlyReferences(text: string, githubNames: string[]): void {
  const wf = parseWorkflow(text);
  for (const job of Object.values<any>(wf.jobs)) {
    for (const s of job.steps) {
      expect(s.run).not.toMatch(/secrets\.|\$\{\{/);
      for (const name of githubNames) expect(s.run).not.toContain(name);
    }
  }
  const lines = text.split('\n');
  for (const name of githubNames) {
    const hits = lines.filter((l) => l.includes(name));
    expect(hits.length).toBeGreaterThan(0);
    for (const l of hits) {
      expect(l).toMatch(new RegExp(`^\\s+(?:[A-Z_]+: \\$\\{\\{ secrets\\.${name} \\}\\}|password: \\$\\{\\{ secrets\\.${name} \\}\\}|${name}:|description: the flow's jobs read it as secret ${name})$`));
    }
  }
}

describe('github-actions: the secure-training fixture', () => {
  const sources = new SourceRegistry();
  const r = compileTargets({ flowPath: join(SECURE, 'flow.yaml'), cwd: SECURE, targets: ['gha'], sources });
  const text = r.artifacts[0]?.contents as string;

  test('compiles clean, matches its golden file and lints clean under actionlint v1.7.7', async () => {
    expect(r.diagnostics).toEqual([]);
    expectGolden(join(SECURE, 'expected/secure-training.gha.yml'), text);
    expect(await lintFindings(text, { customLabels: ['gpu-a100'] })).toEqual([]);
  });

  test('secrets reach jobs only as references, declared for workflow_call', () => {
    expectOnlyReferences(text, ['HF_TOKEN', 'GHCR_TOKEN']);
    const wf = parseWorkflow(text);
    expect(wf.on.workflow_call.secrets).toEqual({
      GHCR_TOKEN: { description: "the flow's jobs read it as secret GHCR_TOKEN", required: true },
      HF_TOKEN: { description: "the flow's jobs read it as secret HF_TOKEN", required: true },
    });
    expect(wf.jobs.train.steps[0].env).toEqual({ HF_TOKEN: '${{ secrets.HF_TOKEN }}' });
    expect(wf.jobs.prepare.steps[0].env).toBeUndefined();
    // The job env (FLOWC_*, the flow's env) never holds a secret.
    for (const job of Object.values<any>(wf.jobs)) expect(JSON.stringify(job.env)).not.toContain('secrets');
  });

  test("per-step runsOn and environment land on that step's job only; the GPU step needs no gpuRunsOn", () => {
    const wf = parseWorkflow(text);
    expect(wf.jobs.train['runs-on']).toEqual(['self-hosted', 'linux', 'gpu-a100']);
    expect(wf.jobs.train.environment).toBe('training');
    for (const id of ['prepare', 'publish']) {
      expect(wf.jobs[id]['runs-on']).toBe('ubuntu-latest');
      expect(wf.jobs[id].environment).toBeUndefined();
    }
  });

  test('the private image logs in with the literal username and the password secret; permissions stay {}', () => {
    const wf = parseWorkflow(text);
    for (const job of Object.values<any>(wf.jobs)) {
      expect(job.container.credentials).toEqual({ username: 'acme-bot', password: '${{ secrets.GHCR_TOKEN }}' });
      expect(job.permissions).toBeUndefined();
    }
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.train.container.options).toBe('--gpus all');
  });
});

describe('github-actions: secret locators (GitHub secret naming rules)', () => {
  const body = `steps:\n  a:\n    env: { T: "\${secrets.hf}" }\n    run: echo "$T"\n`;
  test.each([
    ['GITHUB_PAT', 'starts with GITHUB_'],
    ['github_app_key', 'starts with GITHUB_'],
    ['1TOKEN', 'starts with a digit'],
    ['my-token', "letters, digits and '_' only"],
    ['"MY TOKEN"', "letters, digits and '_' only"],
    ['{ name: X }', 'not a map'],
  ])('%s is FLOWC608 at the secret (%s)', (locator, why) => {
    const r = compile(flow(body, `  hf: { github-actions: ${locator} }\n`));
    expect(r.text).toBeNull();
    expect(r.diagnostics.map(at)).toEqual(['FLOWC608 4:3']);
    expect(r.diagnostics[0]?.message).toContain(why);
  });

  test('GITHUB_TOKEN is the automatic token: allowed, and not declared for workflow_call', async () => {
    const r = compile(flow(body, '  hf: { github-actions: GITHUB_TOKEN }\n'));
    expect(r.diagnostics).toEqual([]);
    const wf = parseWorkflow(r.text as string);
    expect(wf.jobs.a.steps[0].env).toEqual({ T: '${{ secrets.GITHUB_TOKEN }}' });
    expect(wf.on.workflow_call.secrets).toBeUndefined();
    expect(await lintFindings(r.text as string)).toEqual([]);
  });

  test('two secrets naming one GitHub secret in different case is FLOWC634 at the second', () => {
    const r = compile(flow(`steps:\n  a:\n    env: { A: "\${secrets.one}", B: "\${secrets.two}" }\n    run: echo\n`, '  one: { github-actions: HF_TOKEN }\n  two: { github-actions: Hf_Token }\n'));
    expect(r.text).toBeNull();
    expect(r.diagnostics.map(at)).toEqual(['FLOWC634 5:3']);
  });

  test('two secrets with the same GitHub name are one declaration', async () => {
    const r = compile(flow(`steps:\n  a:\n    env: { A: "\${secrets.one}", B: "\${secrets.two}" }\n    run: echo\n`, '  one: { github-actions: HF_TOKEN }\n  two: { github-actions: HF_TOKEN }\n'));
    expect(r.diagnostics).toEqual([]);
    expect(Object.keys(parseWorkflow(r.text as string).on.workflow_call.secrets)).toEqual(['HF_TOKEN']);
    expect(await lintFindings(r.text as string)).toEqual([]);
  });

  test('a secret in a run script, a retried command and a foreach matrix job: env only, actionlint clean', async () => {
    const r = compile(
      flow(`steps:
  a:
    env: { TOKEN: "\${secrets.hf}" }
    run: 'curl -H "Authorization: Bearer $TOKEN" https://example.com'
  b:
    env: { TOKEN: "\${secrets.reg}" }
    retry: { limit: 2 }
    command: [login, --token-env, TOKEN]
  c:
    foreach: [x, y]
    env: { TOKEN: "\${secrets.hf}" }
    run: echo "$FLOWC_ITEM"
`),
    );
    expect(r.diagnostics).toEqual([]);
    const text = r.text as string;
    expectOnlyReferences(text, ['HF_TOKEN', 'REG_TOKEN']);
    const wf = parseWorkflow(text);
    expect(wf.jobs.b.steps[0].env).toEqual({ TOKEN: '${{ secrets.REG_TOKEN }}' });
    expect(wf.jobs.c.steps[0].env).toEqual({ TOKEN: '${{ secrets.HF_TOKEN }}' });
    expect(await lintFindings(text)).toEqual([]);
  });
});

describe('github-actions: per-step options', () => {
  test('a GPU step with its own runsOn needs no gpuRunsOn; another GPU step still does (FLOWC631)', () => {
    const r = compile(
      flow(`steps:
  a:
    resources: { gpu: 1 }
    run: nvidia-smi
    targets:
      github-actions: { runsOn: [self-hosted, gpu] }
  b:
    resources: { gpu: 1 }
    run: nvidia-smi
`),
    );
    expect(r.diagnostics.map(at)).toEqual(['FLOWC631 14:3']);
  });

  test("a GPU step's own runsOn wins over gpuRunsOn, and a CPU step's over runsOn", async () => {
    const r = compile(
      flow(`targets:
  github-actions: { runsOn: [self-hosted, cpu], gpuRunsOn: [self-hosted, gpu] }
steps:
  a:
    resources: { gpu: 1 }
    run: nvidia-smi
    targets:
      github-actions: { runsOn: [self-hosted, a100] }
  b:
    resources: { gpu: 1 }
    run: nvidia-smi
  c:
    run: echo
    targets:
      github-actions: { runsOn: ubuntu-24.04 }
  d:
    run: echo
`),
    );
    expect(r.diagnostics).toEqual([]);
    const wf = parseWorkflow(r.text as string);
    expect([wf.jobs.a, wf.jobs.b, wf.jobs.c, wf.jobs.d].map((j) => j['runs-on'])).toEqual([
      ['self-hosted', 'a100'],
      ['self-hosted', 'gpu'],
      'ubuntu-24.04',
      ['self-hosted', 'cpu'],
    ]);
    expect(await lintFindings(r.text as string, { customLabels: ['a100', 'gpu', 'cpu'] })).toEqual([]);
  });

  test('environment as { name, url }, literal ${{ in a name kept literal, flow-level environment on every job', async () => {
    const r = compile(
      flow(`targets:
  github-actions: { environment: staging }
steps:
  a:
    run: echo
    targets:
      github-actions: { environment: { name: production, url: "https://example.com/app" } }
  b:
    run: echo
    targets:
      github-actions: { environment: "odd $\${{ name" }
  c:
    run: echo
`),
    );
    expect(r.diagnostics).toEqual([]);
    const wf = parseWorkflow(r.text as string);
    expect(wf.jobs.a.environment).toEqual({ name: 'production', url: 'https://example.com/app' });
    expect(wf.jobs.b.environment).toBe("odd ${{ '${{' }} name");
    expect(wf.jobs.c.environment).toBe('staging');
    expect(await lintFindings(r.text as string)).toEqual([]);
  });

  test('environment names over 255 characters, with control characters, and a url that is not http(s): FLOWC601 where written', () => {
    const r = compile(
      flow(`steps:
  a:
    run: echo
    targets:
      github-actions: { environment: ${'e'.repeat(256)} }
  b:
    run: echo
    targets:
      github-actions: { environment: "tab\\there" }
  c:
    run: echo
    targets:
      github-actions: { environment: { name: prod, url: "javascript:alert(1)" } }
`),
    );
    expect(r.text).toBeNull();
    expect(r.diagnostics.map(at)).toEqual(['FLOWC601 12:38', 'FLOWC601 16:38', 'FLOWC601 20:57']);
  });

  test('an option a step cannot set is FLOWC609 at its key', () => {
    const r = compile(flow(`steps:\n  a:\n    run: echo\n    targets:\n      github-actions: { gpuRunsOn: gpu, container: false }\n`));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC609 12:25', 'FLOWC609 12:41']);
  });
});

describe('github-actions: private images', () => {
  test('an unknown password name is FLOWC636 at the value, with did-you-mean; per step too', () => {
    const r = compile(
      flow(`targets:
  github-actions:
    containerCredentials: { username: bot, password: regg }
steps:
  a:
    run: echo
    targets:
      github-actions: { containerCredentials: { username: bot, password: nope } }
`),
    );
    expect(r.diagnostics.map(at)).toEqual(['FLOWC636 10:54', 'FLOWC636 15:74']);
    expect(r.diagnostics[0]?.notes).toContain("did you mean 'reg'?");
  });

  test('a password secret without a github-actions locator is FLOWC637 at the secret, once', () => {
    const r = compile(
      flow(`targets:
  github-actions:
    containerCredentials: { username: bot, password: reg }
steps:
  a:
    run: echo
  b:
    run: echo
`, '  reg: { argo: { name: r, key: k } }\n'),
    );
    expect(r.text).toBeNull();
    expect(r.diagnostics.map(at)).toEqual(['FLOWC637 4:3']);
  });

  test('a password secret with a bad locator is FLOWC637', () => {
    const r = compile(flow(`targets:\n  github-actions:\n    containerCredentials: { username: bot, password: reg }\nsteps:\n  a:\n    run: echo\n`, '  reg: { github-actions: GITHUB_PAT }\n'));
    expect(r.diagnostics.map(at)).toEqual(['FLOWC637 4:3']);
  });

  test("a username that is a secret's name is warned about (FLOWC639); with container: false credentials are FLOWC638", () => {
    const r = compile(
      flow(`targets:
  github-actions:
    container: false
    containerCredentials: { username: hf, password: reg }
steps:
  a:
    run: echo
`),
    );
    expect(r.diagnostics.map(at)).toEqual(['FLOWC639 11:39', 'FLOWC638 11:5']);
    expect(r.text).not.toBeNull();
    expect(r.text).not.toContain('credentials');
    expect(r.text).not.toContain('REG_TOKEN');
  });

  test('a ghcr.io image without credentials logs in with github.actor and GITHUB_TOKEN, packages: read for that job only', async () => {
    const r = compile(
      flow(`steps:
  a:
    image: ghcr.io/acme/private:1
    run: echo
  b:
    image: GHCR.IO/acme/other:2
    run: echo
  c:
    run: echo
  d:
    image: ghcr.io.example.com/x:1
    run: echo
`),
    );
    expect(r.diagnostics).toEqual([]);
    const wf = parseWorkflow(r.text as string);
    expect(wf.permissions).toEqual({});
    for (const id of ['a', 'b']) {
      expect(wf.jobs[id].container.credentials).toEqual({ username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
      expect(wf.jobs[id].permissions).toEqual({ packages: 'read' });
    }
    expect(wf.jobs.c.container).toBe('alpine:3.20');
    expect(wf.jobs.c.permissions).toBeUndefined();
    expect(wf.jobs.d.container).toBe('ghcr.io.example.com/x:1');
    expect(wf.on.workflow_call.secrets).toBeUndefined();
    expect(await lintFindings(r.text as string)).toEqual([]);
  });

  test("the ghcr.io job keeps the workflow's permissions map; read-all and an explicit packages level are left alone", () => {
    const perms = (p: string) => parseWorkflow(compile(flow(`targets:\n  github-actions: { permissions: ${p} }\nsteps:\n  a:\n    image: ghcr.io/acme/x:1\n    run: echo\n`)).text as string).jobs.a.permissions;
    expect(perms('{ contents: read }')).toEqual({ contents: 'read', packages: 'read' });
    expect(perms('read-all')).toBeUndefined();
    expect(perms('{ packages: none }')).toBeUndefined();
  });

  test('given credentials win over the ghcr.io default', () => {
    const r = compile(flow(`targets:\n  github-actions:\n    containerCredentials: { username: bot, password: reg }\nsteps:\n  a:\n    image: ghcr.io/acme/x:1\n    run: echo\n`));
    const wf = parseWorkflow(r.text as string);
    expect(wf.jobs.a.container.credentials).toEqual({ username: 'bot', password: '${{ secrets.REG_TOKEN }}' });
    expect(wf.jobs.a.permissions).toBeUndefined();
  });
});
