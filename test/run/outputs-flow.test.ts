import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowcRun, lines, maxConcurrency, project, record } from './helpers.js';

// docs/outputs.md semantics, end to end: the flow syntax, lowering, and real processes.
describe('flowc run: step outputs in a flow', () => {
  it('runs split -> dynamic foreach -> join with outputs in scripts, argv and env', async () => {
    const dir = project(`flowc: 1
name: shards
defaults: { image: alpine }
steps:
  split:
    run: |
      echo '[{"id":"a"},{"id":"b"},{"id":"c"}]' > "$FLOWC_OUTPUTS/shards"
      printf 'manifest.json\\n\\n' > "$FLOWC_OUTPUTS/manifest"
    outputs:
      shards: { type: json }
      manifest: { type: string }
  process:
    needs: [split]
    foreach: \${steps.split.outputs.shards}
    parallelism: 2
    run: |
      echo "start \${item.id}" >> events.txt
      echo "\${item.id}:\${steps.split.outputs.manifest}" > "$FLOWC_OUTPUTS/result"
      echo "end \${item.id}" >> events.txt
    outputs:
      result: { type: string }
  join:
    needs: [process]
    command: [sh, -c, 'printf "%s|%s|%s" "$1" "$MANIFEST" "$SUMMARY" > join.txt', sh, "\${steps.process.outputs.result}"]
    env:
      MANIFEST: \${steps.split.outputs.manifest}
      SUMMARY: "of \${steps.split.outputs.manifest} in \${run.id}"
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'join.txt'), 'utf8')).toBe('["a:manifest.json","b:manifest.json","c:manifest.json"]|manifest.json|of manifest.json in r');
    expect(maxConcurrency(lines(join(dir, 'events.txt')))).toBeLessThanOrEqual(2);
    const rec = record(dir, 'r');
    expect(rec.steps[1]?.tasks.map((t) => [t.index, t.log, t.outputs])).toEqual([
      [0, 'process.0.log', { result: 'a:manifest.json' }],
      [1, 'process.1.log', { result: 'b:manifest.json' }],
      [2, 'process.2.log', { result: 'c:manifest.json' }],
    ]);
  });

  it('fails the run before any task when the list is not a list (FLOWC863), at the step', async () => {
    const dir = project(`flowc: 1
name: notlist
defaults: { image: alpine }
steps:
  split:
    run: echo '{"a":1}' > "$FLOWC_OUTPUTS/shards"
    outputs:
      shards: { type: json }
  process:
    needs: [split]
    foreach: \${steps.split.outputs.shards}
    run: echo ran >> ran.txt
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flow\.yaml:9:3: error FLOWC863: step 'process' iterates over \$\{steps\.split\.outputs\.shards\}, which is not a JSON list: \{"a":1\}$/m);
    expect(lines(join(dir, 'ran.txt'))).toEqual([]);
  });

  it('fails a step that exits 0 without writing a declared output (FLOWC862), and --only refuses to drop the producer (FLOWC855)', async () => {
    const dir = project(`flowc: 1
name: missing
defaults: { image: alpine }
steps:
  a:
    run: "true"
    outputs:
      v: { type: string }
  b:
    needs: [a]
    run: echo "\${steps.a.outputs.v}"
`);
    const r = await flowcRun(dir, ['--run-id', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^flow\.yaml:5:3: error FLOWC862: step 'a' output 'v': the step exited 0 but did not write \$FLOWC_OUTPUTS\/v$/m);
    const only = await flowcRun(dir, ['--run-id', 'o', '--only', 'b']);
    expect(only.code).toBe(1);
    expect(only.stderr).toMatch(/^flow\.yaml:9:3: error FLOWC855: step 'b' reads \$\{steps\.a\.outputs\.v\}, but --only leaves out step 'a'/m);
  });
});
