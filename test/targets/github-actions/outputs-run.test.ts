import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureDir } from '../../helpers/fixtures.js';
import type { IR, IRString } from '../../../src/ir/types.js';
import type { Json } from '../../../src/source/tree.js';
import { compileGha, irWith, parseWorkflow, step } from './helpers.js';
import { simulateRun } from './run-sim.js';

/**
 * split -> dynamic process -> join, run job by job with real `sh` in a simulated runner
 * (run-sim.ts): values go through $GITHUB_OUTPUT, job outputs, `needs` expressions, the planned
 * matrix, per-task artifacts and the collector, as on GitHub. The values are hostile: quotes,
 * `$(...)`, newlines, a line `EOF`.
 */
const lit = (value: string) => ({ kind: 'lit' as const, value });
const out = (s: string, o: string) => ({ kind: 'output' as const, step: s, output: o });
const origin = { file: 'flow.yaml', line: 2, col: 3 };
const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

const MANIFEST = 's3://bucket/model\nEOF\n$(touch pwned) "q" \'s\'';

function pipeline(shards: Json): IR {
  const split = step('split', {
    exec: { kind: 'run', script: [lit(`printf '%s' ${sq(JSON.stringify(shards))} > "$FLOWC_OUTPUTS/shards"\nprintf '%s\\n\\n' ${sq(MANIFEST)} > "$FLOWC_OUTPUTS/manifest"\n`)] },
    outputs: [
      { name: 'manifest', type: 'string', origin },
      { name: 'shards', type: 'json', origin },
    ],
  });
  const script: IRString = [lit('printf \'%s|%s\' "'), { kind: 'item', path: ['id'] }, lit('" "'), out('split', 'manifest'), lit('" > "$FLOWC_OUTPUTS/result"\n')];
  const process = step('process', {
    needs: ['split'],
    exec: { kind: 'run', script },
    foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 2 },
    outputs: [{ name: 'result', type: 'string', origin }],
  });
  const join = step('join', {
    needs: ['process'],
    exec: { kind: 'command', argv: [[lit('sh')], [lit('-c')], [lit('printf "RESULTS<%s>\\nMANIFEST<%s>\\n" "$1" "$MANIFEST"')], [lit('sh')], [out('process', 'result')]] },
    env: [{ name: 'MANIFEST', value: [out('split', 'manifest')] }],
  });
  return irWith([split, process, join]);
}

function runPipeline(shards: Json) {
  const c = compileGha(pipeline(shards));
  expect(c.diagnostics.errors()).toEqual([]);
  const res = simulateRun(parseWorkflow(c.text as string));
  const m = /RESULTS<([\s\S]*)>\nMANIFEST<([\s\S]*)>\n/.exec(res.log);
  return { ...res, results: m ? (JSON.parse(m[1] as string) as unknown) : undefined, manifest: m?.[2] };
}

describe('a dynamic foreach over a step output, run', () => {
  test('each shard is one task; join gets every result as a JSON list in item order, and the manifest intact', () => {
    const ids = ['a', 'b"c', "d'e", 'f\ng', '$(touch pwned)', 'EOF'];
    const res = runPipeline(ids.map((id) => ({ id })));
    expect(res.outcome).toMatchObject({ split: 'success', 'process-items': 'success', process: 'success', 'process-outputs': 'success', join: 'success' });
    expect(Object.keys(res.outcome).filter((k) => k.startsWith('process['))).toHaveLength(ids.length);
    expect(res.results).toEqual(ids.map((id) => `${id}|${MANIFEST}`));
    expect(res.manifest).toBe(MANIFEST);
  });

  test('an empty list runs no task, the step succeeds and join still runs, seeing []', () => {
    const res = runPipeline([]);
    expect(res.outcome).toMatchObject({ process: 'success', 'process[0]': 'success', 'process-outputs': 'success', join: 'success' });
    expect(res.log).toContain('flowc: foreach over an empty list, nothing to run');
    expect(res.log).not.toContain('|');
    expect(res.results).toEqual([]);
  });

  test('a value that is not a list fails the run before any task starts, naming the step', () => {
    const res = runPipeline({ id: 'not a list' });
    expect(res.outcome).toMatchObject({ split: 'success', 'process-items': 'failure', process: 'skipped', join: 'skipped' });
    expect(res.log).toContain('::error title=flowc::step process: its foreach reads steps.split.outputs.shards, which must be a JSON list but is a JSON object');
  });

  test('257 items fail the run before any task starts', () => {
    const res = runPipeline(Array.from({ length: 257 }, (_, i) => ({ id: `${i}` })));
    expect(res.outcome).toMatchObject({ 'process-items': 'failure', process: 'skipped' });
    expect(res.log).toContain('a list of 257 items, over the 256 jobs GitHub runs from one matrix');
  });
});

describe('the dynamic-shards fixture, run as its golden file is written', () => {
  test('split, three tasks, join: join gets the three results in shard order and the manifest', () => {
    const root = mkdtempSync(joinPath(tmpdir(), 'flowc-gha-ds-'));
    try {
      // A stand-in for the image's `python -m sharder.<x>` (the sim runs steps on this machine).
      const bin = joinPath(root, 'bin');
      mkdirSync(bin);
      const fake = [
        '#!/bin/sh',
        'case "$2" in',
        `  sharder.split) printf '%s\\n' '[{"id":"s0","rows":10},{"id":"s 1 \\"q\\"","rows":5},{"id":"$(s2)","rows":1}]' ;;`,
        `  sharder.process) printf '%s@%s\\n\\n' "$4" "$6" ;;`,
        `  sharder.join) printf 'RESULTS<%s>\\nMANIFEST<%s>\\nRUN<%s>\\n' "$4" "$MANIFEST" "$6" ;;`,
        '  *) exit 64 ;;',
        'esac',
        '',
      ].join('\n');
      writeFileSync(joinPath(bin, 'python'), fake, { mode: 0o755 });
      const wf = parseWorkflow(readFileSync(joinPath(fixtureDir('dynamic-shards'), 'expected', 'dynamic-shards.gha.yml'), 'utf8'));
      const res = simulateRun(wf, { root: joinPath(root, 'run'), inputs: { dataset: 's3://d' }, path: `${bin}:${process.env.PATH}` });
      expect(res.outcome).toMatchObject({ split: 'success', 'process-items': 'success', 'process[2]': 'success', 'process-outputs': 'success', join: 'success' });
      const m = /RESULTS<([\s\S]*)>\nMANIFEST<([\s\S]*)>\nRUN<(.*)>/.exec(res.log);
      expect(JSON.parse(m?.[1] as string)).toEqual(['s0@s3://d/manifest.json', 's 1 "q"@s3://d/manifest.json', '$(s2)@s3://d/manifest.json']);
      expect(m?.[2]).toBe('s3://d/manifest.json');
      expect(m?.[3]).toBe('4242');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
