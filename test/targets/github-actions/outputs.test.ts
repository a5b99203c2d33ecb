import { describe, expect, test } from 'vitest';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { githubActionsTarget } from '../../../src/targets/github-actions/index.js';
import { actionlint } from './actionlint.js';
import { compileGha, irWith, parseWorkflow, step } from './helpers.js';
import { shardsIR } from './outputs-fixture.js';

const origin = { file: 'flow.yaml', line: 1, col: 1 };
const lit = (value: string) => ({ kind: 'lit' as const, value });
const out = (s: string, o: string) => ({ kind: 'output' as const, step: s, output: o });

function compiled(ir: IR): { text: string; wf: Record<string, any> } {
  const c = compileGha(ir);
  expect(c.diagnostics.errors()).toEqual([]);
  return { text: c.text as string, wf: parseWorkflow(c.text as string) };
}

/** A static foreach with outputs and a retry policy, read by a grandchild (not a direct dependent). */
function staticIR(items: string[]): IR {
  const each = step('each', {
    foreach: { items, from: null, parallelism: 2 },
    exec: { kind: 'command', argv: [[lit('sh')], [lit('-c')], [lit('echo "$1" > "$FLOWC_OUTPUTS/r"'), { kind: 'item', path: [] }]] },
    retry: { limit: 2, delaySeconds: 5, backoff: 2, maxDelaySeconds: null },
    timeoutSeconds: 60,
    outputs: [{ name: 'r', type: 'json', origin }],
  });
  const mid = step('mid', { needs: ['each'] });
  const last = step('last', { needs: ['mid'], exec: { kind: 'run', script: [lit('echo "'), out('each', 'r'), lit('"\n')] } });
  return irWith([each, mid, last]);
}

/** `again` iterates over the list `each` (a static foreach) collected, and publishes its own. */
function overCollected(): IR {
  const ir = staticIR(['a', 'b']);
  const again = step('again', {
    needs: ['each'],
    foreach: { items: [], from: { step: 'each', output: 'r' }, parallelism: null },
    exec: { kind: 'run', script: [lit('echo "'), { kind: 'item', path: [0] }, lit('" > "$FLOWC_OUTPUTS/o"\n')] },
    outputs: [{ name: 'o', type: 'string', origin }],
  });
  return irWith([...ir.steps, again]);
}

describe('github-actions renders step outputs', () => {
  test('the target says so', () => {
    expect(githubActionsTarget.stepOutputs).toBe(true);
  });

  test.each([
    ['dynamic shards in containers', shardsIR()],
    ['dynamic shards on the runner', shardsIR({ container: false })],
    ['a static foreach with outputs and retry, read two levels down', staticIR(['a', 'b', 'c'])],
    ['an empty static foreach with outputs', staticIR([])],
    ['a dynamic foreach over the collected list of a foreach step', overCollected()],
  ])('actionlint finds nothing in %s', async (_name, ir) => {
    const { text } = compiled(ir);
    expect(await actionlint(text)).toEqual([]);
  });

  test('a reader needs the job that holds the value and reads it through env, never through its script text', () => {
    const { wf } = compiled(shardsIR());
    const join = wf.jobs.join;
    expect(join.needs).toEqual(['process', 'process-outputs', 'split']);
    expect(join.env.FLOWC_STEPS_PROCESS_RESULT).toBe('${{ needs.process-outputs.outputs.result }}');
    expect(join.env.MANIFEST).toBe('${{ needs.split.outputs.manifest }}');
    expect(join.steps[0].run).toBe('exec python join.py --results "${FLOWC_STEPS_PROCESS_RESULT}"\n');
    for (const [id, job] of Object.entries<any>(wf.jobs)) {
      for (const s of job.steps) if (s.run !== undefined) expect(s.run, `${id}: ${s.name}`).not.toContain('${{');
    }
  });

  test('a dynamic foreach takes its matrix from its -items helper, which reads the list; every task step skips on the empty stand-in', () => {
    const { wf } = compiled(shardsIR());
    expect(Object.keys(wf.jobs)).toEqual(['split', 'process-items', 'process', 'process-outputs', 'join']);
    expect(wf.jobs['process-items'].needs).toEqual(['split']);
    expect(wf.jobs['process-items'].steps[0].env).toEqual({ FLOWC_LIST: '${{ needs.split.outputs.shards }}' });
    const p = wf.jobs.process;
    expect(p.needs).toEqual(['split', 'process-items']);
    expect(p.strategy).toEqual({ 'fail-fast': false, 'max-parallel': 4, matrix: '${{ fromJSON(needs.process-items.outputs.matrix) }}' });
    expect(p.steps.map((s: any) => s.if)).toEqual(['${{ matrix.flowc_empty }}', '${{ !matrix.flowc_empty }}', '${{ !matrix.flowc_empty }}', '${{ !matrix.flowc_empty }}']);
    expect(p.steps[3].uses).toBe('actions/upload-artifact@v4');
    expect(p.steps[3].with.name).toBe("flowc${{ inputs.flowc-call-id && format('-{0}', inputs.flowc-call-id) || '' }}.process.${{ strategy.job-index }}");
    // A matrix job sets no job outputs: GitHub would keep one task's.
    expect(p.outputs).toBeUndefined();
    const c = wf.jobs['process-outputs'];
    expect(c.needs).toEqual(['process', 'process-items']);
    expect(c.outputs).toEqual({ result: '${{ steps.flowc_outputs.outputs.result }}' });
    expect(c.steps[0].if).toBe("${{ needs.process-items.outputs.count != '0' }}");
  });

  test('a static foreach with outputs: the collector knows the count; an empty one downloads nothing', () => {
    const three = compiled(staticIR(['a', 'b', 'c'])).wf;
    expect(three.jobs['each-outputs'].steps[0].uses).toBe('actions/download-artifact@v4');
    expect(three.jobs['each-outputs'].steps[1].run).toContain(' flowc-task-outputs "$FLOWC_ARTIFACTS" 3 "$flowc_dir" r:json ');
    expect(three.jobs.last.needs).toEqual(['mid', 'each-outputs']);
    // Each attempt of the retry loop starts with an empty outputs folder.
    expect(three.jobs.each.steps[0].run).toContain('for flowc_wait in 5 10 last; do\n  rm -rf "$FLOWC_OUTPUTS" && mkdir -p "$FLOWC_OUTPUTS" || exit 1\n');
    const none = compiled(staticIR([])).wf;
    expect(none.jobs['each-outputs'].steps.map((s: any) => s.name)).toEqual(['flowc: collect outputs']);
    expect(none.jobs['each-outputs'].steps[0].run).toContain(' "$FLOWC_ARTIFACTS" 0 ');
    expect(none.jobs.each.steps).toHaveLength(1);
  });

  test('a dynamic foreach over a collected list plans from the collector', () => {
    const { wf } = compiled(overCollected());
    expect(wf.jobs['again-items'].needs).toEqual(['each-outputs']);
    expect(wf.jobs['again-items'].steps[0].env).toEqual({ FLOWC_LIST: '${{ needs.each-outputs.outputs.r }}' });
    expect(wf.jobs['again-outputs'].needs).toEqual(['again', 'again-items']);
    expect(wf.jobs.again.env.FLOWC_ITEM_0).toBe('${{ matrix.item_0 }}');
  });

  test('a helper job id never takes a job id of a step', () => {
    // Flow step ids cannot hold '-', but the target does not rely on it.
    const steps: IRStep[] = [
      step('a-items', {}),
      step('a', { needs: ['a-items'], foreach: { items: [], from: { step: 'src', output: 'l' }, parallelism: null } }),
    ];
    const src = step('src', { outputs: [{ name: 'l', type: 'json', origin }] });
    const { wf } = compiled(irWith([src, ...steps.map((s) => ({ ...s, needs: [...s.needs, 'src'] }))]));
    expect(Object.keys(wf.jobs)).toEqual(['src', 'a-items', 'a-items-2', 'a']);
    expect(wf.jobs.a.strategy.matrix).toBe('${{ fromJSON(needs.a-items-2.outputs.matrix) }}');
  });
});
