import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IROutput } from '../../../src/ir/types.js';
import { OUTPUT_WRAPPER, wrapperArgs } from '../../../src/targets/gcp-workflows/output-wrapper.js';

const ORIGIN = { file: 'flow.yaml', line: 1, col: 1 };
const out = (name: string, type: 'json' | 'string'): IROutput => ({ name, type, origin: ORIGIN });
const HAS_PYTHON = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).status === 0;

/** Arguments no layer may re-quote, split or expand on the way to the step's own command. */
const HOSTILE = ['--', '-c', '', ' lead and trail ', '$(id)', '`id`', '${HOME}', "it's", '"q"', 'a\nb', '*', '\\', ';rm -rf /;', '$1', 'ünï ✓'];

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Runs `argv` in the wrapper with real `sh`, FLOWC_OUTPUTS a folder that does not exist yet. */
function wrap(outputs: IROutput[], argv: string[], limit = 512 * 1024) {
  const root = mkdtempSync(join(tmpdir(), 'flowc-wrapper-'));
  dirs.push(root);
  const folder = join(root, 'mnt', 'demo', 'run-1', 'split');
  const r = spawnSync('sh', ['-c', OUTPUT_WRAPPER, ...wrapperArgs('split', outputs, limit), ...argv], { env: { PATH: process.env.PATH, FLOWC_OUTPUTS: folder }, encoding: 'utf8' });
  const file = (name: string): string | null => (existsSync(join(folder, name)) ? readFileSync(join(folder, name), 'utf8') : null);
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, file, folder };
}

describe('the output wrapper, run by real sh', () => {
  it('creates FLOWC_OUTPUTS and passes the argv on unchanged, hostile values included', () => {
    const r = wrap([out('args', 'string')], ['sh', '-c', 'for a in "$@"; do printf "<%s>\\n" "$a"; done > "$FLOWC_OUTPUTS/args"', 'argv0', ...HOSTILE]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.file('args')).toBe(HOSTILE.map((h) => `<${h}>`).join('\n'));
  });

  it('a string output loses its trailing newlines only; hostile text stays as written', () => {
    const value = '$(id) `id` ${X}\n\tinner\n\n';
    const r = wrap([out('a', 'string'), out('b', 'string'), out('c', 'string')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/a"; printf "none" > "$FLOWC_OUTPUTS/b"; printf "\\n\\n" > "$FLOWC_OUTPUTS/c"', 'x', value]);
    expect(r.status).toBe(0);
    expect(r.file('a')).toBe('$(id) `id` ${X}\n\tinner');
    expect(r.file('b')).toBe('none');
    expect(r.file('c')).toBe('');
    expect(readdirSync(r.folder).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a missing output fails the job, naming the step and the output', () => {
    const r = wrap([out('manifest', 'string'), out('shards', 'json')], ['sh', '-c', 'echo "[]" > "$FLOWC_OUTPUTS/shards"']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("flowc: step 'split' exited 0 but did not write its output 'manifest' (the file $FLOWC_OUTPUTS/manifest)\n");
  });

  it('a file an earlier attempt left does not count: the attempt must write its own', () => {
    const root = mkdtempSync(join(tmpdir(), 'flowc-wrapper-'));
    dirs.push(root);
    const folder = join(root, 'split');
    mkdirSync(folder);
    writeFileSync(join(folder, 'manifest'), 'stale');
    writeFileSync(join(folder, 'other'), 'kept');
    const r = spawnSync('sh', ['-c', OUTPUT_WRAPPER, ...wrapperArgs('split', [out('manifest', 'string')], 100), 'true'], { env: { PATH: process.env.PATH, FLOWC_OUTPUTS: folder }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("did not write its output 'manifest'");
    expect(readdirSync(folder)).toEqual(['other']);
  });

  it('an output over the limit fails the job, naming step, output, size and limit', () => {
    const r = wrap([out('big', 'string')], ['sh', '-c', 'printf "12345678901" > "$FLOWC_OUTPUTS/big"'], 10);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("flowc: step 'split': output 'big' is 11 bytes, over the limit of 10 bytes (Cloud Workflows keeps every value in 512 KB of variable memory)\n");
  });

  it('the command\'s own failure passes through, without output checks', () => {
    const r = wrap([out('never', 'string')], ['sh', '-c', 'exit 7']);
    expect(r.status).toBe(7);
    expect(r.stderr).toBe('');
  });

  // python3 is on every machine this suite runs on (Node's build tools need it); a missing one
  // fails here rather than silently dropping the check.
  it('a json output that is not one JSON value fails the job where python3 can check it', () => {
    expect(HAS_PYTHON, 'python3 is needed on PATH for this test').toBe(true);
    const bad = wrap([out('shards', 'json')], ['sh', '-c', 'printf "[1," > "$FLOWC_OUTPUTS/shards"']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("flowc: step 'split': output 'shards' is not one valid JSON value\n");
    const good = wrap([out('shards', 'json')], ['sh', '-c', 'printf "[{\\"id\\": 1}]\\n" > "$FLOWC_OUTPUTS/shards"']);
    expect(good.status).toBe(0);
    expect(good.file('shards')).toBe('[{"id": 1}]\n');
  });

  it('holds no ${, which a Workflows plain string cannot carry', () => {
    expect(OUTPUT_WRAPPER).not.toContain('${');
  });
});
