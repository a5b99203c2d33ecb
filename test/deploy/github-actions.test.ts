import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { createProgram } from '../../src/cli/program.js';

const LINEAR = resolve(import.meta.dirname, '../../fixtures/linear/flow.yaml');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowc-gha-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const gha = (o: { repoDir: string; dryRun?: boolean }) => deploy({ flow: LINEAR, target: 'gha', repoDir: o.repoDir, dryRun: o.dryRun === true });

describe('flowc deploy --target github-actions', () => {
  it('writes .github/workflows/<name>.yml in the checkout and says to commit it; then reports it unchanged', async () => {
    mkdirSync(join(dir, '.git'));
    const r = await gha({ repoDir: dir });
    expect(r.diagnostics).toEqual([]);
    const path = join(dir, '.github/workflows/nightly-report.yml');
    expect(readFileSync(path, 'utf8')).toBe(r.artifacts[0]?.contents);
    expect(r.changes).toEqual([{ action: 'create', resource: '.github/workflows/nightly-report.yml', detail: 'commit and push it: git add .github/workflows/nightly-report.yml && git commit -m "Deploy nightly-report"' }]);
    const again = await gha({ repoDir: dir });
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged']);
  });

  it('a dry run writes nothing', async () => {
    mkdirSync(join(dir, '.git'));
    const r = await gha({ repoDir: dir, dryRun: true });
    expect(r.changes.map((c) => c.action)).toEqual(['create']);
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });

  it('refuses a folder that is not a git checkout (FLOWC745)', async () => {
    const r = await gha({ repoDir: dir });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC745']);
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });

  it('refuses a .github/workflows that links out of the checkout (FLOWC745), writing nothing there', async () => {
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    mkdirSync(join(dir, 'repo/.github'));
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'repo/.github/workflows'));
    const r = await gha({ repoDir: join(dir, 'repo') });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLOWC745']);
    expect(existsSync(join(dir, 'elsewhere/nightly-report.yml'))).toBe(false);
  });

  it('the CLI prints what changed and exits 0; a target without an engine is FLOWC740, exit 1', async () => {
    mkdirSync(join(dir, '.git'));
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), stderrIsTTY: false, cwd: dir, env: {} };
    expect(await createProgram(io).run(['deploy', LINEAR, '--target', 'gha'])).toBe(0);
    expect(out).toContain('deployed: nightly-report to github-actions');
    expect(out).toContain('create           .github/workflows/nightly-report.yml');
    expect(await createProgram(io).run(['deploy', LINEAR, '--target', 'ir'])).toBe(1);
    expect(err).toContain('error FLOWC740: target ir has no engine to deploy to');
    err = '';
    expect(await createProgram(io).run(['deploy', LINEAR])).toBe(2);
    expect(err).toContain('FLOWC010');
  });
});

describe('flowc deploy --target github-actions, a flow split into parts', () => {
  /** Three steps of ~200 KB scripts: over GitHub's 500 KiB per workflow file, so a parent and parts. */
  function bigFlow(): string {
    const script = (id: string) => Array.from({ length: 2600 }, () => `      echo ${id} ${'z'.repeat(70)}`).join('\n');
    const steps = ['a', 'b', 'c'].map((id, i) => `  ${id}:\n${i > 0 ? `    needs: [${['a', 'b'][i - 1]}]\n` : ''}    run: |\n${script(id)}\n`);
    const path = join(dir, 'big.yaml');
    writeFileSync(path, `flowc: 1\nname: big\ndefaults: { image: alpine:3.20 }\nsteps:\n${steps.join('')}`);
    return path;
  }

  it('writes the parts (named after the deployed name) under the names the parent calls them by, then the parent; all unchanged on a second deploy', async () => {
    mkdirSync(join(dir, '.git'));
    const flow = bigFlow();
    const r = await deploy({ flow, target: 'gha', repoDir: dir, name: 'big-deployed' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.changes.map((c) => [c.action, c.resource])).toEqual([
      ['create', '.github/workflows/big-deployed.part-1.gha.yml'],
      ['create', '.github/workflows/big-deployed.part-2.gha.yml'],
      ['create', '.github/workflows/big-deployed.yml'],
    ]);
    const folder = join(dir, '.github/workflows');
    const parent = readFileSync(join(folder, 'big-deployed.yml'), 'utf8');
    const called = [...parent.matchAll(/uses: \.\/\.github\/workflows\/(\S+)/g)].map((m) => m[1] as string);
    // Three steps of about 210 KB each: two parts are the fewest that fit 500 KiB.
    expect(called).toEqual(['big-deployed.part-1.gha.yml', 'big-deployed.part-2.gha.yml']);
    for (const f of called) expect(readFileSync(join(folder, f), 'utf8')).toBe(r.artifacts.find((a) => a.path === f)?.contents);
    const again = await deploy({ flow, target: 'gha', repoDir: dir, name: 'big-deployed' });
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });
});

describe('deploy settings checked before anything is compiled or sent', () => {
  it('--name must be a flow name (FLOWC741); an unknown --target is wrong usage (FLOWC002, exit 2); build-only deploy options need --deploy', async () => {
    const r = await deploy({ flow: LINEAR, target: 'gha', name: 'Bad_Name', repoDir: '.' });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['FLOWC741', `--name "Bad_Name" is not a flow name: a lowercase letter, then lowercase letters, digits and '-', at most 52`]]);
    let err = '';
    const io = { stdout: () => {}, stderr: (t: string) => void (err += t), stderrIsTTY: false, cwd: tmpdir(), env: {} };
    expect(await createProgram(io).run(['deploy', LINEAR, '--target', 'nomad'])).toBe(2);
    expect(err).toContain("error FLOWC002: unknown target 'nomad'");
    err = '';
    expect(await createProgram(io).run(['build', '--dry-run'])).toBe(2);
    expect(err).toContain('--dry-run, --region, --role-arn and --deploy-jobs apply to build --deploy');
  });
});
