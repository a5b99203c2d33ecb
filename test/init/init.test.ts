import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATES } from '../../src/init/starters.js';
import { runCli } from '../cli/run-cli.js';
import { validateArgo } from '../targets/argo/helpers.js';
import { schemaErrors } from '../targets/gcp-workflows/structure.js';
import { lintFindings } from '../targets/github-actions/helpers.js';
import { aslErrors } from '../targets/stepfunctions/helpers.js';

const env = () => ({ PATH: process.env.PATH ?? '' });
const tmp = () => mkdtempSync(join(tmpdir(), 'flowc-init-'));

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, rel) : [rel];
  });
}

describe('flowc init', () => {
  for (const template of TEMPLATES) {
    it(`${template}: writes a starter that builds for every target without a warning and passes each target's validator`, async () => {
      const cwd = tmp();
      const init = await runCli(['init', 'proj', '--template', template], { cwd, env: env() });
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      const dir = join(cwd, 'proj');
      expect(filesUnder(dir).sort()).toEqual(
        ['.github/workflows/flowc.yml', '.gitignore', 'README.md', 'config/app.schema.json', 'config/base.yaml', 'config/dev.yaml', 'config/prod.yaml', `${template}.flow.yaml`, 'flowc.yaml'].sort(),
      );
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).not.toMatch(/\{\{/);

      const build = await runCli(['build', '-j', '1'], { cwd: dir, env: env() });
      expect(build.stderr).toBe('');
      expect(build.code).toBe(0);
      expect((await runCli(['build', '--check', '-j', '1'], { cwd: dir, env: env() })).code).toBe(0);
      const built = filesUnder(join(dir, 'build'));
      for (const binding of [`${template}-dev`, `${template}-prod`]) {
        const read = (ext: string) => readFileSync(join(dir, 'build', binding, `${binding}.${ext}`), 'utf8');
        for (const ext of ['argo.yaml', 'asl.json', 'gha.yml', 'gcp.yaml', 'batch.json']) expect(built).toContain(`${binding}/${binding}.${ext}`);
        expect(validateArgo(read('argo.yaml')).map((d) => d.kind)).toEqual(['WorkflowTemplate', 'CronWorkflow']);
        expect(aslErrors(JSON.parse(read('asl.json')) as object)).toEqual([]);
        expect(await lintFindings(read('gha.yml'))).toEqual([]);
        expect(schemaErrors(read('gcp.yaml'))).toEqual([]);
      }
      // The CI check itself is a valid workflow.
      expect(await lintFindings(readFileSync(join(dir, '.github/workflows/flowc.yml'), 'utf8'))).toEqual([]);
      // And it runs on this machine as written.
      const run = await runCli(['run', `${template}.flow.yaml`, '--config', 'app=config/dev.yaml', '--run-id', 'r'], { cwd: dir, env: env() });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('run r succeeded: 3 succeeded');
    });
  }

  it('ships every starter file in the npm package (the .gitignore as gitignore, which npm would drop)', () => {
    const root = resolve(import.meta.dirname, '../..');
    const out = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
    const packed = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path));
    for (const template of TEMPLATES) {
      for (const rel of filesUnder(join(root, 'starters', template))) expect(packed.has(`starters/${template}/${rel}`), rel).toBe(true);
      expect(packed.has(`starters/${template}/gitignore`)).toBe(true);
    }
  });

  it('refuses a folder that is not empty (FLOWC035); --force adds only what is missing and replaces nothing', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'flowc.yaml'), 'mine\n');
    const refused = await runCli(['init', '.'], { cwd: dir, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^flowc: error FLOWC035: \. is not empty \(1 entry\); flowc init starts a project in an empty or new folder\n {2}note: give a new folder/);
    expect(readdirSync(dir)).toEqual(['flowc.yaml']);
    const forced = await runCli(['init', '--force'], { cwd: dir, env: env() });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'flowc.yaml'), 'utf8')).toBe('mine\n');
    expect(forced.stdout).toContain('kept     flowc.yaml (exists)');
    expect(forced.stdout).toContain('created  ml-training.flow.yaml');
    expect(readdirSync(dir)).toContain('config');
  });

  it('writes nothing when a starter path is a symbolic link (FLOWC036), even with --force', async () => {
    const dir = tmp();
    const outside = tmp();
    symlinkSync(outside, join(dir, 'config'));
    const r = await runCli(['init', '--force', '--template', 'etl'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/flowc: error FLOWC036: config\/app\.schema\.json is under config, which is a symbolic link \(to ".*"\); flowc init writes no file through or over it, so nothing was written/);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['config']);
  });

  it('refuses a path that is a file (FLOWC037) and an unknown template', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'proj'), '');
    const r = await runCli(['init', 'proj'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flowc: error FLOWC037: proj is a regular file, not a folder; flowc init writes a new project into a folder');
    const t = await runCli(['init', 'x', '--template', 'nope'], { cwd: dir, env: env() });
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("'nope' is invalid");
    mkdirSync(join(dir, 'empty'));
    expect((await runCli(['init', 'empty'], { cwd: dir, env: env() })).code).toBe(0);
    // A folder holding only .git (a fresh `git init`) counts as empty.
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    expect((await runCli(['init', 'repo'], { cwd: dir, env: env() })).code).toBe(0);
    expect(readdirSync(join(dir, 'repo/.git'))).toEqual([]);
  });
});
