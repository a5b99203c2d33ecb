import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialKind, isCredentialEnvName } from '../../src/config/credentials.js';
import { REDACTED } from '../../src/config/taint.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../src/pipeline/compile.js';
import { buildLockfile } from '../../src/pipeline/lockfile.js';
import { TARGETS } from '../../src/targets/index.js';
import { tmpTree } from '../config/helpers.js';
import { fixtureDir, fixtureRequest, validFixtures } from '../helpers/fixtures.js';
import { runCli } from '../cli/run-cli.js';
import { REFUSED } from '../targets/refused.js';

const at = (root: string, d: Diagnostic) => `${d.code} ${d.span ? `${d.span.file.slice(root.length + 1)}:${d.span.line}:${d.span.col}` : '-'}`;

// Built at run time so no credential-looking literal sits in the repository.
const GH_TOKEN = `ghp_${'Ab1'.repeat(12)}`;
const DB_PASSWORD = 'hunter2-correct-horse';

const FLOW = `flowc: 1
name: demo
configs:
  app: { files: [app.yaml], schema: app.schema.json }
defaults: { image: python:3.12 }
steps:
  a:
    run: echo hi
`;

const APP = `db_password: ${DB_PASSWORD}
gh: \${env:GITHUB_TOKEN}
url: "https://x:\${env:GITHUB_TOKEN}@example.com"
derived: \${gh}
region: eu
aws: AKIA${'ABCDEFGHIJKLMNOP'}
`;

const SCHEMA = JSON.stringify({ type: 'object', properties: { db_password: { type: 'string', secret: true } } });

function project(flow = FLOW, app = APP) {
  const root = tmpTree({ 'demo.flow.yaml': flow, 'app.yaml': app, 'app.schema.json': SCHEMA });
  return { root, request: { flowPath: join(root, 'demo.flow.yaml'), cwd: root, env: { GITHUB_TOKEN: GH_TOKEN } } };
}

describe('config taint (SPEC section 8)', () => {
  it('secret: true and credential env values are redacted everywhere; warnings name where they were set', () => {
    const { root, request } = project();
    const r = compileTargets({ ...request, targets: TARGETS.map((t) => t.id) });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code.startsWith('FLOWC42')).map((d) => at(root, d))).toEqual([
      'FLOWC427 app.yaml:2:5',
      'FLOWC427 app.yaml:3:6',
      'FLOWC425 app.yaml:6:6',
    ]);
    expect(r.ir?.config.values.app).toEqual({ db_password: REDACTED, gh: REDACTED, url: REDACTED, derived: REDACTED, region: 'eu', aws: `AKIA${'ABCDEFGHIJKLMNOP'}` });
    const lock = buildLockfile({ ir: r.ir!, resolved: r.resolved!, flowFile: r.flowFile });
    const redacted = JSON.parse(lock.contents).configs.app.redacted;
    expect(redacted.map((x: { path: string; reason: string }) => `${x.path} ${x.reason}`)).toEqual([
      'db_password secret: true',
      'gh credential env GITHUB_TOKEN',
      'url credential env GITHUB_TOKEN',
      'derived credential env GITHUB_TOKEN',
    ]);
    for (const x of redacted) expect(x.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const file of [...r.artifacts, lock]) {
      expect(file.contents, file.path).not.toContain(GH_TOKEN);
      expect(file.contents, file.path).not.toContain(DB_PASSWORD);
    }
  });

  it('flowc config, --explain and compile --out print no tainted value, nor what it overrode', async () => {
    const root = tmpTree({ 'demo.flow.yaml': FLOW, 'base.yaml': 'db_password: old-password-value\n', 'app.yaml': `extends: base.yaml\n${APP}`, 'app.schema.json': SCHEMA });
    const env = { GITHUB_TOKEN: GH_TOKEN };
    const outputs = [
      await runCli(['config', 'demo.flow.yaml'], { cwd: root, env }),
      await runCli(['config', 'demo.flow.yaml', '--explain'], { cwd: root, env }),
      await runCli(['config', 'demo.flow.yaml', '--format', 'json'], { cwd: root, env }),
    ];
    for (const r of outputs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(REDACTED);
      for (const plain of [GH_TOKEN, DB_PASSWORD, 'old-password-value']) expect(r.stdout + r.stderr).not.toContain(plain);
    }
    const out = await runCli(['compile', 'demo.flow.yaml', '--target', 'all', '--out', 'out'], { cwd: root, env });
    expect(out.code).toBe(0);
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = readdirSync(join(root, 'out'));
    expect(files).toContain('demo.config.lock.json');
    for (const f of files) {
      const text = readFileSync(join(root, 'out', f), 'utf8');
      for (const plain of [GH_TOKEN, DB_PASSWORD, 'old-password-value']) expect(text, f).not.toContain(plain);
    }
  });

  it('the redaction hash changes with the value and stays the same across compiles', () => {
    const hashes = (token: string) => {
      const { request } = project();
      const r = compileTargets({ ...request, env: { GITHUB_TOKEN: token }, targets: ['ir'] });
      return JSON.parse(buildLockfile({ ir: r.ir!, resolved: r.resolved!, flowFile: r.flowFile }).contents).configs.app.redacted[1].sha256;
    };
    expect(hashes(GH_TOKEN)).toBe(hashes(GH_TOKEN));
    expect(hashes(GH_TOKEN)).not.toBe(hashes(`${GH_TOKEN}x`));
  });

  it('FLOWC424: a tainted value used in step text or a deploy-time field, pointing at the use and where it was set', () => {
    const { root, request } = project(`flowc: 1
name: demo
configs:
  app: { files: [app.yaml], schema: app.schema.json }
targets:
  argo: { namespace: "\${app.derived}" }
defaults: { image: python:3.12 }
steps:
  a:
    env: { TOKEN: "\${app.gh}" }
    run: echo \${app.db_password}
  b:
    command: [echo, "\${app}"]
`);
    const r = compileTargets({ ...request, targets: ['ir'] });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => at(root, d))).toEqual([
      'FLOWC424 demo.flow.yaml:6:23',
      'FLOWC424 demo.flow.yaml:10:20',
      'FLOWC424 demo.flow.yaml:11:15',
      'FLOWC424 demo.flow.yaml:13:22',
    ]);
    expect(errors[1]?.message).toContain('comes from environment variable GITHUB_TOKEN');
    expect(errors[1]?.notes?.[0]).toBe('the value is set at app.yaml:2:5');
    expect(errors[2]?.message).toContain('is marked secret: true in the config schema');
    expect(errors[2]?.notes?.join('\n')).toContain('secrets:');
  });

  it('FLOWC426: a secret reference in a config file', () => {
    const { root, request } = project(FLOW, 'hf: ${secrets.hf_token}\n');
    const r = compileTargets({ ...request, targets: ['ir'] });
    expect(r.diagnostics.map((d) => at(root, d))).toEqual(['FLOWC426 app.yaml:1:5']);
    expect(r.diagnostics[0]?.message).toContain('the engine resolves a secret when a task starts');
  });

  it('a config that has its own secrets key may still read it', () => {
    const { request } = project(FLOW, 'secrets: { x: 1 }\ny: ${secrets.x}\n');
    const r = compileTargets({ ...request, targets: ['ir'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('FLOWC413: secret must be a boolean in a config schema', () => {
    const root = tmpTree({ 'demo.flow.yaml': FLOW, 'app.yaml': 'a: 1\n', 'app.schema.json': '{"properties": {"a": {"secret": "yes"}}}' });
    const r = compileTargets({ flowPath: join(root, 'demo.flow.yaml'), cwd: root, targets: ['ir'] });
    expect(r.diagnostics.map((d) => at(root, d))).toEqual(['FLOWC413 app.schema.json:1:1']);
  });
});

describe('credential heuristics', () => {
  it('env names: whole words', () => {
    for (const n of ['GITHUB_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'OPENAI_API_KEY', 'GOOGLE_APPLICATION_CREDENTIALS', 'NPM_AUTH_TOKEN', 'token', 'MY_PASSWD']) {
      expect(isCredentialEnvName(n), n).toBe(true);
    }
    for (const n of ['HOME', 'TOKENIZER_PATH', 'AUTHOR', 'PWD', 'PRIMARY_KEY', 'REGION']) expect(isCredentialEnvName(n), n).toBe(false);
  });

  it('literals with a known prefix', () => {
    expect(credentialKind(`AKIA${'ABCDEFGHIJKLMNOP'}`)).toBe('an AWS access key id');
    expect(credentialKind(GH_TOKEN)).toBe('a GitHub token');
    expect(credentialKind(`xoxb-${'1234567890'}-abc`)).toBe('a Slack token');
    expect(credentialKind(`AIza${'a'.repeat(35)}`)).toBe('a Google API key');
    expect(credentialKind(`-----BEGIN RSA ${'PRIVATE'} KEY-----\nabc`)).toBe('a private key');
    expect(credentialKind(`hf_${'aB3'.repeat(12)}`)).toBe('a Hugging Face token');
    expect(credentialKind('hf_cache_directory_for_the_models_here')).toBeUndefined();
    expect(credentialKind('eu-west-1')).toBeUndefined();
  });
});

describe('no fixture leaks a credential (every target, lockfiles included)', () => {
  const PLAIN = `ghs_${'Zx9'.repeat(12)}`;
  for (const name of validFixtures()) {
    it(name, () => {
      const base = fixtureRequest(fixtureDir(name));
      const first = compileTargets({ ...base, targets: ['ir'] });
      const configs = Object.keys(first.ir?.config.values ?? {});
      const sets = configs.map((c) => `++${c}.flowc_leak_probe=\${env:FLOWC_LEAK_TOKEN}`);
      const r = compileTargets({ ...base, sets: [...(base.sets ?? []), ...sets], env: { ...base.env, FLOWC_LEAK_TOKEN: PLAIN }, targets: TARGETS.filter((t) => REFUSED[t.id]?.[name] === undefined).map((t) => t.id) });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.artifacts.length).toBeGreaterThan(0);
      const files = [...r.artifacts, buildLockfile({ ir: r.ir!, resolved: r.resolved!, flowFile: r.flowFile })];
      for (const f of files) expect(f.contents, `${name}/${f.path}`).not.toContain(PLAIN);
      if (configs.length > 0) expect(r.diagnostics.some((d) => d.code === 'FLOWC427')).toBe(true);
    });
  }
});

describe('the build cache keeps no env value', () => {
  it('records a hash of each env variable a compile read, never the value', async () => {
    const { envDeps, envDepValue } = await import('../../src/project/recording.js');
    const deps = envDeps({ GITHUB_TOKEN: GH_TOKEN, HOME: '/home/me' }, ['GITHUB_TOKEN', 'HOME', 'UNSET']);
    expect(JSON.stringify(deps)).not.toContain(GH_TOKEN);
    expect(JSON.stringify(deps)).not.toContain('/home/me');
    expect(deps.map((d) => d.name)).toEqual(['GITHUB_TOKEN', 'HOME', 'UNSET']);
    expect(deps[2]?.value).toBeNull();
    expect(envDepValue(GH_TOKEN)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(envDepValue(GH_TOKEN)).not.toBe(envDepValue(`${GH_TOKEN}x`));
  });
});

describe('schema errors never print a secret value', () => {
  it('FLOWC412 about a secret: true value or a credential env value names the value, not what it holds', () => {
    const schema = JSON.stringify({ type: 'object', properties: { db_password: { type: 'string', secret: true, minLength: 64 }, gh: { type: 'string', maxLength: 5 }, region: { type: 'string', maxLength: 1 } } });
    const root = tmpTree({ 'demo.flow.yaml': FLOW, 'app.yaml': APP, 'app.schema.json': schema });
    const r = compileTargets({ flowPath: join(root, 'demo.flow.yaml'), cwd: root, env: { GITHUB_TOKEN: GH_TOKEN }, targets: ['ir'] });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => at(root, d))).toEqual(['FLOWC412 app.yaml:1:14', 'FLOWC412 app.yaml:2:5', 'FLOWC412 app.yaml:5:9']);
    const text = JSON.stringify(errors);
    expect(text).not.toContain(DB_PASSWORD);
    expect(text).not.toContain(GH_TOKEN);
    // An ordinary value is still shown.
    expect(errors[2]?.message).toContain('(it is "eu")');
  });
});
