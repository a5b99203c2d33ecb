import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';

const root = resolve(import.meta.dirname, '../..');
let tmp: string;
let pkg: string;

// `npm pack` of the working tree (dist/ is built by `npm test` first), unpacked as npm installs it.
// Offline: packing reads only local files, and the dependencies come from this checkout's node_modules.
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'flowc-pack-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
  const [info] = JSON.parse(out) as { filename: string }[];
  execFileSync('tar', ['-xzf', join(tmp, (info as { filename: string }).filename), '-C', tmp]);
  pkg = join(tmp, 'package');
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)).map((f) => `${n}/${f}`) : [n]));
}

describe('the npm package', () => {
  it('lists in files only what exists, and holds bin, dist, schemas and docs', () => {
    const listed = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
    for (const f of listed) expect(existsSync(join(root, f)), `package.json files lists ${f}, which does not exist`).toBe(true);
    for (const f of ['bin/flowc.js', 'dist/cli/main.js', 'schemas/flow.schema.json', 'schemas/project.schema.json', 'docs/diagnostics.md', 'README.md', 'targets/airflow.py.hbs']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
  });

  it('every docs/ page a message names is in the package', () => {
    const named = new Set<string>();
    for (const f of files(join(pkg, 'dist')).filter((f) => f.endsWith('.js'))) {
      for (const m of readFileSync(join(pkg, 'dist', f), 'utf8').matchAll(/docs\/[a-z/-]+\.md/g)) named.add(m[0]);
    }
    expect(named.size).toBeGreaterThan(3);
    for (const d of named) expect(existsSync(join(pkg, d)), `${d} is named in a message but not packed`).toBe(true);
  });

  it("the packed bin compiles a flow from a folder outside the repository", () => {
    const work = join(tmp, 'user');
    cpSync(join(FIXTURES, 'ml-training'), work, { recursive: true });
    const run = (args: string[]) => spawnSync(process.execPath, [join(pkg, 'bin/flowc.js'), ...args], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const v = run(['--version']);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const r = run(['compile', 'flow.yaml', '--config', 'app=config/ctr.toml', '--target', 'ir']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(FIXTURES, 'ml-training/expected/content-model.ir.json'), 'utf8'));
    // The built-in template targets ship in targets/ (package.json files).
    const airflow = run(['compile', 'flow.yaml', '--config', 'app=config/ctr.toml', '--target', 'airflow']);
    expect(airflow.stderr).toBe('');
    expect(airflow.stdout).toBe(readFileSync(join(FIXTURES, 'ml-training/expected/content-model.airflow.py'), 'utf8'));
  });
});
