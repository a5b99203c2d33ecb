import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from './run-cli.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-origin-'));
  cpSync(join(FIXTURES, 'scheduled'), join(work, 'sch'), { recursive: true });
  // A config value used as a duration in two places, the default timeout and one step's.
  const f = join(work, 'sch/flow.yaml');
  writeFileSync(
    f,
    readFileSync(f, 'utf8')
      .replace('      schedule: { cron', '      t: 1h\n      schedule: { cron')
      .replace('  image: ghcr.io/acme/dashboards:3.1.0', '  image: ghcr.io/acme/dashboards:3.1.0\n  timeout: ${app.t}')
      .replace('  notify:\n', '  notify:\n    timeout: ${app.t}\n'),
  );
  writeFileSync(join(work, 'sch/prod.yaml'), 'schedule: { cron: "30 6 * * MON-FRI" }\nt: 1.5h\n');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('a config value that breaks the flow is reported where it was set', () => {
  it('a config file line, with notes naming every use (one diagnostic, not one per use)', async () => {
    const r = await runCli(['validate', 'sch/flow.yaml', '--config', 'app=sch/prod.yaml', '--target', 'ir', '--diagnostics', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.stdout).diagnostics;
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'FLOWC305', file: 'sch/prod.yaml', line: 2, col: 4 });
    expect(ds[0].notes).toEqual(["used at flow.yaml:15:12 (${app.t})", "also used at flow.yaml:23:14 (${app.t})", "did you mean '1h30m'?"]);
  });

  it('a --set argument', async () => {
    const r = await runCli(['validate', 'sch/flow.yaml', '--set', 'app.t=2x', '--target', 'ir'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flowc: error FLOWC305: --set app\.t=2x: defaults\.timeout: invalid duration '2x'.*\n {2}note: used at flow\.yaml:15:12 \(\$\{app\.t\}\)\n/m);
  });
});
