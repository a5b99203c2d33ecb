import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IROutput } from '../../../src/ir/types.js';
import { DEFAULT_OUTPUT_UPLOADER } from '../../../src/targets/stepfunctions/options.js';
import { wrappedArgv, wrapperScript } from '../../../src/targets/stepfunctions/wrapper.js';
import { cleanShellSandboxes, HOSTILE_SHELL_VALUES, runInSandbox } from '../../helpers/shell-sandbox.js';
import { step } from './helpers.js';
import { FakeS3 } from './outputs-harness.js';

const URI = 's3://flowc-data/runs/demo/run-1/split';
const out = (name: string, type: IROutput['type']): IROutput => ({ name, type, origin: { file: 'flow.yaml', line: 1, col: 1 } });
const s3 = new FakeS3();
afterAll(() => {
  s3.clean();
  cleanShellSandboxes();
});

/** Runs `argv` wrapped for a step with these outputs, as the container would, with the fake `aws`. */
function runWrapped(outputs: IROutput[], argv: string[], o: { uploader?: string[]; env?: Record<string, string> } = {}) {
  const wrapped = wrappedArgv(step('split', { outputs }), o.uploader ?? DEFAULT_OUTPUT_UPLOADER, argv, (t) => t);
  const stderr = join(s3.root, `.stderr-${Math.random().toString(36).slice(2)}`);
  // runInSandbox keeps stdout only: the wrapper's own messages go to stderr, so send them there.
  const r = runInSandbox(['sh', '-c', '"$@" 2>"$0"', stderr, ...wrapped], { ...s3.env(), FLOWC_OUTPUTS_URI: URI, ...(o.env ?? {}) });
  const err = spawnSync('cat', [stderr], { encoding: 'utf8' }).stdout;
  return { ...r, stderr: err };
}
const uploaded = (name: string) => s3.get('flowc-data', `runs/demo/run-1/split/${name}`);
const hasJsonTool = ['jq', 'python3'].some((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);

describe('the output wrapper, run with sh', () => {
  it('runs the step argv unchanged and uploads hostile values as data, trailing newlines trimmed for strings', () => {
    for (const [i, value] of HOSTILE_SHELL_VALUES.entries()) {
      const script = 'printf "%s" "$1" > "$FLOWC_OUTPUTS/text"; printf "%s\\n\\n\\n" "$1" > "$FLOWC_OUTPUTS/trail"; printf "%s" "$2" > "$FLOWC_OUTPUTS/data"; echo "ran $#"';
      const data = JSON.stringify({ v: value, i });
      const r = runWrapped([out('data', 'json'), out('text', 'string'), out('trail', 'string')], ['sh', '-c', script, 'step', value, data]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('ran 2\n');
      // No value ran as shell code: nothing appeared in the folder the step ran in.
      expect(r.files).toEqual([]);
      expect(uploaded('text')).toBe(value.replace(/\n+$/, ''));
      expect(uploaded('trail')).toBe(value.replace(/\n+$/, ''));
      expect(uploaded('data')).toBe(data);
    }
  });

  it('passes an exec-form argv through "$@" exactly, and FLOWC_OUTPUTS is a writable folder', () => {
    const r = runWrapped([out('args', 'string')], ['sh', '-c', 'for a in "$@"; do printf "<%s>" "$a"; done > "$FLOWC_OUTPUTS/args"', 'x', "a b", '', "'", '$(id)', 'new\nline']);
    expect(r.status).toBe(0);
    expect(uploaded('args')).toBe("<a b><><'><$(id)><new\nline>");
  });

  it('fails the step naming step and output when an output file is missing, uploading nothing', () => {
    const before = s3.uploads().length;
    const r = runWrapped([out('manifest', 'string'), out('shards', 'json')], ['sh', '-c', 'echo "[]" > "$FLOWC_OUTPUTS/shards"']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^flowc: step split: output 'manifest' was not written \(the step must write the file .*\/manifest\)\n$/);
    expect(s3.uploads().length).toBe(before);
  });

  it('fails over the 256 KiB a state can carry, with size and limit; exactly the limit passes', () => {
    const ok = runWrapped([out('big', 'string')], ['sh', '-c', 'head -c 262144 /dev/zero | tr "\\0" a > "$FLOWC_OUTPUTS/big"']);
    expect(ok.status).toBe(0);
    expect(uploaded('big')?.length).toBe(262144);
    const r = runWrapped([out('big', 'string')], ['sh', '-c', 'head -c 262145 /dev/zero | tr "\\0" a > "$FLOWC_OUTPUTS/big"']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("flowc: step split: output 'big' is 262145 bytes, over the limit of 262144 bytes (256 KiB) a Step Functions state can carry\n");
  });

  // python3 is on every machine this suite runs on; a missing one fails here, never skips.
  it('fails a json output that is not one JSON value (with jq or python3 in the image)', () => {
    expect(hasJsonTool, 'jq or python3 is needed on PATH for this test').toBe(true);
    for (const bad of ['{"a": ', '1 2', '']) {
      const r = runWrapped([out('data', 'json')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/data"', 'x', bad]);
      expect(r.status, bad).toBe(1);
      expect(r.stderr).toBe("flowc: step split: output 'data' is not one JSON value\n");
    }
    const good = runWrapped([out('data', 'json')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/data"', 'x', ' [1, {"a": null}]\n']);
    expect(good.status).toBe(0);
  });

  /** A PATH with only these tools (and the fake aws), to run the wrapper as in a smaller image. */
  const pathWith = (name: string, tools: string[]): string => {
    const dir = join(s3.root, `.path-${name}`);
    mkdirSync(dir);
    for (const t of tools) {
      // A version manager's python3 is a shim that needs its own PATH: link the interpreter itself.
      const which = t === 'python3' ? `python3 -c 'import sys; print(sys.executable)'` : `command -v ${t}`;
      const found = spawnSync('sh', ['-c', which], { encoding: 'utf8' }).stdout.trim();
      if (found !== '') symlinkSync(found, join(dir, t));
    }
    return `${s3.bin}:${dir}`;
  };
  const BASE_TOOLS = ['sh', 'mktemp', 'wc', 'cat', 'cp', 'printf', 'mkdir', 'dirname'];

  it('checks json with python3 when the image has no jq', () => {
    expect(spawnSync('sh', ['-c', 'command -v python3']).status, 'python3 is needed on PATH for this test').toBe(0);
    const env = { PATH: pathWith('python', [...BASE_TOOLS, 'python3']) };
    const bad = runWrapped([out('data', 'json')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/data"', 'x', '1 2'], { env });
    expect(bad.stderr).toBe("flowc: step split: output 'data' is not one JSON value\n");
    expect(bad.status).toBe(1);
    const good = runWrapped([out('data', 'json')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/data"', 'x', '{"a": [1]}'], { env });
    expect(good.status).toBe(0);
  });

  it('uploads json unchecked when the image has neither jq nor python3 (the state machine parses it)', () => {
    const env = { PATH: pathWith('bare', BASE_TOOLS) };
    const r = runWrapped([out('data', 'json')], ['sh', '-c', 'printf "%s" "$1" > "$FLOWC_OUTPUTS/data"', 'x', '1 2'], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(uploaded('data')).toBe('1 2');
  });

  it("keeps the step's own exit status when it fails, and uploads nothing", () => {
    const before = s3.uploads().length;
    const r = runWrapped([out('x', 'string')], ['sh', '-c', 'echo v > "$FLOWC_OUTPUTS/x"; exit 3']);
    expect(r.status).toBe(3);
    expect(s3.uploads().length).toBe(before);
  });

  it('fails naming the output when the upload fails, and runs another uploader when told to', () => {
    const r = runWrapped([out('x', 'string')], ['sh', '-c', 'echo v > "$FLOWC_OUTPUTS/x"'], { env: { FLOWC_OUTPUTS_URI: 'gs://wrong/place' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("flowc: step split: could not upload output 'x' to gs://wrong/place/x");
    const up = join(s3.bin, "my up'loader");
    writeFileSync(up, '#!/bin/sh\nprintf "%s|" "$@" > "$FAKE_S3_ROOT/custom-args"\n');
    chmodSync(up, 0o755);
    const c = runWrapped([out('x', 'string')], ['sh', '-c', 'echo v > "$FLOWC_OUTPUTS/x"'], { uploader: [up, '--flag=$(id)'] });
    expect(c.status).toBe(0);
    const args = spawnSync('cat', [join(s3.root, 'custom-args')], { encoding: 'utf8' }).stdout.split('|');
    expect(args[0]).toBe('--flag=$(id)');
    expect(args[2]).toBe(`${URI}/x`);
  });

  it('holds no backslash, so the intrinsic escaping of a States.Array command is only quotes and braces', () => {
    expect(wrapperScript(step('split', { outputs: [out('a', 'json'), out('b', 'string')] }), DEFAULT_OUTPUT_UPLOADER)).not.toContain('\\');
  });
});
