import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { alive, flowcRun, lines, maxConcurrency, project, record, settle } from './helpers.js';

// Every test here starts real child processes (sh, node) through the in-process CLI.
describe('flowc run', () => {
  it('runs steps in dependency order with the FLOWC_* environment, parameters and logs', async () => {
    const dir = project(`flowc: 1
name: diamond
parameters:
  who: { type: string, required: true }
  n: { type: integer, default: 2 }
defaults:
  image: python:3.12
  env: { GREETING: "hi \${params.who}" }
steps:
  a:
    run: echo "a $FLOWC_FLOW $FLOWC_STEP $FLOWC_RUN_ID \${params.who} \${params.n}" >> order.txt
  b:
    needs: [a]
    command: [sh, -c, 'echo "b $1 $GREETING" >> order.txt', sh, "\${params.who}-\${run.id}"]
  c:
    needs: [a]
    run: echo "c $FLOWC_CONFIG_HASH" >> order.txt
  d:
    needs: [b, c]
    run: echo d >> order.txt; echo "to the log"; echo "err to the log" >&2
`);
    const r = await flowcRun(dir, ['--param', 'who=ann', '--run-id', 'r1']);
    expect(r.stderr).toContain('warning FLOWC859');
    expect(r.code).toBe(0);
    const order = lines(join(dir, 'order.txt'));
    expect(order[0]).toBe('a diamond a r1 ann 2');
    expect(order.slice(1, 3).map((l) => l[0]).sort()).toEqual(['b', 'c']);
    expect(order).toContain('b ann-r1 hi ann');
    expect(order[3]).toBe('d');
    const rec = record(dir, 'r1');
    expect(rec.status).toBe('succeeded');
    expect(rec.params).toEqual({ who: 'ann', n: 2 });
    expect(rec.steps.map((s) => [s.id, s.status])).toEqual([['a', 'succeeded'], ['b', 'succeeded'], ['c', 'succeeded'], ['d', 'succeeded']]);
    expect(order.find((l) => l.startsWith('c '))).toBe(`c ${rec.configHash}`);
    const log = readFileSync(join(dir, '.flowc/runs/r1/d.log'), 'utf8');
    expect(log).toMatch(/^--- flowc: attempt 1 of 1, started .*\nto the log\nerr to the log\n$/);
    expect(readdirSync(join(dir, '.flowc/runs/r1')).sort()).toEqual(['a.log', 'b.log', 'c.log', 'd.log', 'run.json']);
    expect(r.stdout).toContain('run r1 succeeded: 4 succeeded');
  });

  it('retries a failing step with its backoff, counts attempts, and starts nothing after it', async () => {
    const dir = project(`flowc: 1
name: flaky
defaults: { image: alpine }
steps:
  a:
    run: echo x >> attempts.txt; exit 3
    retry: { limit: 2, delay: 0s }
  b:
    needs: [a]
    run: echo ran > b.txt
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(lines(join(dir, 'attempts.txt'))).toHaveLength(3);
    expect(r.stderr).toMatch(/^flow\.yaml:5:3: error FLOWC860: step 'a' exited with status 3 \(after 3 attempts\)\n {2}note: log: \.flowc\/runs\/r\/a\.log$/m);
    expect(lines(join(dir, 'b.txt'))).toEqual([]);
    const rec = record(dir, 'r');
    expect(rec.status).toBe('failed');
    expect(rec.steps[0]?.tasks[0]?.attempts.map((a) => [a.attempt, a.result, a.exitCode])).toEqual([[1, 'failed', 3], [2, 'failed', 3], [3, 'failed', 3]]);
    expect(rec.steps[1]?.status).toBe('not-run');
    expect(readFileSync(join(dir, '.flowc/runs/r/a.log'), 'utf8').match(/^--- flowc: attempt \d of 3/gm)).toHaveLength(3);
  });

  it('succeeds on a later attempt', async () => {
    const dir = project(`flowc: 1
name: flaky
defaults: { image: alpine }
steps:
  a:
    run: echo x >> attempts.txt; test "$(wc -l < attempts.txt)" -ge 2
    retry: { limit: 3, delay: 0s }
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(0);
    expect(lines(join(dir, 'attempts.txt'))).toHaveLength(2);
    expect(record(dir, 'r').steps[0]?.tasks[0]?.attempts.map((a) => a.result)).toEqual(['failed', 'succeeded']);
  });

  // 3s leaves a loaded machine time to write both pid files before the kill.
  it('kills the whole process tree of an attempt that times out', async () => {
    const dir = project(`flowc: 1
name: slow
defaults: { image: alpine }
steps:
  t:
    timeout: 3s
    run: |
      sleep 1000 &
      echo $! > grandchild.pid
      echo $$ > child.pid
      wait
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flow\.yaml:5:3: error FLOWC861: step 't' timed out after 3s; its process group was killed$/m);
    const pids = [Number(readFileSync(join(dir, 'child.pid'), 'utf8')), Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'))];
    await settle(pids);
    expect(pids.map(alive)).toEqual([false, false]);
    expect(record(dir, 'r').steps[0]?.tasks[0]?.attempts[0]?.result).toBe('timed-out');
  });

  it('fans out a static foreach with its parallelism, and --max-parallel caps every process', async () => {
    const flow = (parallelism: number) => `flowc: 1
name: fan
defaults: { image: alpine }
steps:
  f:
    foreach: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]
    parallelism: ${parallelism}
    run: echo "start \${item.id}" >> events.txt; echo "$FLOWC_ITEM" > "item-\${item.id}.json"; echo "end \${item.id}" >> events.txt
`;
    const one = project(flow(1));
    expect((await flowcRun(one, ['--run-id', 'r'])).code).toBe(0);
    expect(maxConcurrency(lines(join(one, 'events.txt')))).toBe(1);
    expect(readFileSync(join(one, 'item-3.json'), 'utf8')).toBe('{"id":3}\n');
    const rec = record(one, 'r');
    expect(rec.steps[0]?.tasks.map((t) => [t.index, t.log, t.status])).toEqual([0, 1, 2, 3].map((i) => [i, `f.${i}.log`, 'succeeded']));
    const capped = project(flow(4));
    expect((await flowcRun(capped, ['--run-id', 'r', '--max-parallel', '1'])).code).toBe(0);
    expect(maxConcurrency(lines(join(capped, 'events.txt')))).toBe(1);
    expect(lines(join(capped, 'events.txt'))).toHaveLength(8);
  });

  it('runs only the steps --only names, ignoring their needs', async () => {
    const dir = project(`flowc: 1
name: pick
defaults: { image: alpine }
steps:
  a: { run: echo a >> ran.txt }
  b: { needs: [a], run: echo b >> ran.txt }
  c: { needs: [b], run: echo c >> ran.txt }
`);
    const r = await flowcRun(dir, ['--only', 'c', 'b', '--run-id', 'r']);
    expect(r.code).toBe(0);
    expect(lines(join(dir, 'ran.txt'))).toEqual(['b', 'c']);
    expect(record(dir, 'r').only).toEqual(['c', 'b']);
    const bad = await flowcRun(dir, ['--only', 'bb', '--run-id', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error FLOWC854: --only bb: the flow has no step 'bb'\n {2}note: did you mean 'b'\?/);
  });

  it('checks --param values as the targets do: unknown, malformed, required, type and enum, all at once', async () => {
    const dir = project(`flowc: 1
name: params
parameters:
  date: { type: string, required: true }
  days: { type: integer, default: 7 }
  dry: { type: boolean, default: false }
  mode: { type: string, enum: [full, incr], default: full }
defaults: { image: alpine }
steps:
  a: { run: "true" }
`);
    const r = await flowcRun(dir, ['--param', 'days=1.5', '--param', 'dry=yes', '--param', 'mode=half', '--param', 'nope=1', '--param', 'bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flowc: error FLOWC850: --param bad: expected NAME=VALUE');
    expect(r.stderr).toContain("flowc: error FLOWC851: --param nope: the flow declares no parameter 'nope'");
    expect(r.stderr).toContain("flow.yaml:4:3: error FLOWC852: parameter 'date' is required: pass --param date=VALUE");
    expect(r.stderr).toContain("flow.yaml:5:3: error FLOWC853: --param days=1.5: parameter 'days' must be an integer");
    expect(r.stderr).toContain("flow.yaml:6:3: error FLOWC853: --param dry=yes: parameter 'dry' must be true or false");
    expect(r.stderr).toContain(`flow.yaml:7:3: error FLOWC853: --param mode=half: parameter 'mode' must be a string, one of "full", "incr"`);
    // Nothing ran, and no run folder was made.
    expect(() => readdirSync(join(dir, '.flowc'))).toThrow();
  });

  it('takes a secret from its own environment, and refuses to start when it is not set', async () => {
    const dir = project(`flowc: 1
name: secret
secrets:
  token: { github-actions: TOKEN }
defaults: { image: alpine }
steps:
  a:
    env: { API_TOKEN: "\${secrets.token}" }
    run: test "$API_TOKEN" = s3cret
`);
    const missing = await flowcRun(dir, ['--run-id', 'r']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^flow\.yaml:8:23: error FLOWC856: step 'a' reads secret 'token' as API_TOKEN; flowc run takes it from its own environment variable API_TOKEN, which is not set$/m);
    expect((await flowcRun(dir, ['--run-id', 'r'], { API_TOKEN: 's3cret' })).code).toBe(0);
  });

  it('reports a program that cannot be started', async () => {
    const dir = project(`flowc: 1
name: nope
defaults: { image: alpine }
steps:
  a: { command: [flowc-no-such-program-here, --x] }
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flow\.yaml:5:3: error FLOWC864: step 'a' could not start: .*ENOENT/m);
  });

  it('refuses bad --max-parallel and --run-id values (exit 2), and a reused run id', async () => {
    const dir = project(`flowc: 1
name: ids
defaults: { image: alpine }
steps:
  a: { run: "true" }
`);
    const r = await flowcRun(dir, ['--max-parallel', '0', '--run-id', '../escape']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flowc: error FLOWC858: --max-parallel 0: expected a whole number of processes, 1 or more');
    expect(r.stderr).toContain('flowc: error FLOWC858: --run-id "../escape": letters, digits');
    expect((await flowcRun(dir, ['--run-id', 'same'])).code).toBe(0);
    const again = await flowcRun(dir, ['--run-id', 'same']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('flowc: error FLOWC857: cannot start run same: .flowc/runs/same already exists: give another --run-id');
  });

  it('refuses a symbolic link on the way to the run folder', async () => {
    const dir = project(`flowc: 1
name: link
defaults: { image: alpine }
steps:
  a: { run: "true" }
`);
    const elsewhere = project('');
    mkdirSync(join(dir, '.flowc'));
    symlinkSync(elsewhere, join(dir, '.flowc/runs'));
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/flowc: error FLOWC857: cannot start run r: \.flowc\/runs is a symbolic link \(to ".*"\), not a folder/);
    expect(readdirSync(elsewhere)).toEqual(['flow.yaml']);
  });

  it('prints plain lines when stdout is not a terminal', async () => {
    const dir = project(`flowc: 1
name: plain
defaults: { image: alpine }
steps:
  a: { run: "true" }
  b: { needs: [a], foreach: [x, y], run: "exit 1" }
`);
    writeFileSync(join(dir, 'unused'), '');
    const r = await flowcRun(dir, ['--run-id', 'r', '--max-parallel', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'run r: 2 steps of flow plain; logs in .flowc/runs/r/',
        'start     a',
        'succeeded a',
        'start     b (2 tasks)',
        'failed    b[0] attempt 1: exit 1 (log: .flowc/runs/r/b.0.log)',
        'failed    b',
        'run r failed: 1 succeeded, 1 failed; record: .flowc/runs/r/run.json',
        '',
      ].join('\n'),
    );
    // b[1] never started: after the first failure nothing new starts.
    expect(record(dir, 'r').steps[1]?.tasks.map((t) => t.status)).toEqual(['failed', 'not-run']);
  });

  it('prints one JSON document with --diagnostics json (the status lines then go to stderr)', async () => {
    const dir = project(`flowc: 1
name: json
defaults: { image: alpine }
steps:
  a: { run: "exit 2" }
`);
    const r = await flowcRun(dir, ['--run-id', 'r', '--diagnostics', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { diagnostics: { code: string }[] };
    expect(doc.diagnostics.map((d) => d.code)).toEqual(['FLOWC859', 'FLOWC860']);
    expect(r.stderr).toContain('run r failed: 1 failed');
  });

  it('redraws a live table on a terminal, and prints plain lines there with --no-progress', async () => {
    const dir = project(`flowc: 1
name: tty
defaults: { image: alpine }
steps:
  a: { run: "true" }
  b: { needs: [a], run: "true" }
`);
    const onTty = async (args: string[]) => {
      let stdout = '';
      const program = createProgram({ stdout: (t) => void (stdout += t), stderr: () => {}, stderrIsTTY: true, stdoutIsTTY: true, cwd: dir, env: { PATH: process.env.PATH ?? '' } });
      return { code: await program.run(args), stdout };
    };
    const live = await onTty(['run', 'flow.yaml', '--run-id', 'live']);
    expect(live.code).toBe(0);
    expect(live.stdout).toContain('\x1b[2A\x1b[2K✓ a');
    expect(live.stdout).toMatch(/\x1b\[2K✓ b +succeeded \d+\.\ds\n[^\x1b]*run live succeeded/);
    const plain = await onTty(['--no-progress', 'run', 'flow.yaml', '--run-id', 'plain']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('\x1b');
    expect(plain.stdout).toContain('succeeded b\n');
  });
});
