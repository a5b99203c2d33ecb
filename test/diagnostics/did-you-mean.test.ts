import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { suggestDuration, suggestFlowName } from '../../src/diagnostics/suggest.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { copyProject } from '../project/helpers.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-dym-'));
  cpSync(join(FIXTURES, 'ml-training'), join(work, 'ml'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, { cwd: work });
const edit = (from: RegExp, to: string) => writeFileSync(join(work, 'ml/flow.yaml'), readFileSync(join(work, 'ml/flow.yaml'), 'utf8').replace(from, to));

describe('did you mean', () => {
  it('a flow name in the wrong case or with underscores', async () => {
    edit(/^name: content-model$/m, 'name: Content_Model');
    const r = await run(['validate', 'ml/flow.yaml', '--target', 'ir']);
    expect(r.stderr).toMatch(/ml\/flow\.yaml:3:7: error FLOWC204: name: 'Content_Model' is not valid: .*\n {2}note: did you mean 'content-model'\?/);
  });

  it('a duration written as 1.5h', async () => {
    edit(/^ {2}timeout: 1h$/m, '  timeout: 1.5h');
    const r = await run(['validate', 'ml/flow.yaml', '--target', 'ir']);
    expect(r.stderr).toMatch(/error FLOWC305: defaults\.timeout: invalid duration '1\.5h'.*\n {2}note: did you mean '1h30m'\?/);
  });

  it('--set without the config name', async () => {
    const r = await run(['validate', 'ml/flow.yaml', '--set', 'train.epochs=3', '--target', 'ir']);
    expect(r.stderr).toContain("error FLOWC404: --set train.epochs=3: the flow declares no config named \"train\"\n  note: did you mean app.train.epochs=3? (config 'app' has the key 'train')");
  });

  it('a missing config file with a close sibling', async () => {
    const r = await run(['validate', 'ml/flow.yaml', '--config', 'app=ml/config/crt.toml', '--target', 'ir']);
    expect(r.stderr).toContain("error FLOWC401: cannot read config file \"crt.toml\": no such file\n  note: did you mean 'ctr.toml'? (in the same folder)");
  });

  it('a config value outside its schema enum', async () => {
    const r = await run(['validate', 'ml/flow.yaml', '--set', 'app.target_column=clickd', '--target', 'ir']);
    expect(r.stderr).toMatch(/error FLOWC412: app\.target_column .*\n(.*\n)*? {2}note: did you mean 'clicked'\?/);
  });

  it('--name and binding names, and --only', async () => {
    const n = await run(['compile', 'ml/flow.yaml', '--target', 'ir', '--name', 'Movie_Stats']);
    expect(n.stderr).toContain("note: did you mean 'movie-stats'?");
    const dir = copyProject();
    try {
      const f = join(dir, 'flowc.yaml');
      const only = await runCli(['build', '--only', 'content-ctl', '--target', 'ir'], { cwd: dir });
      expect(only.stderr).toContain("error FLOWC708: --only content-ctl matches no binding\n  note: did you mean 'content-ctr'?");
      writeFileSync(f, readFileSync(f, 'utf8').replace('name: content-ctr', 'name: Content_CTR'));
      const b = await runCli(['build', '--target', 'ir'], { cwd: dir });
      expect(b.stderr).toMatch(/error FLOWC704: binding name 'Content_CTR' .*\n {2}note: did you mean 'content-ctr'\?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('suggestion helpers', () => {
  it('durations', () => {
    expect(suggestDuration('1.5h')).toBe('1h30m');
    expect(suggestDuration('90 min')).toBe('1h30m');
    expect(suggestDuration('2 hours')).toBe('2h');
    expect(suggestDuration('1h 30m')).toBe('1h30m');
    expect(suggestDuration('30m1h')).toBe('1h30m');
    expect(suggestDuration('1.5s')).toBeUndefined();
    expect(suggestDuration('soon')).toBeUndefined();
    expect(suggestDuration('1h30m')).toBeUndefined();
  });

  it('flow names', () => {
    expect(suggestFlowName('Movie_Stats')).toBe('movie-stats');
    expect(suggestFlowName('2fast')).toBe('fast');
    expect(suggestFlowName('movie-stats')).toBeUndefined();
    expect(suggestFlowName('___')).toBeUndefined();
  });
});
