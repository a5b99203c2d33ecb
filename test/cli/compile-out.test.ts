import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from './run-cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-compile-out-'));
  cpSync(join(FIXTURES, 'scheduled'), join(work, 'sch'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const flowFile = () => join(work, 'sch/flow.yaml');
const removeSchedule = () => writeFileSync(flowFile(), readFileSync(flowFile(), 'utf8').replace(/^schedule: .*\n/m, ''));
const sfn = ['compile', 'sch/flow.yaml', '-t', 'sfn', '--out', 'out'];

describe('compile --out keeps a manifest', () => {
  it('writes compile.manifest.json listing each target\'s files', async () => {
    const r = await runCli(sfn, { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(work, 'out/compile.manifest.json'), 'utf8'));
    expect(m.kind).toBe('compile');
    expect(Object.keys(m.outputs['morning-refresh/stepfunctions'].files).sort()).toEqual([
      'morning-refresh.asl.json',
      'morning-refresh.batch.json',
      'morning-refresh.config.lock.json',
      'morning-refresh.schedule.json',
    ]);
  });

  it('--check reports a removed schedule\'s file as stale; --prune removes it', async () => {
    await runCli(sfn, { cwd: work });
    removeSchedule();
    await runCli(['compile', 'sch/flow.yaml', '-t', 'sfn', '--out', 'out'], { cwd: work }).then((r) => {
      // Without --prune the file stays and a warning names it.
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('FLOWC710');
      expect(r.stderr).toContain('out/morning-refresh.schedule.json');
    });
    const check = await runCli([...sfn, '--check'], { cwd: work });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('stale: out/morning-refresh.schedule.json');
    const pruned = await runCli([...sfn, '--prune'], { cwd: work });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('removed out/morning-refresh.schedule.json');
    expect(existsSync(join(work, 'out/morning-refresh.schedule.json'))).toBe(false);
    expect((await runCli([...sfn, '--check'], { cwd: work })).code).toBe(0);
  });

  it('another target compiled into the same folder keeps its files (one manifest unit per target)', async () => {
    await runCli(sfn, { cwd: work });
    const r = await runCli(['compile', 'sch/flow.yaml', '-t', 'argo', '--out', 'out', '--prune'], { cwd: work });
    expect(r.code).toBe(0);
    expect(existsSync(join(work, 'out/morning-refresh.schedule.json'))).toBe(true);
    expect((await runCli([...sfn, '--check'], { cwd: work })).code).toBe(0);
  });

  it('--prune deletes only manifest-listed files inside DIR: an escaping path or a link is refused', async () => {
    await runCli(sfn, { cwd: work });
    writeFileSync(join(work, 'victim.txt'), 'keep me');
    const m = JSON.parse(readFileSync(join(work, 'out/compile.manifest.json'), 'utf8'));
    const sha = 'a'.repeat(64);
    m.outputs['morning-refresh/stepfunctions'].files['../victim.txt'] = sha;
    m.stale = { 'linked.json': sha };
    writeFileSync(join(work, 'out/compile.manifest.json'), JSON.stringify(m));
    symlinkSync(join(work, 'victim.txt'), join(work, 'out/linked.json'));
    const r = await runCli([...sfn, '--prune'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('FLOWC714');
    expect(r.stderr).toContain('FLOWC717');
    expect(readFileSync(join(work, 'victim.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(join(work, 'out/linked.json'))).toBe(true);
  });

  it('a manifest that is a link is not read (FLOWC712), and nothing is pruned', async () => {
    await runCli(sfn, { cwd: work });
    mkdirSync(join(work, 'elsewhere'));
    writeFileSync(join(work, 'elsewhere/m.json'), readFileSync(join(work, 'out/compile.manifest.json')));
    rmSync(join(work, 'out/compile.manifest.json'));
    symlinkSync(join(work, 'elsewhere/m.json'), join(work, 'out/compile.manifest.json'));
    const r = await runCli([...sfn, '--check'], { cwd: work });
    expect(r.stderr).toContain('FLOWC712');
    expect(r.code).toBe(1);
  });
});

describe('compile -o FILE --check', () => {
  it('exits 0 when FILE is up to date and 1 with a diff when it is not', async () => {
    const args = ['compile', 'sch/flow.yaml', '-t', 'gha', '-o', '.github/workflows/x.yml'];
    expect((await runCli(args, { cwd: work })).code).toBe(0);
    const ok = await runCli([...args, '--check'], { cwd: work });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    const path = join(work, '.github/workflows/x.yml');
    writeFileSync(path, `${readFileSync(path, 'utf8')}# edited\n`);
    const stale = await runCli([...args, '--check'], { cwd: work });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('-# edited');
    expect(stale.stderr).toContain('.github/workflows/x.yml is stale');
    expect(readFileSync(path, 'utf8')).toContain('# edited');
  });

  it('reports a missing FILE', async () => {
    const r = await runCli(['compile', 'sch/flow.yaml', '-t', 'gha', '-o', 'nope.yml', '--check'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('missing: nope.yml\n');
    expect(existsSync(join(work, 'nope.yml'))).toBe(false);
  });
});

describe('compile --name', () => {
  it('names the deployed flow and its files', async () => {
    const r = await runCli(['compile', 'sch/flow.yaml', '-t', 'argo', '--name', 'evening-refresh', '--out', 'out'], { cwd: work });
    expect(r.code).toBe(0);
    const text = readFileSync(join(work, 'out/evening-refresh.argo.yaml'), 'utf8');
    expect(text).toContain('name: evening-refresh');
    expect(existsSync(join(work, 'out/evening-refresh.config.lock.json'))).toBe(true);
  });

  it('an invalid --name is FLOWC020 (exit 2)', async () => {
    const r = await runCli(['compile', 'sch/flow.yaml', '-t', 'argo', '--name', 'Evening_Refresh'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FLOWC020');
  });
});
