import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { IR } from '../../../src/ir/types.js';
import { compileGha, parseWorkflow, irWith, step } from './helpers.js';
import { shardsIR } from './outputs-fixture.js';
import { parseGithubOutput } from './github-output.js';

/**
 * The shell the workflow runs for step outputs, executed for real (bash and dash, as `sh {0}`
 * runs a file) in a temp dir standing in for the runner: RUNNER_TEMP, GITHUB_WORKSPACE and
 * GITHUB_OUTPUT as the runner sets them. The GITHUB_OUTPUT file is then read the way the runner
 * reads it (parseGithubOutput), so a value that ends the heredoc early shows up as a wrong value.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Runner {
  root: string;
  temp: string;
  workspace: string;
  githubOutput: string;
}

function runner(): Runner {
  const root = mkdtempSync(join(tmpdir(), 'flowc-gha-outputs-'));
  dirs.push(root);
  const r = { root, temp: join(root, 'temp'), workspace: join(root, 'ws'), githubOutput: join(root, 'github_output') };
  mkdirSync(r.temp);
  mkdirSync(r.workspace);
  writeFileSync(r.githubOutput, '');
  return r;
}

const SHELLS = ['bash', 'dash'] as const;

/** Runs one `run:` text as GitHub does with `shell: sh {0}`: written to a file, run by the shell. */
function run(r: Runner, script: string, { shell = 'bash', env = {}, path }: { shell?: string; env?: Record<string, string>; path?: string } = {}) {
  const file = join(r.root, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const res = spawnSync(shell, [file], {
    cwd: r.workspace,
    env: { PATH: path ?? process.env.PATH ?? '', RUNNER_TEMP: r.temp, GITHUB_WORKSPACE: r.workspace, GITHUB_OUTPUT: r.githubOutput, ...env },
    encoding: 'utf8',
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function writeOutputs(r: Runner, files: Record<string, string | Buffer>): void {
  const dir = join(r.temp, 'flowc-outputs');
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), value);
}

function workflowOf(ir: IR): Record<string, any> {
  const c = compileGha(ir);
  expect(c.diagnostics.errors()).toEqual([]);
  return parseWorkflow(c.text as string);
}

const wf = workflowOf(shardsIR());
const publish = wf.jobs.split.steps[1].run as string;
const processScript = wf.jobs.process.steps[1].run as string;
const stage = wf.jobs.process.steps[2].run as string;
const collect = wf.jobs['process-outputs'].steps[1].run as string;
const plan = wf.jobs['process-items'].steps[0].run as string;

/** Values no naive `echo "name=$v"` or fixed `EOF` delimiter survives. */
const HOSTILE = [
  'first line\nEOF\nghadelimiter_\n$(touch pwned) `touch pwned2` ${HOME}\n\'single\' "double" \\ back\\slash\n\n  indented\t tab',
  'name=value\nother<<EOF\nx\nEOF',
  '',
  'ünïcødé ✓ 𝄞',
  'carriage\r\nreturn\r',
];

describe('the publish step of a plain step', () => {
  test('starts from the IR: the split job publishes through it and maps job outputs to it', () => {
    expect(wf.jobs.split.steps[1].id).toBe('flowc_outputs');
    expect(wf.jobs.split.outputs).toEqual({ manifest: '${{ steps.flowc_outputs.outputs.manifest }}', shards: '${{ steps.flowc_outputs.outputs.shards }}' });
  });

  for (const shell of SHELLS) {
    test.each(HOSTILE.map((v, i) => [i, v] as const))(`${shell}: hostile string value %i reaches GITHUB_OUTPUT intact, trailing newlines removed`, (_i, value) => {
      const r = runner();
      writeOutputs(r, { manifest: `${value}\n\n\n`, shards: '{"a": "multi\\nline", "b": [1, 2]}\n' });
      const res = run(r, publish, { shell, env: { FLOWC_STEP: 'split' } });
      expect(res.stdout + res.stderr).toBe('');
      expect(res.status).toBe(0);
      const outputs = parseGithubOutput(readFileSync(r.githubOutput, 'utf8'));
      expect(outputs).toEqual({ manifest: value.replace(/\n+$/, ''), shards: '{"a": "multi\\nline", "b": [1, 2]}' });
      expect(existsSync(join(r.workspace, 'pwned'))).toBe(false);
      expect(existsSync(join(r.workspace, 'pwned2'))).toBe(false);
    });
  }

  test('a value holding the delimiter the step drew (and that delimiter plus one _, and with a CR) still round-trips', () => {
    const r = runner();
    // A fake `od`: the "random" bytes are known, so the value can hold the delimiter they make.
    const bin = join(r.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'od'), '#!/bin/sh\necho " de ad be ef"\n', { mode: 0o755 });
    const guessed = 'ghadelimiter_deadbeef';
    const value = `before\n${guessed}\n${guessed}_\n${guessed}\r\nafter`;
    writeOutputs(r, { manifest: value, shards: '[]' });
    const res = run(r, publish, { env: { FLOWC_STEP: 'split' }, path: `${bin}:${process.env.PATH}` });
    expect(res.status).toBe(0);
    const text = readFileSync(r.githubOutput, 'utf8');
    expect(text).toContain(`manifest<<${guessed}__\n`);
    expect(parseGithubOutput(text).manifest).toBe(value);
  });

  test('a missing output fails the step, naming step and output, and publishes nothing', () => {
    const r = runner();
    writeOutputs(r, { manifest: 'm' });
    const res = run(r, publish, { env: { FLOWC_STEP: 'split' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error title=flowc::step 'split' exited 0 but did not write its output 'shards' ($FLOWC_OUTPUTS/shards is missing)");
    expect(readFileSync(r.githubOutput, 'utf8')).toBe('');
  });

  test.each([['{"a":'], ['1 2'], ['NaN'], [''], ['[1,]']])('a json output holding %j fails the step', (bad) => {
    const r = runner();
    writeOutputs(r, { manifest: 'm', shards: bad });
    const res = run(r, publish, { env: { FLOWC_STEP: 'split' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error title=flowc::step 'split': output 'shards' is declared json but $FLOWC_OUTPUTS/shards is not one valid JSON value");
    expect(readFileSync(r.githubOutput, 'utf8')).toBe('');
  });

  /** A PATH with only POSIX tools the scripts use (and `extra`), as in a small image. */
  function smallImagePath(r: Runner, extra: string[] = []): string {
    const bin = join(r.root, 'small-bin');
    mkdirSync(bin);
    for (const tool of ['cat', 'wc', 'tr', 'od', 'grep', 'mkdir', 'rm', 'printf', ...extra]) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found.startsWith('/')) symlinkSync(found, join(bin, tool));
    }
    return bin;
  }

  test('with jq but no python3 in the image, jq checks the JSON', () => {
    const r = runner();
    writeOutputs(r, { manifest: 'm', shards: '1 2' });
    const path = smallImagePath(r, ['jq']);
    expect(existsSync(join(path, 'python3'))).toBe(false);
    const res = run(r, publish, { shell: '/bin/sh', env: { FLOWC_STEP: 'split' }, path });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("output 'shards' is declared json but");
  });

  test('with neither python3 nor jq, a json output is published with a warning that it was not checked', () => {
    const r = runner();
    writeOutputs(r, { manifest: 'm', shards: '{not json' });
    const res = run(r, publish, { shell: '/bin/sh', env: { FLOWC_STEP: 'split' }, path: smallImagePath(r) });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("::warning title=flowc::step 'split': cannot check that output 'shards' is one JSON value: the image has neither python3 nor jq");
    expect(parseGithubOutput(readFileSync(r.githubOutput, 'utf8')).shards).toBe('{not json');
  });

  test('an output over one environment value (130,048 bytes) fails the step with its size', () => {
    const r = runner();
    writeOutputs(r, { manifest: 'x'.repeat(130_049), shards: '[]' });
    const res = run(r, publish, { env: { FLOWC_STEP: 'split' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error title=flowc::step 'split': output 'manifest' is 130049 bytes, over the 130048 bytes one environment variable can carry");
    // At the limit it passes.
    const ok = runner();
    writeOutputs(ok, { manifest: 'x'.repeat(130_048), shards: '[]' });
    expect(run(ok, publish, { env: { FLOWC_STEP: 'split' } }).status).toBe(0);
  });

  test("a job's outputs over GitHub's 1 MB (counted as UTF-16) fail the step, and nothing is published", () => {
    const outputs = Array.from({ length: 8 }, (_, i) => ({ name: `o${i}`, type: 'string' as const, origin: { file: 'flow.yaml', line: 1, col: 1 } }));
    const w = workflowOf(irWith([step('big', { outputs })]));
    const r = runner();
    writeOutputs(r, Object.fromEntries(outputs.map((o) => [o.name, 'y'.repeat(70_000)])));
    const res = run(r, w.jobs.big.steps[1].run, { env: { FLOWC_STEP: 'big' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("::error title=flowc::step 'big': its outputs come to about 1120000 bytes as GitHub counts them (UTF-16), over its limit of 1000000 bytes of outputs per job");
    expect(readFileSync(r.githubOutput, 'utf8')).toBe('');
  });
});

describe("a step's own script", () => {
  test('finds $FLOWC_OUTPUTS existing, writable and empty when it starts', () => {
    const r = runner();
    writeOutputs(r, { stale: 'from an earlier job' });
    const res = run(r, processScript, { env: { FLOWC_ITEM_ID: 'a1', FLOWC_STEPS_SPLIT_MANIFEST: 's3://m' } });
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('shard a1 of s3://m\n');
    expect(readdirSync(join(r.temp, 'flowc-outputs'))).toEqual(['result']);
  });

  test('with a retry policy, each attempt starts with an empty $FLOWC_OUTPUTS', () => {
    // Attempt 1 writes the output and fails; attempt 2 succeeds without writing it: the output is missing.
    const script = [{ kind: 'lit' as const, value: 'if [ -f "$RUNNER_TEMP/tried" ]; then exit 0; fi\ntouch "$RUNNER_TEMP/tried"; echo v > "$FLOWC_OUTPUTS/o"; exit 3\n' }];
    const s = step('flaky', {
      exec: { kind: 'run', script },
      retry: { limit: 1, delaySeconds: 0, backoff: 1, maxDelaySeconds: null },
      outputs: [{ name: 'o', type: 'string', origin: { file: 'flow.yaml', line: 1, col: 1 } }],
    });
    const w = workflowOf(irWith([s]));
    const r = runner();
    const attempt = run(r, w.jobs.flaky.steps[0].run);
    expect(attempt.status).toBe(0);
    expect(attempt.stderr).toContain('attempt 1 of 2 failed with exit status 3');
    const res = run(r, w.jobs.flaky.steps[1].run, { env: { FLOWC_STEP: 'flaky' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("did not write its output 'o'");
  });
});

describe('foreach outputs: each task stages its values, the collector lists them in item order', () => {
  for (const shell of SHELLS) {
    test(`${shell}: hostile task values come out as one JSON list in task order`, () => {
      const collector = runner();
      const values = HOSTILE.map((v) => `${v}\n`);
      values.forEach((value, i) => {
        const task = runner();
        writeOutputs(task, { result: value });
        const res = run(task, stage, { shell, env: { FLOWC_STEP: 'process' } });
        expect(res.status).toBe(0);
        // Never an empty file (the empty value included): the value and one newline.
        expect(readFileSync(join(task.workspace, 'flowc-task-outputs', 'result'), 'utf8')).toBe(`${HOSTILE[i]?.replace(/\n+$/, '')}\n`);
        // What download-artifact does with a pattern: each artifact in a folder named after it.
        cpSync(join(task.workspace, 'flowc-task-outputs'), join(collector.workspace, 'flowc-task-outputs', `flowc.process.${i}`), { recursive: true });
      });
      const res = run(collector, collect, { shell, env: { FLOWC_STEP: 'process', FLOWC_ARTIFACTS: 'flowc.process.', FLOWC_TASKS: String(values.length) } });
      expect(res.stdout + res.stderr).toBe('');
      expect(res.status).toBe(0);
      const list = JSON.parse(parseGithubOutput(readFileSync(collector.githubOutput, 'utf8')).result as string);
      expect(list).toEqual(HOSTILE.map((v) => v.replace(/\n+$/, '')));
    });
  }

  test('json values are parsed into the list; no task gives []', () => {
    const specs = [{ name: 'r', type: 'json' as const, origin: { file: 'flow.yaml', line: 1, col: 1 } }];
    const s = step('each', { foreach: { items: ['a', 'b'], from: null, parallelism: null }, outputs: specs });
    const w = workflowOf(irWith([s]));
    const collectScript = w.jobs['each-outputs'].steps[1].run as string;
    const r = runner();
    ['{"k": [1, "x\\ny"]}', '"s"'].forEach((v, i) => {
      mkdirSync(join(r.workspace, 'flowc-task-outputs', `flowc.each.${i}`), { recursive: true });
      writeFileSync(join(r.workspace, 'flowc-task-outputs', `flowc.each.${i}`, 'r'), v);
    });
    const res = run(r, collectScript, { env: { FLOWC_STEP: 'each', FLOWC_ARTIFACTS: 'flowc.each.' } });
    expect(res.status).toBe(0);
    expect(JSON.parse(parseGithubOutput(readFileSync(r.githubOutput, 'utf8')).r as string)).toEqual([{ k: [1, 'x\ny'] }, 's']);

    const empty = runner();
    const none = run(empty, collect, { env: { FLOWC_STEP: 'process', FLOWC_ARTIFACTS: 'flowc.process.', FLOWC_TASKS: '0' } });
    expect(none.status).toBe(0);
    expect(parseGithubOutput(readFileSync(empty.githubOutput, 'utf8'))).toEqual({ result: '[]' });
  });

  test("a task's missing artifact fails the collector, naming the step, task and output", () => {
    const r = runner();
    mkdirSync(join(r.workspace, 'flowc-task-outputs', 'flowc.process.0'), { recursive: true });
    writeFileSync(join(r.workspace, 'flowc-task-outputs', 'flowc.process.0', 'result'), 'ok');
    const res = run(r, collect, { env: { FLOWC_STEP: 'process', FLOWC_ARTIFACTS: 'flowc.process.', FLOWC_TASKS: '2' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('::error title=flowc::step process: task 1 of 2 left no value for output result (its artifact flowc.process.1 is missing)');
    expect(readFileSync(r.githubOutput, 'utf8')).toBe('');
  });

  test('a task whose output is missing fails before staging anything', () => {
    const r = runner();
    writeOutputs(r, {});
    const res = run(r, stage, { env: { FLOWC_STEP: 'process' } });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("step 'process' exited 0 but did not write its output 'result'");
  });
});

describe('dynamic foreach: the -items helper plans the matrix', () => {
  function planWith(list: string) {
    const r = runner();
    const res = run(r, plan, { env: { FLOWC_STEP: 'process', FLOWC_LIST: list } });
    const outputs = res.status === 0 ? parseGithubOutput(readFileSync(r.githubOutput, 'utf8')) : {};
    return { ...res, outputs, written: readFileSync(r.githubOutput, 'utf8') };
  }

  test('one entry per element, in order, with the text of each item path the step uses', () => {
    const res = planWith(JSON.stringify([{ id: 'a"b\nc', n: 1 }, { id: 7 }, 'plain', { id: { z: 1, a: [true, null] } }]));
    expect(res.status).toBe(0);
    expect(res.outputs.count).toBe('4');
    expect(JSON.parse(res.outputs.matrix as string)).toEqual({
      include: [
        { item: '{"id":"a\\"b\\nc","n":1}', item_id: 'a"b\nc', flowc_index: 0 },
        { item: '{"id":7}', item_id: '7', flowc_index: 1 },
        { item: 'plain', item_id: '', flowc_index: 2 },
        { item: '{"id":{"a":[true,null],"z":1}}', item_id: '{"a":[true,null],"z":1}', flowc_index: 3 },
      ],
    });
  });

  test('an empty list plans one entry that stands in for it, and a count of 0', () => {
    const res = planWith('[]');
    expect(res.status).toBe(0);
    expect(res.outputs).toEqual({ matrix: '{"include":[{"flowc_empty":"1"}]}', count: '0' });
  });

  test.each([
    ['{"a": 1}', 'which must be a JSON list but is a JSON object'],
    ['"shards"', 'which must be a JSON list but is a JSON string'],
    ['3', 'which must be a JSON list but is a JSON number'],
    ['[1,', 'which is not valid JSON'],
    [JSON.stringify(Array.from({ length: 257 }, (_, i) => i)), 'a list of 257 items, over the 256 jobs GitHub runs from one matrix'],
  ])('%s fails the run before any task starts, naming the step', (list, message) => {
    const res = planWith(list);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(`::error title=flowc::step process: its foreach reads steps.split.outputs.shards, ${message}`);
    expect(res.written).toBe('');
  });

  test('a matrix larger than one environment value is fine: fromJSON reads it, no process does', () => {
    // The list itself came through an environment variable, so it is under 130,048 bytes; the
    // matrix repeats each id (item and item_id), which takes it over.
    const list = JSON.stringify(Array.from({ length: 256 }, (_, i) => ({ id: `${i}`.padEnd(250, 'x') })));
    expect(list.length).toBeLessThan(130_048);
    const big = planWith(list);
    expect(big.status).toBe(0);
    expect((big.outputs.matrix as string).length).toBeGreaterThan(130_048);
  });

  test('256 items plan 256 entries', () => {
    const res = planWith(JSON.stringify(Array.from({ length: 256 }, (_, i) => ({ id: i }))));
    expect(res.status).toBe(0);
    expect(JSON.parse(res.outputs.matrix as string).include).toHaveLength(256);
  });
});
