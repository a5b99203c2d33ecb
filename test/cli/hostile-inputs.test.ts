import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli, type CliRun } from './run-cli.js';

/**
 * Hostile input files (fixtures/hostile/inputs) through the real command line: each gives exit 1
 * and located, coded diagnostics; none hangs, exhausts memory, overflows the stack, exits 70 or
 * prints anything on stdout. FIFOs and device links are made here, at run time.
 */
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-hostile-'));
  cpSync(join(FIXTURES, 'hostile', 'inputs'), work, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** `file:line:col CODE` for every diagnostic line on stderr. */
function located(r: CliRun): string[] {
  return [...r.stderr.matchAll(/^(\S+?): error (FLOWC\d{3}):/gm)].map((m) => `${m[1]} ${m[2]}`);
}

function expectRefused(r: CliRun, expected: string[]): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/call stack|FLOWC900|\n\s+at /);
  expect(located(r)).toEqual(expected);
  expect(r.code).toBe(1);
}

const validate = (flow: string, ...args: string[]) => runCli(['validate', flow, '--target', 'all', ...args], { cwd: work });
const withConfig = (file: string) => validate('uses-config.flow.yaml', '--config', `app=${file}`);

describe('hostile flow files', () => {
  const cases: [string, string[]][] = [
    ['alias-bomb.flow.yaml', ['alias-bomb.flow.yaml:11:12 FLOWC106']],
    ['deep-flow-seq.flow.yaml', ['deep-flow-seq.flow.yaml:3:204 FLOWC107']],
    ['invalid-utf8.flow.yaml', ['invalid-utf8.flow.yaml:5:25 FLOWC008']],
    ['nul.flow.yaml', ['nul.flow.yaml:6:23 FLOWC108', 'nul.flow.yaml:8:7 FLOWC108']],
    [
      'numbers.flow.yaml',
      ['numbers.flow.yaml:5:8 FLOWC419', 'numbers.flow.yaml:6:10 FLOWC419', 'numbers.flow.yaml:7:8 FLOWC419', 'numbers.flow.yaml:8:9 FLOWC419', 'numbers.flow.yaml:9:8 FLOWC419', 'numbers.flow.yaml:10:9 FLOWC419'],
    ],
    ['tags.flow.yaml', ['tags.flow.yaml:5:21 FLOWC105', 'tags.flow.yaml:6:17 FLOWC105', 'tags.flow.yaml:7:14 FLOWC105', 'tags.flow.yaml:8:21 FLOWC105', 'tags.flow.yaml:9:14 FLOWC105']],
  ];
  for (const [flow, expected] of cases) {
    it(flow, async () => expectRefused(await validate(flow), expected));
  }

  it('the alias bomb message names the budget', async () => {
    expect((await validate('alias-bomb.flow.yaml')).stderr).toContain('aliases expand to more than 1,000,000 nodes (the alias node budget)');
  });
});

describe('hostile config files', () => {
  const cases: [string, string[]][] = [
    ['alias-bomb.config.yaml', ['alias-bomb.config.yaml:7:10 FLOWC106']],
    ['recursive-alias.config.yaml', ['recursive-alias.config.yaml:3:10 FLOWC105']],
    ['deep-block.config.yaml', ['deep-block.config.yaml:202:202 FLOWC107']],
    ['deep.config.json', ['deep.config.json:1:209 FLOWC107']],
    ['deep-inline.config.toml', ['deep-inline.config.toml:1:1007 FLOWC107']],
    ['deep-array.config.toml', ['deep-array.config.toml:1:207 FLOWC107']],
    ['deep-dotted.config.toml', ['deep-dotted.config.toml:1:401 FLOWC107']],
    ['numbers.config.yaml', ['numbers.config.yaml:2:6 FLOWC419', 'numbers.config.yaml:3:6 FLOWC419', 'numbers.config.yaml:4:6 FLOWC419', 'numbers.config.yaml:5:7 FLOWC419']],
    ['numbers.config.json', ['numbers.config.json:1:22 FLOWC419', 'numbers.config.json:1:52 FLOWC419']],
    ['numbers.config.toml', ['numbers.config.toml:2:7 FLOWC419', 'numbers.config.toml:3:7 FLOWC419', 'numbers.config.toml:4:7 FLOWC419']],
    ['nul.config.json', ['nul.config.json:1:9 FLOWC108']],
    ['nul.config.toml', ['nul.config.toml:1:7 FLOWC108']],
    ['surrogate.config.json', ['surrogate.config.json:1:9 FLOWC108']],
    ['invalid-utf8.config.toml', ['invalid-utf8.config.toml:2:10 FLOWC008']],
    ['duplicate.config.yaml', ['duplicate.config.yaml:3:1 FLOWC102']],
    ['duplicate.config.json', ['duplicate.config.json:3:3 FLOWC102']],
    ['duplicate.config.toml', ['duplicate.config.toml:6:2 FLOWC102']],
  ];
  for (const [file, expected] of cases) {
    it(file, async () => expectRefused(await withConfig(file), expected));
  }

  it('a duplicate key notes the first definition', async () => {
    expect((await withConfig('duplicate.config.toml')).stderr).toContain('duplicate.config.toml:6:2: error FLOWC102: duplicate key "t" (each key may be defined once in a table)\n  note: first defined at duplicate.config.toml:3:2\n');
  });

  it('invalid UTF-8 in a file reached through extends: points into that file and notes where it was named', async () => {
    writeFileSync(join(work, 'child.yaml'), 'msg: hi\nextends: invalid-utf8.config.toml\n');
    const r = await withConfig('child.yaml');
    expectRefused(r, ['invalid-utf8.config.toml:2:10 FLOWC008']);
    expect(r.stderr).toContain('  note: named at child.yaml:2:10\n');
  });

  it('a BOM is accepted, and __proto__ is an ordinary config key', async () => {
    expect((await withConfig('bom.config.yaml')).code).toBe(0);
    const r = await runCli(['config', 'uses-config.flow.yaml', '--config', 'app=proto-keys.config.yaml', '--format', 'json'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).app).toEqual(JSON.parse('{"msg": "hi", "__proto__": {"polluted": "yes"}, "constructor": {"prototype": 1}}'));
  });
});

describe('special files named as inputs are refused without blocking (FLOWC006, FLOWC007)', () => {
  const fifo = (name: string) => execFileSync('mkfifo', [join(work, name)]);
  const link = (name: string, target: string) => symlinkSync(target, join(work, name));

  it('a FIFO as the flow file, through a .yaml symlink', async () => {
    fifo('pipe');
    link('fifo.flow.yaml', join(work, 'pipe'));
    const r = await validate('fifo.flow.yaml');
    expectRefused(r, ['fifo.flow.yaml:1:1 FLOWC006']);
    expect(r.stderr).toContain('it is a FIFO (named pipe), not a regular file');
  });

  it('/dev/zero as a --config file', async () => {
    link('zero.yaml', '/dev/zero');
    // The link leads outside the project: refused as such, and as a device when that is allowed.
    expectRefused(await withConfig('zero.yaml'), ['flowc FLOWC017']);
    const r = await validate('uses-config.flow.yaml', '--config', 'app=zero.yaml', '--allow-outside');
    expectRefused(r, ['flowc FLOWC006']);
    expect(r.stderr).toContain('cannot read config file "zero.yaml": it is a character device, not a regular file');
  });

  it('a FIFO named by extends:, reported where it is named', async () => {
    fifo('pipe');
    link('base.yaml', join(work, 'pipe'));
    writeFileSync(join(work, 'child.yaml'), 'extends: base.yaml\nmsg: hi\n');
    expectRefused(await withConfig('child.yaml'), ['child.yaml:1:10 FLOWC006']);
  });

  it('a FIFO as a config schema', async () => {
    fifo('schema.json');
    writeFileSync(join(work, 'schema.flow.yaml'), 'flowc: 1\nname: s\nconfigs:\n  app: { schema: schema.json }\ndefaults: { image: alpine:3.20 }\nsteps:\n  a:\n    command: [echo, hi]\n');
    expectRefused(await validate('schema.flow.yaml'), ['schema.flow.yaml:4:18 FLOWC006']);
  });

  it('a FIFO as the project file, /dev/zero as a binding config', async () => {
    fifo('flowc.yaml');
    expectRefused(await runCli(['build', '--project', 'flowc.yaml', '--check'], { cwd: work }), ['flowc FLOWC006']);
    rmSync(join(work, 'flowc.yaml'));
    link('zero.toml', '/dev/zero');
    writeFileSync(join(work, 'flowc.yaml'), 'flowc: 1\ntargets: [ir]\nflow: uses-config.flow.yaml\nbindings:\n  - name: z\n    configs:\n      app: zero.toml\n');
    expect((await runCli(['build', '--project', 'flowc.yaml', '--check'], { cwd: work })).stderr).toMatch(/flowc.yaml:7:12: error FLOWC017: config file zero.toml \(a link to \/dev\/zero\) is outside the project root/);
    const r = await runCli(['build', '--project', 'flowc.yaml', '--check', '--allow-outside'], { cwd: work });
    expect(r.stderr).toMatch(/error FLOWC006: cannot read config file "zero.toml": it is a character device/);
    expect(r.stderr).not.toMatch(/call stack|FLOWC900|\n\s+at /);
    expect(r.code).toBe(1);
  });

  it('a config larger than 8 MiB is refused from its size', async () => {
    const fd = openSync(join(work, 'huge.yaml'), 'w');
    ftruncateSync(fd, 8 * 1024 * 1024 + 1);
    closeSync(fd);
    const r = await withConfig('huge.yaml');
    expectRefused(r, ['flowc FLOWC007']);
    expect(r.stderr).toContain('it is 8388609 bytes, more than the 8 MiB limit for input files');
  });
});
