import { describe, expect, it } from 'vitest';
import { execute } from './helpers.js';

/** The interpreter is the oracle of the other tests: these show it rejects what Workflows would. */
describe('the Workflows subset interpreter', () => {
  const run = (yaml: string) => execute(yaml, {});

  it('evaluates whole-value expressions and returns from main', async () => {
    const e = await run('main:\n  params: [args]\n  steps:\n    - a:\n        assign:\n          - x: ${1 + 2}\n          - m: {}\n          - m["k"]: ${"v" + string(x)}\n    - r:\n        return: ${m}\n');
    expect(e.error).toBeNull();
    expect(e.result).toEqual({ k: 'v3' });
  });

  it('rejects a plain string holding ${, which Workflows would not leave alone', async () => {
    const e = await run('main:\n  params: [args]\n  steps:\n    - r:\n        return: "a ${b} c"\n');
    expect(String(e.error)).toContain("plain string holds '${'");
  });

  it('rejects expressions over 400 characters', async () => {
    const e = await run(`main:\n  params: [args]\n  steps:\n    - r:\n        return: \${"${'x'.repeat(400)}"}\n`);
    expect(String(e.error)).toContain('over 400');
  });

  it('rejects a parallel branch assigning a parent variable not declared shared', async () => {
    const body = (shared: string) =>
      `main:\n  params: [args]\n  steps:\n    - i:\n        assign:\n          - total: 0\n    - p:\n        parallel:\n${shared}          branches:\n            - b1:\n                steps:\n                  - s:\n                      assign:\n                        - total: 1\n            - b2:\n                steps:\n                  - t:\n                      assign:\n                        - local: 2\n    - r:\n        return: \${total}\n`;
    expect(String((await run(body(''))).error)).toContain('without declaring it shared');
    const ok = await run(body('          shared: [total]\n'));
    expect(ok.error).toBeNull();
    expect(ok.result).toBe(1);
  });

  it('rejects unknown functions and step kinds', async () => {
    expect(String((await run('main:\n  params: [args]\n  steps:\n    - r:\n        return: ${text.upper("a")}\n')).error)).toContain('outside the subset');
    expect(String((await run('main:\n  params: [args]\n  steps:\n    - r:\n        next: end\n')).error)).toContain('expected one kind');
  });

  it('runs branches concurrently in virtual time and a for loop in sequence', async () => {
    const yaml = [
      'main:',
      '  params: [args]',
      '  steps:',
      '    - p:',
      '        parallel:',
      '          branches:',
      '            - b1:',
      '                steps:',
      '                  - c: {call: googleapis.batch.v1.projects.locations.jobs.create, args: {parent: x, jobId: j1, body: {taskGroups: [{taskSpec: {runnables: [{container: {imageUri: i}}], environment: {variables: {FLOWC_STEP: a}}, computeResource: {cpuMilli: 1, memoryMib: 1}}}]}, connector_params: {timeout: 1}}}',
      '            - b2:',
      '                steps:',
      '                  - c2: {call: googleapis.batch.v1.projects.locations.jobs.create, args: {parent: x, jobId: j2, body: {taskGroups: [{taskSpec: {runnables: [{container: {imageUri: i}}], environment: {variables: {FLOWC_STEP: b}}, computeResource: {cpuMilli: 1, memoryMib: 1}}}]}, connector_params: {timeout: 1}}}',
    ].join('\n');
    const e = await execute(yaml, {}, { duration: () => 7 });
    expect(e.error).toBeNull();
    expect(e.jobs.map((j) => [j.step, j.start, j.end])).toEqual([
      ['a', 0, 7],
      ['b', 0, 7],
    ]);
  });
});
